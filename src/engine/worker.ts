// The worker: one process's share of execution, readable top to bottom.
//   claim loop — lease chunks of lines (fairly across projects and batches, only for providers
//                with room) → hand them to the executor, which runs them (executor.ts) → the
//                outcome writer records how each ended (outcome-writer.ts)
//   heartbeat  — renew the leases of every chunk (and validation, and provider batch) still held
//   native     — provider batches: submit, poll, forward cancels, collect (native-poller.ts)
//   validation and maintenance loops — see maintainer.ts
//   shares     — each heartbeat (the first before any claim) also registers this worker and takes
//                its share of every provider's limits (membership.ts, shares.ts), and hands back
//                chunks left waiting on a zero share
//   webhooks   — deliver the webhook outbox (webhooks/dispatcher.ts), woken when a batch ends
// Every wait takes the stop signal; `stop()` drains in-flight requests within a bound, records
// what ended and releases the rest, each step bounded so a database that is away cannot hold it.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { claimChunks, releaseChunks, renewLeases } from '../db/queries/batch-requests.js';
import { renewProviderBatchLeases } from '../db/queries/provider-batches.js';
import { batches } from '../db/tables/batches.js';
import { withTimeout } from '../deadline.js';
import { isTerminal } from '../domain/batches/batch.js';
import type { Deps } from '../domain/deps.js';
import type { BatchEvent } from '../domain/events.js';
import type { Providers } from '../providers/index.js';
import type { NativeBatchAdapters } from '../providers/native/index.js';
import { Executor } from './executor.js';
import { fairQuotas } from './fairness.js';
import { Maintainer } from './maintainer.js';
import { Membership } from './membership.js';
import { NativePoller } from './native-poller.js';
import { OutcomeWriter } from './outcome-writer.js';
import type { BackoffPolicy } from './retry.js';
import { Signal } from './signal.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

export interface WorkerOptions {
  workerId: string;
  /** A chunk or validation not renewed for this long is taken over by another worker. */
  leaseMs: number;
  heartbeatMs: number;
  /** Upper bound of lines claimed at once (in whole chunks). */
  maxClaim: number;
  /** How often an idle worker looks for work without being woken. */
  idlePollMs: number;
  maintenanceMs: number;
  backoff: BackoffPolicy;
  /** Outcomes are written together: when this many are buffered, or `flushDelayMs` after the first. */
  flushRows: number;
  flushDelayMs: number;
  /** On stop, in-flight requests get this long to finish before they are aborted and released. */
  shutdownGraceMs: number;
  progressIntervalMs: number;
}

export const defaultWorkerOptions = (): WorkerOptions => ({
  workerId: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  leaseMs: 10_000,
  heartbeatMs: 2_000,
  maxClaim: 512,
  idlePollMs: 500,
  maintenanceMs: 1_000,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  flushRows: 256,
  flushDelayMs: 25,
  shutdownGraceMs: 10_000,
  progressIntervalMs: 250,
});

