// Retry a finished batch's failed lines: a new batch on the same endpoint, in the source's project,
// whose generated input file holds every line that did not end 2xx (same custom_ids and bodies,
// input order). Its metadata is the source's plus `retry_of: <source id>`; that key is added even
// when the source already has 16 keys (the limit bounds what clients send, not this one key), and
// replaces the source's own `retry_of` when the source is itself a retry. The output retention
// (`output_expires_after`) is the source's too.
import type { z } from 'zod';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import { storeFile } from '../files/file-store.js';
import { projectFile } from '../files/upload-file.js';
import { type Batch, isTerminal } from './batch.js';
import { failedLines } from './failed-lines.js';
import { findCallerBatchRow } from './find-batch.js';
import { GetBatchInput } from './get-batch.js';
import { insertBatch } from './insert-batch.js';

export const RetryBatchInput = GetBatchInput;

export async function retryBatch(deps: Deps, caller: Caller, input: z.input<typeof RetryBatchInput>): Promise<Batch> {
  const { id } = parseInput(RetryBatchInput, input);
  const source = await findCallerBatchRow(deps.db, caller, id);
  if (!isTerminal(source.status)) {
    throw new AppError('conflict', `Batch ${id} is ${source.status}; only a finished batch can be retried.`);
  }
  const lines = await failedLines(deps.db, source, deps.clock.now());
  async function* content() {
    let count = 0;
    for await (const line of lines) {
      yield `${line}\n`;
      count++;
    }
    if (count === 0) throw new AppError('conflict', `Batch ${id} has no line to retry: its input file is empty.`);
  }
  const file = await storeFile(
    deps.db,
    projectFile(deps, source.projectId, { filename: `retry_of_${id}.jsonl`, purpose: 'batch' }),
    content(),
  );
  return insertBatch(deps, {
    projectId: source.projectId,
    inputFileId: file.id,
    endpoint: source.endpoint,
    completionWindow: source.completionWindow,
    metadata: { ...source.metadata, retry_of: source.id },
    jobName: source.jobName,
    mode: source.mode,
    outputExpiresAfterSeconds: source.outputExpiresAfterSeconds,
  });
}
