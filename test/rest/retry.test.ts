// POST /v1/batches/:id/retry against a fake upstream: a new batch holding exactly the source's lines
// that did not end 2xx (verbatim, in input order, with the client's model name), metadata retry_of,
// 409 while the source runs or when nothing failed, 404 across projects, sources whose input file
// was deleted, sources that failed validation, and full metadata.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, untilTerminal } from '../support/batches.js';
import {
  createBatchFrom,
  type FakeGateway,
  finishedBatch,
  faultLine as line,
  startFakeGateway,
} from '../support/fake-gateway.js';
import { TEST_ADMIN_KEY } from '../support/gateway.js';
import { toJsonl } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';

let gw: FakeGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gw = await startFakeGateway();
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(() => gw?.close());

async function retry(id: string, token = key) {
  const res = await fetch(`${gw.url}/v1/batches/${id}/retry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { id: string } };
}

const content = async (c: OpenAI, fileId: string) => (await c.files.content(fileId)).text();

describe('POST /v1/batches/:id/retry', () => {
  it('holds exactly the lines that did not end 2xx, verbatim and in input order, with retry_of in its metadata', async () => {
    // Spacing and `1.0` survive only if the lines are copied, not re-serialized; the blank line
    // must not shift which lines count as failed.
    const badLine =
      '{"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "fake-chat", "messages": [{"role": "user", "content": "x"}], "temperature": 1.0, "fault": "400", "tag": "bad"}}';
    const downLine = JSON.stringify(line('down', '500'));
    const text = `${toJsonl([line('ok-1')])}\n${badLine}\n${toJsonl([line('ok-2'), downLine, line('ok-3')])}`;
    const source = await finishedBatch(client, text, { team: 'search' });
    expect(source.status).toBe('completed');
    expect(source.request_counts).toEqual({ total: 5, completed: 3, failed: 2 });

    const { status, body: retried } = await retry(source.id);
    expect(status).toBe(200);
    expect(retried).toMatchObject({
      object: 'batch',
      status: 'validating',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { team: 'search', retry_of: source.id },
    });
    expect(retried.id).not.toBe(source.id);
    expect(retried.input_file_id).not.toBe(source.input_file_id);
    expect(await content(client, retried.input_file_id as string)).toBe(`${badLine}\n${downLine}\n`);
    expect(await client.files.retrieve(retried.input_file_id as string)).toMatchObject({ purpose: 'batch' });

    const done = await untilTerminal(client, retried.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    const errors = await readJsonl(client, done.error_file_id);
    expect(errors.map((e) => [e.custom_id, e.response!.status_code])).toEqual([
      ['bad', 400],
      ['down', 500],
    ]);
    // The client's model name is what the retry holds; upstream still sees the configured upstream model.
    expect(gw.upstream.attempts.get('bad')).toBe(2);
    expect(gw.upstream.log.filter((r) => r.tag === 'bad').map((r) => r.model)).toEqual([
      'upstream-chat-v2',
      'upstream-chat-v2',
    ]);

    const again = await retry(retried.id);
    expect(again.body.metadata).toEqual({ team: 'search', retry_of: retried.id });
  });

  it('answers 409 while the source is running, then retries the lines its cancel ended', async () => {
    const source = await createBatchFrom(client, toJsonl([line('hung-1', 'hang'), line('hung-2', 'hang')]));
    await waitFor(async () => (await client.batches.retrieve(source.id)).status !== 'validating', {
      what: 'validation',
    });
    const running = await retry(source.id);
    expect(running.status).toBe(409);
    expect(running.body).toMatchObject({ error: { code: 'conflict', type: 'invalid_request_error' } });

    await client.batches.cancel(source.id);
    expect((await untilTerminal(client, source.id)).status).toBe('cancelled');
    const { status, body } = await retry(source.id);
    expect(status).toBe(200);
    const lines = (await content(client, body.input_file_id as string)).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).custom_id)).toEqual(['hung-1', 'hung-2']);
    await client.batches.cancel(body.id);
  });

  it("answers 409 when every line succeeded, and 404 for another project's batch", async () => {
    const clean = await finishedBatch(client, toJsonl([line('fine')]));
    expect(clean.status).toBe('completed');
    const conflict = await retry(clean.id);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('no failed') } });

    const other = gw.openai((await gw.tenant()).key);
    const foreign = await finishedBatch(other, toJsonl([line('theirs', '400')]));
    expect(await retry(foreign.id)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await retry('batch_missing')).toMatchObject({ status: 404 });
  });

  it("lets the admin retry a tenant's batch; the retry belongs to the tenant's project", async () => {
    const source = await finishedBatch(client, toJsonl([line('admin-bad', '400')]));
    const { status, body } = await retry(source.id, TEST_ADMIN_KEY);
    expect(status).toBe(200);
    expect((await client.batches.retrieve(body.id)).metadata).toEqual({ retry_of: source.id });
    await untilTerminal(client, body.id);
  });

  it("rebuilds the failed lines from the requests, with the client's model name, when the input file was deleted", async () => {
    const source = await finishedBatch(
      client,
      toJsonl([line('kept'), line('gone-bad', '400'), line('gone-500', '500')]),
    );
    await client.files.delete(source.input_file_id);
    const { status, body } = await retry(source.id);
    expect(status).toBe(200);
    const lines = (await content(client, body.input_file_id as string))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([line('gone-bad', '400'), line('gone-500', '500')]);
    await untilTerminal(client, body.id);
  });

  it('treats every line of a batch that failed validation as failed (none ran), and 409 once its input is gone', async () => {
    const text = toJsonl([line('v-1'), line('v-2', 'ok', 'no-such-model')]);
    const source = await finishedBatch(client, text, { run: 'nightly' });
    expect(source.status).toBe('failed');
    expect(source.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });

    const { status, body } = await retry(source.id);
    expect(status).toBe(200);
    expect(await content(client, body.input_file_id as string)).toBe(text);
    expect(body.metadata).toEqual({ run: 'nightly', retry_of: source.id });
    const rerun = await untilTerminal(client, body.id);
    expect(rerun.status).toBe('failed');
    expect(rerun.errors?.data?.[0]).toMatchObject({ code: 'model_not_found', line: 2 });

    await client.files.delete(source.input_file_id);
    const gone = await retry(source.id);
    expect(gone.status).toBe(409);
    expect(gone.body).toMatchObject({ error: { code: 'conflict', message: expect.stringContaining('deleted') } });
  });

  it('adds retry_of even when the source already has the 16 metadata keys a client may send', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, `v${i}`]));
    const source = await finishedBatch(client, toJsonl([line('full', '400')]), metadata);
    const { status, body } = await retry(source.id);
    expect(status).toBe(200);
    expect(body.metadata).toEqual({ ...metadata, retry_of: source.id });
    await untilTerminal(client, body.id);
    const second = await retry(body.id);
    expect(second.body.metadata).toEqual({ ...metadata, retry_of: body.id });
    await untilTerminal(client, second.body.id);
  });
});