export class Worker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly stopController = new AbortController();
  private readonly executor: Executor;
  private readonly writer: OutcomeWriter;
  private readonly maintainer: Maintainer;
  private readonly poller: NativePoller | null;
  private readonly webhooks: WebhookDispatcher;
  private readonly workToClaim = new Signal();
  private readonly membership: Membership;
  /** Diagnostics: claim statements and their time (the writer keeps its own). */
  private readonly claimStats = { claims: 0, claimMs: 0 };
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: Deps,
    providers: Providers,
    options: Partial<WorkerOptions> = {},
    adapters: NativeBatchAdapters = new Map(),
  ) {
    this.options = { ...defaultWorkerOptions(), ...options };
    this.id = this.options.workerId;
    this.maintainer = new Maintainer(deps, this.id, this.options, {
      onRunning: () => this.workToClaim.poke(),
      onOverdue: (ids) => {
        for (const id of ids) this.executor.abort(id, 'batch_expired');
      },
    });
    this.writer = new OutcomeWriter(deps, this.id, this.options, {
      quiet: (inFlight) => this.executor.quiet(inFlight),
      batchEnded: (batchId) => this.maintainer.finalizeSoon(batchId),
      chunksFreed: () => this.workToClaim.poke(),
    });
    this.poller =
      adapters.size === 0
        ? null
        : new NativePoller(deps, adapters, this.id, this.options, {
            batchEnded: (batchId) => this.maintainer.finalizeSoon(batchId),
          });
    this.webhooks = new WebhookDispatcher(deps, this.id);
    this.executor = new Executor(deps, providers, this.options.backoff, this.stopping, {
      onEnd: (row, end) => this.writer.record(row, end),
      onRoom: () => this.workToClaim.poke(),
      onExpired: () => this.maintainer.wakeMaintenance(),
    });
    const limits = Object.fromEntries(this.executor.providerNames.map((name) => [name, deps.config.providers[name]!]));
    this.membership = new Membership(deps, this.id, limits, this.options.heartbeatMs);
  }

  private get stopping(): AbortSignal {
    return this.stopController.signal;
  }

  get stats() {
    return { ...this.claimStats, ...this.writer.stats };
  }

  start(): void {
    this.unsubscribe.push(
      this.deps.events.onWake(() => {
        this.workToClaim.poke();
        this.maintainer.wakeValidation();
      }),
      this.deps.events.subscribe((event) => this.onBatchEvent(event)),
    );
    this.loops = [
      this.loop('claim', () => this.claimLoop()),
      this.loop('writer', () => this.writer.loop(this.stopping)),
      this.loop('heartbeat', () => this.heartbeatLoop()),
      this.loop('validation', () => this.maintainer.validationLoop(this.stopping)),
      this.loop('maintenance', () => this.maintainer.maintenanceLoop(this.stopping)),
      this.loop('webhooks', () => this.webhooks.loop(this.stopping)),
    ];
    const { poller } = this;
    if (poller) this.loops.push(this.loop('native', () => poller.loop(this.stopping)));
  }

  /** Stop claiming, let in-flight requests finish (bounded), record what ended, release the chunks. */
  async stop(): Promise<void> {
    if (this.stopping.aborted) return;
    this.stopController.abort();
    for (const off of this.unsubscribe) off();
    await this.executor.drain(this.options.shutdownGraceMs);
    await Promise.all(this.loops);
    // Bounded: with the database away, the leases simply lapse and another worker takes over.
    const bound = this.options.shutdownGraceMs;
    await withTimeout(this.writer.flush(), bound).catch((error) =>
      this.deps.log.error({ err: error }, 'final flush failed; those lines will run again elsewhere'),
    );
    await withTimeout(releaseChunks(this.deps.database, this.id), bound).catch((error) =>
      this.deps.log.error({ err: error }, 'releasing chunks failed; their leases will lapse'),
    );
    await withTimeout(this.membership.leave(), bound).catch((error) =>
      this.deps.log.error({ err: error }, 'leaving failed; the others divide its shares once its heartbeat lapses'),
    );
    this.writer.clear();
    this.deps.log.info({ worker: this.id, ...this.stats }, 'worker stopped');
  }

  private async loop(name: string, body: () => Promise<void>): Promise<void> {
    while (!this.stopping.aborted) {
      try {
        await body();
        return;
      } catch (error) {
        if (this.stopping.aborted) return;
        this.deps.log.error({ err: error, loop: name, worker: this.id }, 'worker loop failed; restarting');
        await sleep(1000, undefined, { signal: this.stopping }).catch(() => {});
      }
    }
  }

  /** Claim → run (executor) → record (writer), for as long as the worker runs. */
  private async claimLoop(): Promise<void> {
    while (!this.stopping.aborted) {
      this.deps.liveness.tick('claim');
      const { providers, capacity } = this.executor.demand(this.options.maxClaim);
      if (capacity === 0) {
        await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
        continue;
      }
      const started = performance.now();
      const active = await this.deps.db
        .select({
          id: batches.id,
          projectId: batches.projectId,
          endpoint: batches.endpoint,
          expiresAt: batches.expiresAt,
        })
        .from(batches)
        .where(eq(batches.status, 'in_progress'));
      const quotas = fairQuotas(active, capacity);
      const claimed =
        active.length === 0
          ? []
          : await claimChunks(
              this.deps.database,
              this.id,
              quotas,
              providers,
              this.executor.providerNames,
              this.options.leaseMs,
              this.executor.blockedProviders,
            );
      this.claimStats.claims++;
      this.claimStats.claimMs += performance.now() - started;
      if (this.stopping.aborted) return; // stop() releases every chunk held
      const running = new Map(active.map((b) => [b.id, b]));
      for (const chunk of claimed) {
        const batch = running.get(chunk.batchId);
        // A chunk of ours re-claimed after its lease lapsed (a stalled heartbeat): its lines are
        // already running here, and the claim just renewed the lease. Never send them twice.
        if (batch && this.writer.hold(chunk, chunk.rows.length)) this.executor.run(chunk, batch);
      }
      this.executor.prune(new Set(running.keys()), this.writer.heldBatches());
      if (claimed.length === 0) await this.workToClaim.wait(this.options.idlePollMs, this.stopping);
    }
  }

  private async heartbeatLoop(): Promise<void> {
    await this.rebalance(); // at once: until the first heartbeat every share is zero, so nothing is claimed
    while (!this.stopping.aborted) {
      await sleep(this.options.heartbeatMs, undefined, { signal: this.stopping }).catch(() => {});
      if (this.stopping.aborted) return;
      await this.rebalance();
      try {
        if (this.writer.holdsChunks) await renewLeases(this.deps.database, this.id, this.options.leaseMs);
        await this.maintainer.renewValidationLease();
        if (this.poller?.holdsLeases) await renewProviderBatchLeases(this.deps.database, this.id, this.options.leaseMs);
      } catch (error) {
        this.deps.log.warn({ err: error, worker: this.id }, 'lease renewal failed');
      }
    }
  }

  /**
   * Heartbeat and take this worker's share of each provider's limits; then hand back every chunk
   * whose open lines all wait on a zero share (released after the writer's next write).
   */
  private async rebalance(): Promise<void> {
    const shares = await this.membership.beat();
    if (shares) this.executor.applyShares(shares);
    for (const { chunk, lines } of this.executor.parkedChunks()) {
      if (lines < this.writer.openLines(chunk)) continue;
      this.executor.handBack(chunk);
      this.writer.handBack(chunk);
    }
  }

  private onBatchEvent(event: BatchEvent): void {
    if (isTerminal(event.status)) this.webhooks.wake(); // its outbox rows committed with the transition
    if (event.status === 'cancelling' || event.status === 'failed') {
      this.executor.abort(event.id, 'batch_cancelled');
      // Done at once if nothing was in flight here; otherwise the writer asks again once it is.
      if (event.status === 'cancelling') this.maintainer.finalizeSoon(event.id);
    }
    // A cancel to forward, or a new batch whose native part waits to be submitted.
    if (event.status === 'cancelling' || event.status === 'in_progress') this.poller?.wake();
  }
}
