// The SQL of request rows, shared by the engine and the domain (neither imports the other for it):
// lease chunks of lines (FOR UPDATE SKIP LOCKED, fair quotas per batch) and read their open rows
// in the same statement; record final outcomes in one statement per flush (counts, tokens and cost
// added exactly once, finished chunks deleted); renew and release leases; end the open rows no
// worker holds (cancel, expiry). A line belongs to the chunk whose `first_line`/`line_count`
// cover it. Arrays travel as one JSON parameter, which both drivers pass the same way. The hot
// statements go through `Database.query` (prepared once per connection); `endOpenRows` is rare
// and runs inside use cases, so it stays on Drizzle. Lease times are the database's clock (every
// process agrees on it); the times written on rows come from the caller's clock.
import { sql } from 'drizzle-orm';
import { type Database, type Db, type Query, rows } from '../client.js';
import { CHUNK_LINES } from '../tables/batch-chunks.js';
import type { BatchStatus } from '../tables/batches.js';
import { NO_ANSWER_MESSAGES, type NoAnswerCode } from './no-answer.js';

export interface ChunkKey {
  batchId: string;
  chunkIndex: number;
}

/** A chunk's identity as one string, for maps and sets of chunks. */
export const chunkKey = (chunk: ChunkKey) => `${chunk.batchId}#${chunk.chunkIndex}`;

export interface ClaimedRow {
  batchId: string;
  chunkIndex: number;
  lineIndex: number;
  customId: string;
  model: string;
  provider: string;
  body: string;
  /** Sends including the one about to happen (kept in memory: a takeover starts again at 1). */
  attempts: number;
}

export interface ClaimedChunk extends ChunkKey {
  /** Its lines that have not ended yet (none when only the chunk row was left over). */
  rows: ClaimedRow[];
}

export interface BatchQuota {
  batchId: string;
  /** Lines; rounded up to whole chunks. */
  quota: number;
}

interface ClaimRow {
  batchId: string;
  chunkIndex: number;
  lineIndex: number | null;
  customId: string;
  model: string;
  provider: string;
  body: string;
}

/**
 * Lease up to `quota` lines' worth of chunks of each batch to `owner` (chunks nobody holds, or
 * whose holder's lease lapsed because it died) that have lines for one of `providers` — or lines
 * for a provider that is not among `known` at all (they end with an error, never wait forever) —
 * and none for a provider in `blocked` (the owner may not send to it now), and return their open rows.
 * Only batches still `in_progress` are claimed from (one cancelled since the caller listed it is not).
 */
export async function claimChunks(
  database: Database,
  owner: string,
  quotas: BatchQuota[],
  providers: string[],
  known: string[],
  leaseMs: number,
  blocked: string[],
): Promise<ClaimedChunk[]> {
  if (quotas.length === 0 || providers.length === 0) return [];
  const quota = JSON.stringify(quotas.map((q) => ({ batch_id: q.batchId, n: Math.ceil(q.quota / CHUNK_LINES) })));
  const params = [quota, JSON.stringify(providers), owner, leaseMs, JSON.stringify(known), JSON.stringify(blocked)];
  const found = await database.query<ClaimRow>(CLAIM_SQL, params);
  const chunks = new Map<string, ClaimedChunk>();
  for (const row of found) {
    const key = chunkKey(row);
    let chunk = chunks.get(key);
    if (!chunk) {
      chunk = { batchId: row.batchId, chunkIndex: row.chunkIndex, rows: [] };
      chunks.set(key, chunk);
    }
    if (row.lineIndex !== null) chunk.rows.push({ ...row, lineIndex: row.lineIndex, attempts: 1 });
  }
  return [...chunks.values()];
}

const CLAIM_SQL = `
  with quota as (
    select q.* from json_to_recordset($1::json) as q(batch_id text, n int)
    join batches b on b.id = q.batch_id and b.status = 'in_progress'
  ), picked as (
    select c.ctid
    from quota q cross join lateral (
      select c.ctid from batch_chunks c
      where c.batch_id = q.batch_id
        and (c.lease_expires_at is null or c.lease_expires_at < now())
        and (c.providers && array(select json_array_elements_text($2::json))
          or not c.providers <@ array(select json_array_elements_text($5::json)))
        and not (c.providers && array(select json_array_elements_text($6::json)))
      order by c.chunk_index
      limit q.n
      for update skip locked
    ) c
  ), leased as (
    update batch_chunks c
    set lease_owner = $3, lease_expires_at = now() + ($4::int * interval '1 millisecond')
    where c.ctid = any(array(select ctid from picked))
    returning c.batch_id, c.chunk_index, c.first_line, c.line_count
  )
  select l.batch_id as "batchId", l.chunk_index as "chunkIndex", r.line_index as "lineIndex",
    r.custom_id as "customId", r.model, r.provider, r.body
  from leased l
  left join batch_requests r on r.batch_id = l.batch_id and r.state <> 'done' and not r.native
    and r.line_index >= l.first_line and r.line_index < l.first_line + l.line_count
  order by l.batch_id, r.line_index`;

