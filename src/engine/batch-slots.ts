// What a worker knows of each running batch it holds chunks of: its endpoint and one AbortSignal
// that every request of the batch listens to, aborted on cancel, at `expires_at` (by the clock), or
// on shutdown.
import { setMaxListeners } from 'node:events';
import type { Clock } from '../domain/clock.js';

export type AbortReason = 'batch_cancelled' | 'batch_expired' | 'shutdown';

export interface BatchSlot {
  id: string;
  endpoint: string;
  signal: AbortSignal;
}

interface Entry extends BatchSlot {
  controller: AbortController;
  expiryTimer: NodeJS.Timeout;
}

export interface RunningBatch {
  id: string;
  endpoint: string | null;
  expiresAt: Date;
}

export class BatchSlots {
  private readonly entries = new Map<string, Entry>();
  /** Batches aborted before any of their lines were run here (a claim racing a cancel). */
  private readonly abortedEarly = new Map<string, AbortReason>();

  /** @param onExpired called when a held batch reaches `expires_at` */
  constructor(
    private readonly clock: Clock,
    private readonly onExpired: () => void,
  ) {}

  slotFor(batch: RunningBatch): BatchSlot {
    let entry = this.entries.get(batch.id);
    if (!entry) {
      const controller = new AbortController();
      // Every in-flight request of the batch listens on this one signal.
      setMaxListeners(0, controller.signal);
      const untilExpiry = Math.min(Math.max(0, batch.expiresAt.getTime() - this.clock.now().getTime()), 2 ** 31 - 1);
      const expiryTimer = setTimeout(() => {
        controller.abort('batch_expired' satisfies AbortReason);
        this.onExpired();
      }, untilExpiry);
      expiryTimer.unref();
      entry = { id: batch.id, endpoint: batch.endpoint ?? '', signal: controller.signal, controller, expiryTimer };
      this.entries.set(batch.id, entry);
      const early = this.abortedEarly.get(batch.id);
      if (early) controller.abort(early);
    }
    return entry;
  }

  abort(batchId: string, reason: AbortReason): void {
    const entry = this.entries.get(batchId);
    if (entry) entry.controller.abort(reason);
    else this.abortedEarly.set(batchId, reason);
  }

  abortAll(reason: AbortReason): void {
    for (const entry of this.entries.values()) entry.controller.abort(reason);
  }

  /** Forget batches that are no longer running and of which nothing is held. */
  prune(running: Set<string>, holding: Set<string>): void {
    for (const [id, entry] of this.entries) {
      if (!running.has(id) && !holding.has(id)) {
        clearTimeout(entry.expiryTimer);
        this.entries.delete(id);
      }
    }
    for (const id of this.abortedEarly.keys()) if (!running.has(id) && !holding.has(id)) this.abortedEarly.delete(id);
  }

  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.expiryTimer);
    this.entries.clear();
    this.abortedEarly.clear();
  }
}
