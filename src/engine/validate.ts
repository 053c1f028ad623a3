// Validation of a batch's input file, streamed line by line, ingesting one request row per line
// as it goes. Any problem fails the batch with `errors` (1-based lines) and removes the rows, so
// nothing of an invalid batch is ever executed. A valid batch becomes `in_progress`.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type { BatchErrorEntry } from '../db/tables/batches.js';
import { batches } from '../db/tables/batches.js';
import { BATCH_ENDPOINTS } from '../domain/batches/batch.js';
import type { Deps } from '../domain/deps.js';
import { findLiveFile, readFileContent } from '../domain/files/file-store.js';
import { deleteBatchRows, type IngestRow, openRowSink, type RowSink } from './ingest.js';

/** Validation stops collecting after this many errors. */
export const MAX_REPORTED_ERRORS = 100;

type BatchRow = typeof batches.$inferSelect;

const error = (code: string, message: string, line: number | null, param: string | null = null): BatchErrorEntry => ({
  code,
  message,
  param,
  line,
});

/** Checks of one line; returns the row to ingest or the problems found. */
class LineChecker {
  readonly seenIds = new Set<string>();
  endpoint: string | null;
  readonly models = new Set<string>();
  readonly providers = new Set<string>();

  constructor(
    private readonly deps: Pick<Deps, 'config'>,
    endpoint: string | null,
  ) {
    this.endpoint = endpoint;
  }

  check(text: string, line: number, lineIndex: number): IngestRow | BatchErrorEntry {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return error('invalid_json_line', `Line ${line} is not valid JSON.`, line);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return error('invalid_json_line', `Line ${line} is not a JSON object.`, line);
    }
    const request = parsed as Record<string, unknown>;
    const customId = request.custom_id;
    if (typeof customId !== 'string' || customId.length === 0) {
      return error('missing_custom_id', `Line ${line} has no custom_id (a non-empty string).`, line, 'custom_id');
    }
    if (customId.length > 512) {
      return error('invalid_custom_id', `Line ${line}: custom_id is longer than 512 characters.`, line, 'custom_id');
    }
    if (this.seenIds.has(customId)) {
      return error(
        'duplicate_custom_id',
        `Line ${line}: custom_id '${customId}' appears more than once.`,
        line,
        'custom_id',
      );
    }
    this.seenIds.add(customId);
    if (request.method !== 'POST') {
      return error('invalid_method', `Line ${line}: method must be 'POST'.`, line, 'method');
    }
    if (this.endpoint === null && (BATCH_ENDPOINTS as readonly unknown[]).includes(request.url)) {
      this.endpoint = request.url as string;
    }
    if (request.url !== this.endpoint) {
      const expected = this.endpoint ?? BATCH_ENDPOINTS.join(', ');
      return error('mismatched_endpoint', `Line ${line}: url must be ${expected}.`, line, 'url');
    }
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return error('invalid_body', `Line ${line}: body must be a JSON object.`, line, 'body');
    }
    const modelId = (body as { model?: unknown }).model;
    const model = typeof modelId === 'string' ? this.deps.config.models.get(modelId) : undefined;
    if (!model) {
      const name = typeof modelId === 'string' ? `'${modelId}'` : '(missing)';
      return error('model_not_found', `Line ${line}: model ${name} is not configured.`, line, 'body.model');
    }
    this.models.add(model.id);
    this.providers.add(model.provider);
    const upstreamBody = model.upstreamModel === model.id ? body : { ...body, model: model.upstreamModel };
    return { lineIndex, customId, model: model.id, provider: model.provider, body: JSON.stringify(upstreamBody) };
  }
}

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
  const leased = and(eq(batches.id, batch.id), eq(batches.status, 'validating'), eq(batches.leaseOwner, owner));
  const fail = async (errors: BatchErrorEntry[]) => {
    const now = deps.clock.now();
    const [updated] = await deps.db
      .update(batches)
      .set({ status: 'failed', failedAt: now, errors, leaseOwner: null, leaseExpiresAt: null })
      .where(leased)
      .returning();
    return updated ?? null;
  };

  const file = await findLiveFile(deps.db, batch.inputFileId);
  if (!file)
    return fail([error('file_not_found', `Input file ${batch.inputFileId} was not found.`, null, 'input_file_id')]);
  if (file.purpose !== 'batch') {
    const message = `Input file ${file.id} has purpose '${file.purpose}'; batches need purpose 'batch'.`;
    return fail([error('invalid_file_purpose', message, null, 'input_file_id')]);
  }

  await deleteBatchRows(deps.database, batch.id);
  const sink = await openRowSink(deps.database, batch.id);
  const checker = new LineChecker(deps, batch.endpoint);
  const errors: BatchErrorEntry[] = [];
  let count: number;
  try {
    count = await readLines(deps, batch, checker, sink, errors, signal);
  } catch (cause) {
    await sink.discard().catch(() => {});
    if ((cause as { code?: string }).code === 'not_found') {
      return fail([error('file_not_found', `Input file ${batch.inputFileId} was deleted.`, null, 'input_file_id')]);
    }
    throw cause;
  }
  if (count === 0 && errors.length === 0) errors.push(error('empty_file', 'The input file has no requests.', null));
  if (errors.length > 0) {
    await sink.discard();
    return fail(errors);
  }
  await sink.finish();
  const single = <T>(set: Set<T>) => (set.size === 1 ? [...set][0]! : null);
  const [updated] = await deps.db
    .update(batches)
    .set({
      status: 'in_progress',
      inProgressAt: deps.clock.now(),
      endpoint: checker.endpoint,
      total: count,
      model: single(checker.models),
      provider: single(checker.providers),
      leaseOwner: null,
      leaseExpiresAt: null,
    })
    .where(leased)
    .returning();
  if (!updated) {
    // Cancelled (or taken over) while we validated: our rows must not run.
    await deleteBatchRows(deps.database, batch.id);
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
  const max = deps.config.limits.maxRequestsPerBatch;
  const lines = createInterface({
    input: Readable.from(readFileContent(deps.db, batch.inputFileId)),
    crlfDelay: Infinity,
  });
  let line = 0;
  let count = 0;
  try {
    for await (const text of lines) {
      signal?.throwIfAborted();
      line++;
      if (text.trim() === '') continue;
      if (count === max) {
        errors.push(error('too_many_lines', `The file has more than ${max} requests (line ${line}).`, line));
        break;
      }
      const result = checker.check(text, line, count);
      count++;
      if ('code' in result) {
        errors.push(result);
        if (errors.length >= MAX_REPORTED_ERRORS) break;
      } else if (errors.length === 0) {
        await sink.add(result);
      }
    }
  } finally {
    lines.close();
  }
  return count;
}
