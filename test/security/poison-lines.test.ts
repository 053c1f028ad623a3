// Finding: poison lines stalled every tenant — `"model": "constructor"` passed validation and then
// threw inside a claim (other tenants' chunks stayed leased), a 10,000-deep line made validation
// throw forever, a NUL in custom_id broke COPY, one huge line exhausted memory. Now each fails its
// own batch with the line named while other tenants' batches run as usual.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { readJsonl, submit, untilTerminal } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine, toJsonl } from '../support/jsonl.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ config: { limits: { maxLineBytes: 64 * 1024 } } });
});
afterAll(() => gw?.close());

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const POISON: [string, string][] = [
  ['model_not_found', JSON.stringify(chatLine('inherited', 'x', {}, 'constructor'))],
  ['model_not_found', JSON.stringify(chatLine('proto', 'x', {}, '__proto__'))],
  ['model_not_found', JSON.stringify(chatLine('to-string', 'x', {}, 'toString'))],
  [
    'invalid_json_line',
    `{"custom_id":"deep","method":"POST","url":"/v1/chat/completions","body":{"model":"mock-chat","x":${deep(10_000)}}}`,
  ],
  ['invalid_custom_id', JSON.stringify(chatLine('nul\u0000id', 'x'))],
  ['invalid_custom_id', JSON.stringify(chatLine('bell\u0007', 'x'))],
  ['line_too_long', JSON.stringify(chatLine('huge', 'z'.repeat(200 * 1024)))],
  ['unsupported_parameter', JSON.stringify(chatLine('streaming', 'x', { stream: true }))],
];

describe('a poison batch beside a normal one', () => {
  it('fails with every poison line named, while the other project completes', async () => {
    const poisoner = gw.openai((await gw.tenant()).key);
    const neighbour = gw.openai((await gw.tenant()).key);
    const lines = [JSON.stringify(chatLine('fine', 'ok')), ...POISON.map(([, line]) => line)];
    const poisoned = await submit(poisoner, toJsonl(lines));
    const normal = await submit(
      neighbour,
      Array.from({ length: 200 }, (_, i) => chatLine(`n${i}`, `line ${i}`)),
    );

    const failed = await untilTerminal(poisoner, poisoned.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.map((e) => [e.code, e.line])).toEqual(POISON.map(([code], i) => [code, i + 2]));
    expect(failed.errors?.data?.find((e) => e.code === 'unsupported_parameter')?.param).toBe('body.stream');

    const done = await untilTerminal(neighbour, normal.id, 20_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 200, completed: 200, failed: 0 });
    // Nothing of the poison batch was ingested or left leased.
    const left = await rows<{ n: number }>(
      gw.deps.db,
      sql`select count(*)::int as n from batch_requests where batch_id = ${poisoned.id}`,
    );
    expect(left[0]?.n).toBe(0);
  });
});

describe('a line whose provider is gone', () => {
  it('ends with an error line instead of stalling the claim, also in a chunk of only such lines', async () => {
    const client = gw.openai((await gw.tenant()).key);
    const created = await untilTerminal(client, (await submit(client, [chatLine('a', 'one')])).id);
    // A batch validated when a provider existed that this process's config no longer has.
    const ghost = { id: `${created.id}_ghost` };
    await gw.deps.db.execute(sql`
      insert into batches (id, project_id, endpoint, input_file_id, completion_window, status, total, expires_at, in_progress_at)
      select ${ghost.id}, project_id, endpoint, input_file_id, completion_window, 'in_progress', 3, now() + interval '1 day', now()
      from batches where id = ${created.id}`);
    await gw.deps.db.execute(sql`
      insert into batch_requests (batch_id, line_index, custom_id, model, provider, body)
      values (${ghost.id}, 0, 'g1', 'mock-chat', 'mock', '{"model":"mock-chat","messages":[]}'),
             (${ghost.id}, 1, 'g2', 'retired-model', 'retired-provider', '{"model":"retired"}'),
             (${ghost.id}, 64, 'g3', 'retired-model', 'retired-provider', '{"model":"retired"}')`);
    await gw.deps.db.execute(sql`
      insert into batch_chunks (batch_id, chunk_index, first_line, line_count, providers)
      values (${ghost.id}, 0, 0, 2, array['mock', 'retired-provider']),
             (${ghost.id}, 1, 64, 1, array['retired-provider'])`);
    await gw.deps.events.wakeWorkers();

    const done = await untilTerminal(client, ghost.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    const errors = await readJsonl<{ custom_id: string; error: { code: string; message: string } }>(
      client,
      done.error_file_id,
    );
    expect(errors.map((e) => [e.custom_id, e.error.code])).toEqual([
      ['g2', 'upstream_unreachable'],
      ['g3', 'upstream_unreachable'],
    ]);
    expect(errors[0]?.error.message).toContain("No provider 'retired-provider'");
  });
});
