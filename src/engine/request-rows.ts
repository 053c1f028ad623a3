// The SQL of the execution hot path, over `batch_requests` and the batch counters:
// claim due rows (FOR UPDATE SKIP LOCKED, fair quotas per batch), record outcomes in one
// statement per flush (counts, tokens and cost added exactly once), renew and release leases,
// and end pending rows on cancel or expiry. Arrays travel as one JSON parameter, which both
// drivers pass the same way.
import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/client.js';
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

const json = (value: unknown) => sql`${JSON.stringify(value)}::json`;
const ms = (value: number) => sql`(${value}::int * interval '1 millisecond')`;

/**
 * Lease up to `quota` due rows of each batch to `owner`, in input order: pending rows whose retry
 * time has come, and running rows whose lease lapsed (their worker died).
 */
export async function claimRows(
  db: Db,
  owner: string,
  quotas: BatchQuota[],
  providers: string[],
  leaseMs: number,
): Promise<ClaimedRow[]> {
  if (quotas.length === 0 || providers.length === 0) return [];
  return rows<ClaimedRow>(
    db,
    sql`
    with quota as (
      select * from json_to_recordset(${json(quotas.map((q) => ({ batch_id: q.batchId, n: q.quota })))})
        as q(batch_id text, n int)
    ), picked as (
      select r.batch_id, r.line_index
      from quota q cross join lateral (
        select r.batch_id, r.line_index from batch_requests r
        where r.batch_id = q.batch_id and r.state <> 'done'
          and r.provider in (select json_array_elements_text(${json(providers)}))
          and ((r.state = 'pending' and r.next_attempt_at <= now())
            or (r.state = 'running' and r.lease_expires_at < now()))
        order by r.line_index
        limit q.n
        for update skip locked
      ) r
    )
    update batch_requests r
    set state = 'running', lease_owner = ${owner}, lease_expires_at = now() + ${ms(leaseMs)},
        attempts = r.attempts + 1
    from picked p
    where r.batch_id = p.batch_id and r.line_index = p.line_index
    returning r.batch_id as "batchId", r.line_index as "lineIndex", r.custom_id as "customId",
      r.model, r.provider, r.body, r.attempts`,
  );
}

/** The final or interim result of one attempt, as written by `recordOutcomes`. */
export interface RowOutcome {
  batchId: string;
  lineIndex: number;
  /** false: back to pending, to be retried after `retryInMs`. */
  done: boolean;
  retryInMs?: number;
  statusCode?: number;
  response?: string;
  requestId?: string;
  errorCode?: NoAnswerCode;
  errorMessage?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** USD per million tokens, as decimal strings so cost is computed exactly in SQL. */
  inputPrice?: string;
  outputPrice?: string;
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
export async function recordOutcomes(db: Db, owner: string, outcomes: RowOutcome[]): Promise<BatchProgress[]> {
  if (outcomes.length === 0) return [];
  const input = outcomes.map((o) => ({
    batch_id: o.batchId,
    line_index: o.lineIndex,
    done: o.done,
    retry_in_ms: o.retryInMs ?? 0,
    status_code: o.statusCode ?? null,
    response: o.response ?? null,
    request_id: o.requestId ?? null,
    error_code: o.errorCode ?? null,
    error_message: o.errorMessage ?? null,
    input_tokens: o.inputTokens ?? 0,
    output_tokens: o.outputTokens ?? 0,
    input_price: o.inputPrice ?? '0',
    output_price: o.outputPrice ?? '0',
  }));
  return rows<BatchProgress>(
    db,
    sql`
    with input as (
      select * from json_to_recordset(${json(input)}) as t(
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
        and r.state = 'running' and r.lease_owner = ${owner}
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
    returning b.id, b.project_id as "projectId", b.status, b.total, b.completed, b.failed`,
  );
}

type RowKey = { batchId: string; lineIndex: number };
const keysJson = (keys: RowKey[]) => json(keys.map((k) => ({ batch_id: k.batchId, line_index: k.lineIndex })));

/** Extend the leases of rows this owner still holds. */
export async function renewLeases(db: Db, owner: string, keys: RowKey[], leaseMs: number): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(sql`
    update batch_requests r set lease_expires_at = now() + ${ms(leaseMs)}
    from json_to_recordset(${keysJson(keys)}) as k(batch_id text, line_index int)
    where r.batch_id = k.batch_id and r.line_index = k.line_index and r.state = 'running' and r.lease_owner = ${owner}`);
}

/** Give rows back unsent (shutdown): pending again, the claim's attempt not counted. */
export async function releaseRows(db: Db, owner: string, keys: RowKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(sql`
    update batch_requests r set state = 'pending', lease_owner = null, lease_expires_at = null,
      attempts = greatest(r.attempts - 1, 0)
    from json_to_recordset(${keysJson(keys)}) as k(batch_id text, line_index int)
    where r.batch_id = k.batch_id and r.line_index = k.line_index and r.state = 'running' and r.lease_owner = ${owner}`);
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
      where batch_id = ${batchId} and state <> 'done'
        and (state = 'pending' or lease_expires_at < now())
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
