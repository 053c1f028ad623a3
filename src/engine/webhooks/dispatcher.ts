// The webhook delivery loop of a worker, readable top to bottom: lease due deliveries → send each
// (signed, Standard Webhooks headers) → record the attempt, which schedules the retry or gives up.
// Any worker process runs it; leases keep two from sending one attempt at once. It wakes when a
// batch ends (its outbox rows were just written), when the next retry falls due, and otherwise
// every `pollMs` (a lease lapsed elsewhere; a wake-up lost). Shutdown interrupts attempts in
// flight and hands their deliveries back.

import { withTimeout } from '../../deadline.js';
import type { Deps } from '../../domain/deps.js';
import { SecretDecryptionError } from '../../domain/webhooks/secret-box.js';
import { Signal } from '../signal.js';
import { type LeasedDelivery, leaseDueDeliveries, nextDueAt, recordAttempt, releaseDelivery } from './deliveries.js';
import type { Resolver } from './guarded-lookup.js';
import { type SendOutcome, WebhookSender } from './send.js';
import { webhookSignature } from './sign.js';

export interface DispatcherOptions {
  /** How often to look for due deliveries without being woken (leases lapsed elsewhere); default 1 s. */
  pollMs?: number;
  /** Attempts in flight at once in this process. */
  concurrency?: number;
  resolver?: Resolver;
}

/** A lease outlives an attempt's deadline by this much (time to record it). */
const LEASE_MARGIN_MS = 5_000;
const DEFAULT_CONCURRENCY = 16;
const DEFAULT_POLL_MS = 1_000;
const USER_AGENT = 'batchgate-webhooks/1';
/** On shutdown, handing an interrupted delivery back waits this long at most (else its lease lapses). */
const RELEASE_BOUND_MS = 2_000;

export class WebhookDispatcher {
  private readonly due = new Signal();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: Deps,
    private readonly owner: string,
    private readonly options: DispatcherOptions = {},
  ) {}

  private get pollMs(): number {
    return this.options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** Deliveries may have become due (a batch just ended). */
  wake(): void {
    this.due.poke();
  }

  async loop(stop: AbortSignal): Promise<void> {
    const { timeoutMs, allowPrivateUrls } = this.deps.config.webhooks;
    const sender = new WebhookSender({ timeoutMs, allowPrivateUrls, resolver: this.options.resolver });
    const concurrency = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    try {
      while (!stop.aborted) {
        const room = concurrency - this.inFlight.size;
        const leased =
          room > 0 ? await leaseDueDeliveries(this.deps, this.owner, room, timeoutMs + LEASE_MARGIN_MS) : [];
        for (const delivery of leased) this.track(this.deliver(sender, delivery, stop));
        if (room > 0 && leased.length === room) continue; // more may be due
        await this.due.wait(room > 0 ? await this.untilNextDue() : this.pollMs, stop);
      }
    } finally {
      await Promise.allSettled(this.inFlight);
      await sender.close();
    }
  }

  private track(attempt: Promise<void>): void {
    const tracked = attempt.finally(() => {
      this.inFlight.delete(tracked);
      this.due.poke();
    });
    this.inFlight.add(tracked);
  }

  private async untilNextDue(): Promise<number> {
    const next = await nextDueAt(this.deps);
    if (!next) return this.pollMs;
    return Math.min(this.pollMs, Math.max(10, next.getTime() - this.deps.clock.now().getTime()));
  }

  private async deliver(sender: WebhookSender, delivery: LeasedDelivery, stop: AbortSignal): Promise<void> {
    const { deps } = this;
    const attemptedAt = deps.clock.now();
    let outcome: SendOutcome;
    try {
      const secret = deps.webhookSecrets.decrypt(delivery.secretCiphertext, delivery.endpointId);
      const timestamp = Math.floor(attemptedAt.getTime() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(secret, delivery.eventId, timestamp, delivery.payload),
      };
      outcome = await sender.send(delivery.url, headers, delivery.payload, stop);
    } catch (error) {
      // Why is the operator's to know (the log); the endpoint's owner learns only that it was not sent.
      deps.log.warn({ err: error, event: delivery.eventId, endpoint: delivery.endpointId }, 'webhook not sent');
      const reason =
        error instanceof SecretDecryptionError
          ? "the endpoint's secret cannot be read with the gateway's current secret key; re-create the endpoint"
          : 'the request could not be prepared';
      outcome = { statusCode: null, error: `not sent: ${reason}`, interrupted: false };
    }
    const about = { event: delivery.eventId, endpoint: delivery.endpointId };
    if (outcome.detail) deps.log.info({ ...about, cause: outcome.detail }, 'webhook attempt failed');
    try {
      if (outcome.interrupted) return await withTimeout(releaseDelivery(deps, this.owner, delivery), RELEASE_BOUND_MS);
      const recorded = await recordAttempt(
        deps,
        this.owner,
        delivery,
        { attemptedAt, ...outcome },
        deps.config.webhooks.retryScheduleSeconds,
      );
      if (recorded === 'given_up') deps.log.warn({ ...about, ...outcome }, 'webhook delivery given up');
      else deps.log.debug({ ...about, ...outcome, recorded }, 'webhook attempt');
    } catch (error) {
      // The lease lapses and the attempt is made again: at least once, never lost.
      deps.log.warn({ err: error, ...about }, 'recording a webhook attempt failed');
    }
  }
}
