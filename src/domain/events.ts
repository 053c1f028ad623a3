// The batch event bus as the domain sees it. The engine provides the implementation
// (PostgreSQL LISTEN/NOTIFY across processes, or in-process on PGlite).
import type { BatchStatus } from '../db/tables/batches.js';

export interface BatchEvent {
  id: string;
  projectId: string;
  status: BatchStatus;
}

export interface EventBus {
  /** Announce that a batch changed (status or progress). */
  publish(event: BatchEvent): Promise<void>;
  /** Listen to every batch event seen by this process; returns the unsubscribe function. */
  subscribe(listener: (event: BatchEvent) => void): () => void;
  /** Tell workers that new work may be claimable (a batch became in_progress, a retry is due). */
  wakeWorkers(): Promise<void>;
  onWake(listener: () => void): () => void;
}
