// Validation of a batch's input file, streamed line by line, ingesting one request row per line
// as it goes. Any problem fails the batch with `errors` (1-based lines) and removes the rows, so
// nothing of an invalid batch is ever executed. A valid batch becomes `in_progress`.
import type { BatchErrorEntry } from '../db/tables/batches.js';
import { type BatchRow, failValidation, start } from '../domain/batches/lifecycle.js';
import type { Deps } from '../domain/deps.js';
import { findLiveFile, readFileContent } from '../domain/files/file-store.js';
import { jsonlLines } from '../streams/jsonl-lines.js';
import { deleteBatchRows, openRowSink, type RowSink } from './ingest.js';
import { LineChecker, lineError } from './validation/line-check.js';

/** A batch whose validation was started this many times without ending (its worker died) fails. */
export const MAX_VALIDATION_ATTEMPTS = 3;

/** Validation stops collecting after this many errors. */
export const MAX_REPORTED_ERRORS = 100;

/**
 * Validate `batch` (leased by `owner`) and ingest its rows. Returns the batch as it ended
 * (`in_progress` or `failed`), or null when it was cancelled or taken over meanwhile.
 */
export async function validateBatch(
  deps: Deps,
  batch: BatchRow,
  owner: string,
  signal?: AbortSignal,
): Promise<BatchRow | null> {
  const fail = (errors: BatchErrorEntry[]) => failValidation(deps, batch.id, owner, errors);

  if (batch.validationAttempts > MAX_VALIDATION_ATTEMPTS) {
    const message = `Validation of this batch was interrupted ${MAX_VALIDATION_ATTEMPTS} times; the input file cannot be processed.`;
    return fail([lineError('validation_failed', message, null)]);
  }
  const file = await findLiveFile(deps.db, batch.inputFileId, deps.clock.now());
  if (!file)
    return fail([lineError('file_not_found', `Input file ${batch.inputFileId} was not found.`, null, 'input_file_id')]);
  if (file.purpose !== 'batch') {
    const message = `Input file ${file.id} has purpose '${file.purpose}'; batches need purpose 'batch'.`;
    return fail([lineError('invalid_file_purpose', message, null, 'input_file_id')]);
  }

  await deleteBatchRows(deps.database, batch.id, owner);
  const sink = await openRowSink(deps.database, batch.id, owner);
  const checker = new LineChecker(deps, batch.endpoint, batch.mode);
  const errors: BatchErrorEntry[] = [];
  let count: number;
  try {
    count = await readLines(deps, batch, checker, sink, errors, signal);
  } catch (cause) {
    await sink.discard().catch(() => {});
    if ((cause as { code?: string }).code === 'not_found') {
      return fail([lineError('file_not_found', `Input file ${batch.inputFileId} was deleted.`, null, 'input_file_id')]);
    }
    throw cause;
  }
  if (count === 0 && errors.length === 0) errors.push(lineError('empty_file', 'The input file has no requests.', null));
  if (errors.length > 0) {
    await sink.discard();
    return fail(errors);
  }
  await sink.finish();
  const single = <T>(set: Set<T>) => (set.size === 1 ? [...set][0]! : null);
  const updated = await start(deps, batch.id, owner, {
    endpoint: checker.endpoint,
    total: count,
    model: single(checker.models),
    provider: single(checker.providers),
    nativeParts: [...checker.nativeLines].map(([provider, total]) => ({ provider, total })),
  });
  if (!updated) {
    // Cancelled while we validated: our rows must not run. Taken over: the rows are not ours to
    // remove (the new holder removes them before writing its own).
    await deleteBatchRows(deps.database, batch.id, owner);
    return null;
  }
  return updated;
}

/** Stream the file's lines through the checker into the sink; returns the number of requests. */
async function readLines(
  deps: Deps,
  batch: BatchRow,
  checker: LineChecker,
  sink: RowSink,
  errors: BatchErrorEntry[],
  signal?: AbortSignal,
): Promise<number> {
  const { maxRequestsPerBatch: max, maxLineBytes } = deps.config.limits;
  let count = 0;
  for await (const next of jsonlLines(readFileContent(deps.db, batch.inputFileId), maxLineBytes)) {
    signal?.throwIfAborted();
    if ('text' in next && next.text.trim() === '') continue;
    if (count === max) {
      errors.push(
        lineError('too_many_lines', `The file has more than ${max} requests (line ${next.line}).`, next.line),
      );
      break;
    }
    const result =
      'text' in next
        ? checker.check(next.text, next.line, count)
        : lineError('line_too_long', `Line ${next.line} is longer than ${maxLineBytes} bytes.`, next.line);
    count++;
    if ('code' in result) {
      errors.push(result);
      if (errors.length >= MAX_REPORTED_ERRORS) break;
    } else if (errors.length === 0) {
      await sink.add(result);
    }
  }
  return count;
}
