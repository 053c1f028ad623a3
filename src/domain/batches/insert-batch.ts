// Record a new batch over an input file already stored: status `validating`, expiring one
// completion window after creation. Announces it and wakes the workers, which validate it.
import { type BatchMode, batches } from '../../db/tables/batches.js';
import type { Deps } from '../deps.js';
import { newBatchId } from '../ids.js';
import { type Batch, toBatch } from './batch.js';
import { announce } from './lifecycle.js';

export const COMPLETION_WINDOW_SECONDS = 24 * 60 * 60;

export interface NewBatch {
  projectId: string;
  inputFileId: string;
  /** Null when it is to be read from the lines' `url` during validation. */
  endpoint: string | null;
  completionWindow: string;
  metadata: Record<string, string> | null;
  jobName: string | null;
  mode?: BatchMode;
  /** Created from inline requests (GoModel). */
  inlineRequests?: boolean;
  /** The output and error files expire this long after they are written (null: kept until deleted). */
  outputExpiresAfterSeconds: number | null;
}

export async function insertBatch(
  deps: Pick<Deps, 'db' | 'clock' | 'events' | 'log'>,
  batch: NewBatch,
): Promise<Batch> {
  const now = deps.clock.now();
  const [row] = await deps.db
    .insert(batches)
    .values({
      id: newBatchId(),
      ...batch,
      status: 'validating',
      createdAt: now,
      expiresAt: new Date(now.getTime() + COMPLETION_WINDOW_SECONDS * 1000),
    })
    .returning();
  // The batch exists now: a failed announcement or wake-up is logged, never answered as a failure
  // (a client retrying the create would make a second batch); workers also find it by polling.
  await announce(deps, row!);
  await deps.events.wakeWorkers().catch((error) => deps.log.warn({ err: error }, 'waking the workers failed'));
  return toBatch(row!);
}
