// Live streams (subscriptions and SSE on every face) held open per tenant key: at most
// `limits.liveStreamsPerKey` at once (the next is refused as rate-limited), and the streams of a
// key that was revoked end within one sweep (every 5 s; revocation may happen in another process,
// so the sweep reads the database). Counted per process. The admin key is not limited.
import { and, inArray, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { apiKeys } from '../../db/tables/api-keys.js';
import type { Caller } from '../caller.js';
import { AppError } from '../errors.js';

export const REVOCATION_SWEEP_MS = 5_000;

export interface StreamLease {
  /** Aborted when the key is revoked. */
  readonly signal: AbortSignal;
  release(): void;
}

const ADMIN_LEASE: StreamLease = { signal: new AbortController().signal, release: () => {} };

export class LiveStreams {
  private readonly open = new Map<string, Set<AbortController>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly perKey: number,
  ) {}

  /** A slot for one more stream of `caller`; released exactly once by `release()`. */
  acquire(caller: Caller): StreamLease {
    if (caller.kind === 'admin') return ADMIN_LEASE;
    const held = this.open.get(caller.keyId) ?? new Set();
    if (held.size >= this.perKey) {
      throw new AppError(
        'rate_limited',
        `This API key already has ${this.perKey} live streams open; close one before opening another.`,
        { retryAfterMs: 1000 },
      );
    }
    const controller = new AbortController();
    held.add(controller);
    this.open.set(caller.keyId, held);
    return {
      signal: controller.signal,
      release: () => {
        held.delete(controller);
        if (held.size === 0 && this.open.get(caller.keyId) === held) this.open.delete(caller.keyId);
      },
    };
  }

  /** End the streams of keys revoked since they opened. */
  async endRevoked(): Promise<void> {
    const keyIds = [...this.open.keys()];
    if (keyIds.length === 0) return;
    const revoked = await this.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(inArray(apiKeys.id, keyIds), isNotNull(apiKeys.revokedAt)));
    for (const { id } of revoked) for (const controller of this.open.get(id) ?? []) controller.abort();
  }

  start(onError: (error: unknown) => void): void {
    this.timer = setInterval(() => this.endRevoked().catch(onError), REVOCATION_SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
