// The SQL of the execution hot path, over `batch_requests` and the batch counters:
// claim due rows (FOR UPDATE SKIP LOCKED, fair quotas per batch), record outcomes in one
// statement per flush (counts, tokens and cost added exactly once), renew and release leases,
// and end pending rows on cancel or expiry. Arrays travel as one JSON parameter, which both
// drivers pass the same way. The hot statements go through `Database.query` (prepared once per
// connection); `endOpenRows` is rare and runs inside domain use cases, so it stays on Drizzle.
import { sql } from 'drizzle-orm';
import { type Database, type Db, rows } from '../db/client.js';
import type { BatchStatus } from '../db/tables/batches.js';
import type { NoAnswerCode } from './outcome.js';

export interface ClaimedRow {
  batchId: string;
  lineIndex: number;
  customId: string;
  model: string;
  provider: string;
  body: string;
  /** Sends including the one about to happen. */
  attempts: number;
}

export interface BatchQuota {
  batchId: string;
  quota: number;
}

/**
 * Lease up to `quota` due rows of each batch to `owner`: pending rows whose retry time has come,
 * and running rows whose lease lapsed (their worker died).
 */
export async function claimRows(
  database: Database,
  owner: string,
  quotas: BatchQuota[],
  providers: string[],
  leaseMs: number,
): Promise<ClaimedRow[]> {
  if (quotas.length === 0 || providers.length === 0) return [];
  const quota = JSON.stringify(quotas.map((q) => ({ batch_id: q.batchId, n: q.quota })));
  return database.query<ClaimedRow>(CLAIM_SQL, [quota, JSON.stringify(providers), owner, leaseMs]);
}

const CLAIM_SQL = `
  with quota as (
    select * from json_to_recordset($1::json) as q(batch_id text, n int)
  ), picked as (
    select r.ctid
    from quota q cross join lateral (
      select r.ctid from batch_requests r
      where r.batch_id = q.batch_id and r.state <> 'done'
        and r.provider in (select json_array_elements_text($2::json))
        and ((r.state = 'pending' and r.next_attempt_at <= now())
          or (r.state = 'running' and r.lease_expires_at < now()))
      -- No ORDER BY: with it the planner (misled by stale statistics on fresh rows) sorted every
      -- open row of the batch on each claim; finalize restores input order anyway.
      limit q.n
      for update skip locked
    ) r
  )
  -- By ctid (a TID scan): joining on the key made the planner hash the whole table per claim.
  update batch_requests r
  set state = 'running', lease_owner = $3, lease_expires_at = now() + ($4::int * interval '1 millisecond'),
      attempts = r.attempts + 1
  where r.ctid = any(array(select ctid from picked))
  returning r.batch_id as "batchId", r.line_index as "lineIndex", r.custom_id as "customId",
    r.model, r.provider, r.body, r.attempts`;

