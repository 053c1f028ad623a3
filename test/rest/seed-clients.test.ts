// The seed systems' clients, drop-in: GoModel sends its key without "Bearer " and reads `results`
// from the batch object of an inline-request batch; TrueFoundry's clients reach the Files and
// Batches routes under /api/llm/api/inference/openai/.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_RESULTS_MAX_LINES } from '../../src/domain/batches/batch-results.js';
import { type GatewayBatch, readJsonl, submit, untilTerminal } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startGateway();
  key = (await gw.tenant()).key;
});
afterAll(() => gw?.close());

const inlineBatch = (count: number, authorization: string) =>
  fetch(`${gw.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      endpoint: '/v1/chat/completions',
      requests: Array.from({ length: count }, (_, i) => chatLine(`g${i}`, `hello ${i}`)),
    }),
  });

describe('GoModel', () => {
  it('authenticates a bare key and gets the results in the batch object once it ended', async () => {
    const res = await inlineBatch(3, key);
    expect(res.status).toBe(200);
    const created = (await res.json()) as GatewayBatch;
    expect(created.results).toBeNull();
    const get = () =>
      fetch(`${gw.url}/v1/batches/${created.id}`, { headers: { authorization: key } }).then(
        (r) => r.json() as Promise<GatewayBatch>,
      );
    const done = await waitFor(async () => {
      const batch = await get();
      return batch.status === 'completed' ? batch : undefined;
    });
    expect(done.results?.map((r) => [r.index, r.custom_id, r.status_code, r.error])).toEqual([
      [0, 'g0', 200, null],
      [1, 'g1', 200, null],
      [2, 'g2', 200, null],
    ]);
    const second = done.results?.[1]?.response as { choices: { message: { content: string } }[] } | undefined;
    expect(second?.choices[0]?.message.content).toBe('MOCK: hello 1');
  });

  it('leaves results null for a batch over 1,000 lines or one made from an uploaded file', async () => {
    const big = (await (await inlineBatch(INLINE_RESULTS_MAX_LINES + 1, `Bearer ${key}`)).json()) as GatewayBatch;
    const client = gw.openai(key);
    expect((await untilTerminal(client, big.id, 60_000)).results).toBeNull();
    const fromFile = await untilTerminal(client, (await submit(client, [chatLine('f', 'x')])).id);
    expect(fromFile.status).toBe('completed');
    expect(fromFile.results).toBeNull();
  });
});

describe('TrueFoundry', () => {
  it('serves the Files and Batches routes under its gateway path', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/api/llm/api/inference/openai`, maxRetries: 0 });
    const done = await untilTerminal(client, (await submit(client, [chatLine('t1', 'via truefoundry')])).id);
    expect(done.status).toBe('completed');
    const output = await readJsonl<{ custom_id: string }>(client, done.output_file_id);
    expect(output.map((l) => l.custom_id)).toEqual(['t1']);
    expect((await client.batches.list()).data.map((b) => b.id)).toContain(done.id);
  });
});
