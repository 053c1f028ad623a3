// Per-line results of a batch so far, in input order (GoModel's `/results`), paginated by line index.
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { batchRequests } from '../../db/tables/batch-requests.js';
import type { Caller } from '../caller.js';
import type { Deps } from '../deps.js';
import { parseInput } from '../errors.js';
import { ObjectId } from '../ids.js';
import { type Batch, isTerminal } from './batch.js';
import { findCallerBatchRow } from './find-batch.js';

export const BatchResultsInput = z.object({
  id: ObjectId,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.coerce.number().int().min(-1).optional(),
});

export interface BatchResult {
  index: number;
  customId: string;
  url: string | null;
  model: string;
  provider: string;
  statusCode: number | null;
  response: unknown;
  error: { message: string; type: string } | null;
}

/** The error of an upstream error body, if it has the usual `{error:{message,type}}` shape. */
function upstreamError(statusCode: number, body: unknown): { message: string; type: string } {
  const error = (body as { error?: { message?: unknown; type?: unknown } } | null)?.error;
  return {
    message: typeof error?.message === 'string' ? error.message : `Upstream answered ${statusCode}.`,
    type: typeof error?.type === 'string' ? error.type : 'upstream_error',
  };
}

export async function batchResults(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  input: z.input<typeof BatchResultsInput>,
): Promise<{ data: BatchResult[]; hasMore: boolean }> {
  const { id, limit, after } = parseInput(BatchResultsInput, input);
  const batch = await findCallerBatchRow(deps.db, caller, id);
  const rows = await deps.db
    .select()
    .from(batchRequests)
    .where(
      and(
        eq(batchRequests.batchId, id),
        eq(batchRequests.state, 'done'),
        after !== undefined ? gt(batchRequests.lineIndex, after) : undefined,
      ),
    )
    .orderBy(asc(batchRequests.lineIndex))
    .limit(limit + 1);
  const data = rows.slice(0, limit).map((row): BatchResult => {
    const response = row.response === null ? null : (JSON.parse(row.response) as unknown);
    const ok = row.statusCode !== null && row.statusCode >= 200 && row.statusCode < 300;
    return {
      index: row.lineIndex,
      customId: row.customId,
      url: batch.endpoint,
      model: row.model,
      provider: row.provider,
      statusCode: row.statusCode,
      response,
      error: ok
        ? null
        : row.statusCode !== null
          ? upstreamError(row.statusCode, response)
          : { message: row.errorMessage ?? '', type: row.errorCode ?? 'upstream_unreachable' },
    };
  });
  return { data, hasMore: rows.length > limit };
}

/** GoModel's batch object carries its results once it ended, for inline-request batches of at most this many lines. */
export const INLINE_RESULTS_MAX_LINES = 1000;

/** The results a GoModel client expects in the batch object: every line, in input order; null when not applicable (or purged). */
export async function inlineResults(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  batch: Pick<Batch, 'id' | 'status' | 'inlineRequests' | 'requestCounts'>,
): Promise<BatchResult[] | null> {
  if (!batch.inlineRequests || !isTerminal(batch.status) || batch.requestCounts.total > INLINE_RESULTS_MAX_LINES) {
    return null;
  }
  const { data } = await batchResults(deps, caller, { id: batch.id, limit: INLINE_RESULTS_MAX_LINES });
  // Lines that ran but have no rows any more: their rows were purged with the output files.
  return data.length === 0 && batch.requestCounts.total > 0 ? null : data;
}