/** The final or interim result of one attempt, as written by `recordOutcomes`. */
export interface RowOutcome {
  batchId: string;
  lineIndex: number;
  /** false: back to pending, to be retried after `retryInMs`. */
  done: boolean;
  retryInMs: number;
  statusCode: number | null;
  response: string | null;
  requestId: string | null;
  errorCode: NoAnswerCode | null;
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  /** USD per million tokens, as decimal strings so cost is computed exactly in SQL. */
  inputPrice: string;
  outputPrice: string;
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
 * Write outcomes of rows this owner holds, and add the finished ones to their batches' counts,
 * tokens and cost, all in one statement. A row whose lease was lost to another worker is skipped
 * (its new holder records it), so nothing is ever counted twice.
 */
export async function recordOutcomes(
  database: Database,
  owner: string,
  outcomes: RowOutcome[],
): Promise<BatchProgress[]> {
  if (outcomes.length === 0) return [];
  const input = outcomes.map((o) => ({
    batch_id: o.batchId,
    line_index: o.lineIndex,
    done: o.done,
    retry_in_ms: o.retryInMs,
    status_code: o.statusCode,
    response: o.response,
    request_id: o.requestId,
    error_code: o.errorCode,
    error_message: o.errorMessage,
    input_tokens: o.inputTokens,
    output_tokens: o.outputTokens,
    input_price: o.inputPrice,
    output_price: o.outputPrice,
  }));
  return database.query<BatchProgress>(RECORD_SQL, [JSON.stringify(input), owner]);
}

const RECORD_SQL = `
  with input as (
    select * from json_to_recordset($1::json) as t(
      batch_id text, line_index int, done boolean, retry_in_ms int, status_code int, response text,
      request_id text, error_code text, error_message text, input_tokens int, output_tokens int,
      input_price numeric, output_price numeric)
  ), updated as (
    update batch_requests r set
      state = case when i.done then 'done' else 'pending' end,
      next_attempt_at = case when i.done then r.next_attempt_at
                             else now() + i.retry_in_ms * interval '1 millisecond' end,
      lease_owner = null, lease_expires_at = null,
      status_code = i.status_code, response = i.response, request_id = i.request_id,
      error_code = i.error_code, error_message = i.error_message,
      input_tokens = case when i.done then i.input_tokens else 0 end,
      output_tokens = case when i.done then i.output_tokens else 0 end,
      input_cost = case when i.done then i.input_tokens * i.input_price / 1000000 else 0 end,
      output_cost = case when i.done then i.output_tokens * i.output_price / 1000000 else 0 end,
      completed_at = case when i.done then now() end
    from input i
    where r.batch_id = i.batch_id and r.line_index = i.line_index
      and r.state = 'running' and r.lease_owner = $2
    returning r.batch_id, i.done, r.status_code, r.input_tokens, r.output_tokens, r.input_cost, r.output_cost
  ), totals as (
    select batch_id,
      count(*) filter (where done and status_code between 200 and 299) as ok,
      count(*) filter (where done and not coalesce(status_code between 200 and 299, false)) as bad,
      coalesce(sum(input_tokens), 0) as input_tokens, coalesce(sum(output_tokens), 0) as output_tokens,
      coalesce(sum(input_cost), 0) as input_cost, coalesce(sum(output_cost), 0) as output_cost
    from updated where done group by batch_id
  )
  update batches b set
    completed = b.completed + t.ok, failed = b.failed + t.bad,
    input_tokens = b.input_tokens + t.input_tokens, output_tokens = b.output_tokens + t.output_tokens,
    input_cost = b.input_cost + t.input_cost, output_cost = b.output_cost + t.output_cost
  from totals t where b.id = t.batch_id
  returning b.id, b.project_id as "projectId", b.status, b.total, b.completed, b.failed`;

type RowKey = { batchId: string; lineIndex: number };
const keysJson = (keys: RowKey[]) =>
  JSON.stringify(keys.map((k) => ({ batch_id: k.batchId, line_index: k.lineIndex })));

/**
 * Extend the leases of rows this owner still holds. Rows locked right now (being recorded) are
 * skipped rather than waited for: waiting, with the two statements taking rows in different
 * orders, deadlocked against `recordOutcomes`.
 */
export async function renewLeases(database: Database, owner: string, keys: RowKey[], leaseMs: number): Promise<void> {
  if (keys.length === 0) return;
  await database.query(
    `update batch_requests r set lease_expires_at = now() + ($3::int * interval '1 millisecond')
     where r.ctid = any(array(
       select b.ctid from batch_requests b
       join json_to_recordset($1::json) as k(batch_id text, line_index int)
         on b.batch_id = k.batch_id and b.line_index = k.line_index
       where b.state = 'running' and b.lease_owner = $2
       for update of b skip locked))`,
    [keysJson(keys), owner, leaseMs],
  );
}

/** Give rows back unsent (shutdown): pending again, the claim's attempt not counted. */
export async function releaseRows(database: Database, owner: string, keys: RowKey[]): Promise<void> {
  if (keys.length === 0) return;
  await database.query(
    `update batch_requests r set state = 'pending', lease_owner = null, lease_expires_at = null,
       attempts = greatest(r.attempts - 1, 0)
     from json_to_recordset($1::json) as k(batch_id text, line_index int)
     where r.batch_id = k.batch_id and r.line_index = k.line_index and r.state = 'running' and r.lease_owner = $2`,
    [keysJson(keys), owner],
  );
}

/**
 * End every row of a batch that is not being worked on (pending, or running under a lapsed lease)
 * with a no-answer code, counting them as failed. Rows in flight under a live lease are left to
 * their worker, which aborts them on the batch event.
 */
export async function endOpenRows(db: Db, batchId: string, code: NoAnswerCode, message: string): Promise<number> {
  const [row] = await rows<{ ended: number }>(
    db,
    sql`
    with ended as (
      update batch_requests set state = 'done', error_code = ${code}, error_message = ${message},
        status_code = null, response = null, lease_owner = null, lease_expires_at = null, completed_at = now()
      where ctid = any(array(
        select ctid from batch_requests
        where batch_id = ${batchId} and state <> 'done' and (state = 'pending' or lease_expires_at < now())
        -- A row locked now is being claimed or recorded: its worker will end it.
        for update skip locked))
      returning 1
    ), counted as (
      update batches set failed = failed + (select count(*) from ended)
      where id = ${batchId} and (select count(*) from ended) > 0
      returning 1
    )
    select (select count(*) from ended)::int as ended`,
  );
  return row?.ended ?? 0;
}
