// The slower half of a worker, two loops:
//   validation  — lease a `validating` batch, validate and ingest it (validate.ts), announce it
//   maintenance — finalize ended batches as soon as the writer reports them (finalize.ts), and
//                 every `maintenanceMs` sweep for expiry and cancelled leftovers (lifecycle.ts),
//                 batches another worker left unfinalized, abandoned uploads (maintenance.ts) and
//                 expired files (retention.ts)

import { endCancelledLeftovers, expireDue } from '../domain/batches/lifecycle.js';
import type { Deps } from '../domain/deps.js';
import { batchesReadyToFinalize, finalizeBatch } from './finalize.js';
import { leaseValidation, purgeAbandonedUploads, releaseValidation, renewValidationLease } from './maintenance.js';
import { sweepExpiredFiles } from './retention.js';
import { Signal } from './signal.js';
import { validateBatch } from './validate.js';

export interface MaintainerHooks {
  /** A batch this process just validated is running: claim its chunks now. */
  onRunning(batchId: string): void;
  /** These running batches are past `expires_at`: abort what is held of them. */
  onOverdue(batchIds: string[]): void;
}

export class Maintainer {
  private readonly validationDue = new Signal();
  private readonly maintenanceDue = new Signal();
  private readonly toFinalize = new Set<string>();
  /** The batch being validated by this process, if any (its lease is renewed by the heartbeat). */
  private validating: { batchId: string; lost: AbortController } | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly owner: string,
    private readonly options: { leaseMs: number; maintenanceMs: number },
    private readonly hooks: MaintainerHooks,
  ) {}

  /** New validating batches may exist. */
  wakeValidation(): void {
    this.validationDue.poke();
  }

  /** Something may need a sweep soon (a cancel, an expiry). */
  wakeMaintenance(): void {
    this.maintenanceDue.poke();
  }

  /** Every row of this batch has ended: write its files now. */
  finalizeSoon(batchId: string): void {
    this.toFinalize.add(batchId);
    this.maintenanceDue.poke();
  }

  /** Extend the lease of the validation in progress; one found lost (cancelled, taken over) stops. */
  async renewValidationLease(): Promise<void> {
    const current = this.validating;
    if (!current) return;
    const held = await renewValidationLease(this.deps, this.owner, current.batchId, this.options.leaseMs);
    if (!held) current.lost.abort(new Error(`validation lease on ${current.batchId} lost`));
  }

  async validationLoop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const batch = await leaseValidation(this.deps, this.owner, this.options.leaseMs);
      if (!batch) {
        await this.validationDue.wait(this.options.maintenanceMs, stop);
        continue;
      }
      const lost = new AbortController();
      this.validating = { batchId: batch.id, lost };
      try {
        const validated = await validateBatch(this.deps, batch, this.owner, AbortSignal.any([stop, lost.signal]));
        if (validated?.status === 'in_progress') {
          this.hooks.onRunning(validated.id);
          // The other workers learn of it without this loop waiting.
          void this.deps.events.wakeWorkers().catch(() => {});
        }
      } catch (error) {
        // Stopped: the attempt does not count against the batch. Failed: it does (a batch whose
        // validation keeps failing must not block newer ones forever).
        // Lost: the batch is no longer ours, nothing to release.
        await releaseValidation(this.deps, this.owner, batch.id, { uncount: stop.aborted }).catch(() => {});
        if (lost.signal.aborted && !stop.aborted) {
          this.deps.log.warn({ batch: batch.id, worker: this.owner }, 'validation stopped: its lease was lost');
        } else if (!stop.aborted) throw error;
      } finally {
        this.validating = null;
      }
    }
  }

  async maintenanceLoop(stop: AbortSignal): Promise<void> {
    let nextSweep = 0;
    while (!stop.aborted) {
      await this.finalizeKnown(stop);
      if (performance.now() >= nextSweep) {
        const { overdue, ended } = await expireDue(this.deps);
        if (overdue.length > 0) this.hooks.onOverdue(overdue);
        for (const id of [...ended, ...(await endCancelledLeftovers(this.deps))]) this.toFinalize.add(id);
        for (const id of await batchesReadyToFinalize(this.deps)) this.toFinalize.add(id);
        await purgeAbandonedUploads(this.deps);
        await sweepExpiredFiles(this.deps, stop);
        nextSweep = performance.now() + this.options.maintenanceMs;
        await this.finalizeKnown(stop);
      }
      if (this.toFinalize.size === 0) await this.maintenanceDue.wait(Math.max(1, nextSweep - performance.now()), stop);
    }
  }

  private async finalizeKnown(stop: AbortSignal): Promise<void> {
    for (const id of [...this.toFinalize]) {
      this.toFinalize.delete(id);
      if (stop.aborted) return;
      await finalizeBatch(this.deps, id);
    }
  }
}