/** The final result of one request, as written by `recordOutcomes`. */
export interface RowOutcome {
  batchId: string;
  lineIndex: number;
  statusCode: number | null;
  response: string | null;
  requestId: string | null;
  errorCode: NoAnswerCode | null;
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  /** Of the input tokens, those read from the provider's cache (priced at `cachedInputPrice`). */
  cachedTokens: number;
  /** Of the output tokens, those spent reasoning. */
  reasoningTokens: number;
  /** USD per million tokens, as decimal strings so cost is computed exactly in SQL. */
  inputPrice: string;
  outputPrice: string;
  cachedInputPrice: string;
}

export interface BatchProgress {
  id: string;
  projectId: string;
  status: BatchStatus;
  total: number;
  completed: number;
  failed: number;
}

/**
 * Write final outcomes, add them to their batches' counts, tokens and cost, and delete the chunks
 * `owner` has finished, all in one statement. A row that has already ended (recorded by a worker
 * that took its chunk over, or ended by a cancel) is skipped, so nothing is ever counted twice.
 */
export async function recordOutcomes(
  query: Query,
  owner: string,
  outcomes: RowOutcome[],
  finished: ChunkKey[],
  completedAt: Date,
): Promise<BatchProgress[]> {
  if (outcomes.length === 0 && finished.length === 0) return [];
  const input = outcomes.map((o) => ({
    batch_id: o.batchId,
    line_index: o.lineIndex,
    status_code: o.statusCode,
    response: o.response,
    request_id: o.requestId,
    error_code: o.errorCode,
    error_message: o.errorMessage,
    input_tokens: o.inputTokens,
    output_tokens: o.outputTokens,
    cached_tokens: o.cachedTokens,
    reasoning_tokens: o.reasoningTokens,
    input_price: o.inputPrice,
    output_price: o.outputPrice,
    cached_price: o.cachedInputPrice,
  }));
  const chunks = finished.map((c) => ({ batch_id: c.batchId, chunk_index: c.chunkIndex }));
  const params = [JSON.stringify(input), JSON.stringify(chunks), owner, completedAt.toISOString()];
  return query<BatchProgress>(RECORD_SQL, params);
}

const RECORD_SQL = `
  with input as (
    select * from json_to_recordset($1::json) as t(
      batch_id text, line_index int, status_code int, response text, request_id text,
      error_code text, error_message text, input_tokens int, output_tokens int,
      cached_tokens int, reasoning_tokens int, input_price numeric, output_price numeric, cached_price numeric)
  ), updated as (
    update batch_requests r set
      state = 'done', status_code = i.status_code, response = i.response, request_id = i.request_id,
      error_code = i.error_code, error_message = i.error_message,
      input_tokens = i.input_tokens, output_tokens = i.output_tokens,
      cached_tokens = i.cached_tokens, reasoning_tokens = i.reasoning_tokens,
      input_cost = ((i.input_tokens - i.cached_tokens) * i.input_price + i.cached_tokens * i.cached_price) / 1000000,
      output_cost = i.output_tokens * i.output_price / 1000000,
      completed_at = $4::timestamptz
    from input i
    where r.batch_id = i.batch_id and r.line_index = i.line_index and r.state <> 'done'
    returning r.batch_id, r.status_code, r.input_tokens, r.output_tokens, r.cached_tokens, r.reasoning_tokens,
      r.input_cost, r.output_cost
  ), finished as (
    delete from batch_chunks c
    using json_to_recordset($2::json) as k(batch_id text, chunk_index int)
    where c.batch_id = k.batch_id and c.chunk_index = k.chunk_index and c.lease_owner = $3
  ), totals as (
    select batch_id,
      count(*) filter (where status_code between 200 and 299) as ok,
      count(*) filter (where not coalesce(status_code between 200 and 299, false)) as bad,
      sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
      sum(cached_tokens) as cached_tokens, sum(reasoning_tokens) as reasoning_tokens,
      sum(input_cost) as input_cost, sum(output_cost) as output_cost
    from updated group by batch_id
  ), locked as materialized (
    -- In id order: writers recording lines of the same batches never wait on each other in a circle.
    select b.id from batches b where b.id in (select batch_id from totals) order by b.id for update
  )
  update batches b set
    completed = b.completed + t.ok, failed = b.failed + t.bad,
    input_tokens = b.input_tokens + t.input_tokens, output_tokens = b.output_tokens + t.output_tokens,
    cached_tokens = b.cached_tokens + t.cached_tokens, reasoning_tokens = b.reasoning_tokens + t.reasoning_tokens,
    input_cost = b.input_cost + t.input_cost, output_cost = b.output_cost + t.output_cost
  from totals t where b.id = t.batch_id and b.id in (select id from locked)
  returning b.id, b.project_id as "projectId", b.status, b.total, b.completed, b.failed`;

/**
 * Extend the leases of every chunk `owner` holds. Chunks locked right now (being finished or
 * claimed) are skipped rather than waited for, so this never deadlocks against `recordOutcomes`.
 */
export async function renewLeases(database: Database, owner: string, leaseMs: number): Promise<void> {
  await database.query(
    `update batch_chunks c set lease_expires_at = now() + ($2::int * interval '1 millisecond')
     where c.ctid = any(array(select ctid from batch_chunks where lease_owner = $1 for update skip locked))`,
    [owner, leaseMs],
  );
}

/** Give every chunk `owner` holds back (shutdown): its open lines are claimable again at once. */
export async function releaseChunks(database: Database, owner: string): Promise<void> {
  await database.query('update batch_chunks set lease_owner = null, lease_expires_at = null where lease_owner = $1', [
    owner,
  ]);
}

/** Give these chunks of `owner` back (their open lines wait for a worker that may send them). */
export async function releaseChunksOf(database: Database, owner: string, chunks: ChunkKey[]): Promise<void> {
  await database.query(
    `update batch_chunks c set lease_owner = null, lease_expires_at = null
     from json_to_recordset($2::json) as k(batch_id text, chunk_index int)
     where c.batch_id = k.batch_id and c.chunk_index = k.chunk_index and c.lease_owner = $1`,
    [owner, JSON.stringify(chunks.map((c) => ({ batch_id: c.batchId, chunk_index: c.chunkIndex })))],
  );
}

/**
 * End every open row of a batch that no live worker holds (its chunk is free, lapsed or gone),
 * lines sent in a provider's own batch excepted (the native poller ends those),
 * with a no-answer code, counting them as failed, and drop those chunks. Rows of chunks under a
 * live lease are left to their worker, which aborts them on the batch event. Nothing here waits
 * for a lock: a row or chunk locked now is being recorded or claimed, and a later sweep ends it.
 * With `all` (a batch that just failed, in the transaction that failed it) every open row ends,
 * native and held ones too: what a worker or the native poller records later is skipped.
 */
export async function endOpenRows(
  db: Db,
  batchId: string,
  code: NoAnswerCode,
  at: Date,
  { all = false }: { all?: boolean } = {},
): Promise<number> {
  // A held chunk is expanded into its line indexes (at most CHUNK_LINES each), so rows are matched
  // to them by equality (a hash or merge anti join) rather than by range (a nested loop per row).
  const unheld = sql`and not r.native and not exists (
    select 1 from batch_chunks c
      cross join generate_series(c.first_line, c.first_line + c.line_count - 1) as h(line_index)
    where c.batch_id = r.batch_id and h.line_index = r.line_index
      and c.lease_expires_at >= now())`;
  const [row] = await rows<{ ended: number }>(
    db,
    sql`
    with ended as (
      update batch_requests set state = 'done', error_code = ${code}, error_message = ${NO_ANSWER_MESSAGES[code]},
        status_code = null, response = null, completed_at = ${at.toISOString()}::timestamptz
      where ctid = any(array(
        select r.ctid from batch_requests r
        where r.batch_id = ${batchId} and r.state <> 'done' ${all ? sql`` : unheld}
        for update of r skip locked))
      returning 1
    ), dropped as (
      delete from batch_chunks where ctid = any(array(
        select ctid from batch_chunks
        where batch_id = ${batchId} and (${all} or lease_expires_at is null or lease_expires_at < now())
        for update skip locked))
    ), counted as (
      update batches set failed = failed + (select count(*) from ended)
      where id = ${batchId} and (select count(*) from ended) > 0
      returning 1
    )
    select (select count(*) from ended)::int as ended`,
  );
  return row?.ended ?? 0;
}
