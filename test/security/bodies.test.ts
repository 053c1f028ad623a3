// Findings: GraphQL and tRPC read (up to ~200 MB) and parsed bodies before checking the key.
// Now every face answers a caller without a valid key before reading its body, JSON bodies are
// capped at 1 MB (413 without buffering), and REST's inline batch requests are streamed into
// storage instead of parsed whole.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, untilTerminal } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startGateway({ config: { limits: { maxFileBytes: 8 * 1024 * 1024 } } });
  key = (await gw.tenant()).key;
});
afterAll(() => gw?.close());

/**
 * Declare a 100 MB body, send its first kilobyte, and wait for an answer while the rest is never
 * sent: a server that reads the body before deciding would never answer.
 */
function answerToHeadOfHugeBody(path: string, headers: Record<string, string>) {
  const url = new URL(gw.url);
  return new Promise<{ status: number; head: string }>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${path} while its body was still arriving`));
    }, 5000);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(received.slice(9, 12)), head: received.slice(0, end) });
    });
    socket.on('error', reject);
    const lines = Object.entries({ host: url.host, 'content-length': String(100 * 1024 * 1024), ...headers })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    socket.write(`POST ${path} HTTP/1.1\r\n${lines}\r\n\r\n`);
    socket.write(`{"query":"${'{ __typename }'.padEnd(1024, ' ')}`);
  });
}

describe('a caller without a valid key', () => {
  it.each([
    ['/graphql', { 'content-type': 'application/json' }],
    ['/graphql', { 'content-type': 'multipart/form-data; boundary=x', 'x-graphql-yoga-csrf': '1' }],
    ['/trpc/batches.create', { 'content-type': 'application/json' }],
    ['/trpc/batches.create,files.list?batch=1', { 'content-type': 'application/json' }],
    ['/v1/batches', { 'content-type': 'application/json' }],
    ['/v1/files', { 'content-type': 'multipart/form-data; boundary=x' }],
  ])('is answered 401 on POST %s before its body arrives', async (path, headers) => {
    for (const authorization of [undefined, 'Bearer bg-not-a-key']) {
      const answer = await answerToHeadOfHugeBody(path, authorization ? { ...headers, authorization } : headers);
      expect(answer.status).toBe(401);
    }
  });

  it('gets each face its own refusal shape', async () => {
    const graphql = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(graphql.status).toBe(401);
    expect(await graphql.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }],
    });
    const batch = await fetch(`${gw.url}/trpc/batches.create,files.list?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: {}, 1: {} }),
    });
    expect(batch.status).toBe(401);
    const shapes = (await batch.json()) as { error: { data: { code: string; path: string } } }[];
    expect(shapes.map((s) => [s.error.data.code, s.error.data.path])).toEqual([
      ['UNAUTHORIZED', 'batches.create'],
      ['UNAUTHORIZED', 'files.list'],
    ]);
  });
});

describe('JSON bodies over 1 MB', () => {
  const big = JSON.stringify({ query: `{ __typename }${' '.repeat(1_100_000)}` });

  it('are refused with 413 on GraphQL, tRPC and REST, declared or chunked', async () => {
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const graphql = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: auth, body: big });
    expect(graphql.status).toBe(413);
    expect((await graphql.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: auth,
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const trpc = await fetch(`${gw.url}/trpc/batches.create`, { method: 'POST', headers: auth, body: big });
    expect(trpc.status).toBe(413);
    expect((await trpc.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
    const rest = await fetch(`${gw.url}/v1/batches/batch_x/cancel`, { method: 'POST', headers: auth, body: big });
    expect(rest.status).toBe(413);
    expect((await rest.json()).error.type).toBe('invalid_request_error');
  });

  it('are refused on GraphQL by their declared length, before the body arrives', async () => {
    const answer = await answerToHeadOfHugeBody('/graphql', {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(413);
  });

  it('also on POST /v1/batches when the body carries no inline requests', async () => {
    const res = await fetch(`${gw.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: 'file-x', job_name: 'x', padding: 'p'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('except REST inline batch requests, streamed into storage and run', async () => {
    const requests = Array.from({ length: 3000 }, (_, i) => chatLine(`r${i}`, `${i} ${'y'.repeat(900)}`));
    const body = JSON.stringify({ endpoint: '/v1/chat/completions', requests, metadata: { size: 'large' } });
    expect(body.length).toBeGreaterThan(2.5 * 1024 * 1024);
    const res = await fetch(`${gw.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    const created = (await res.json()) as { id: string; metadata: unknown };
    expect(created.metadata).toEqual({ size: 'large' });
    const client = gw.openai(key);
    const done = await untilTerminal(client, created.id);
    expect(done.request_counts).toEqual({ total: 3000, completed: 3000, failed: 0 });
    const output = await readJsonl<{ custom_id: string }>(client, done.output_file_id);
    expect(output.map((line) => line.custom_id)).toEqual(requests.map((r) => r.custom_id));
  });

  it('and a malformed or oversized inline body stores nothing', async () => {
    const client = gw.openai(key);
    const before = (await client.files.list()).data.length;
    const post = (body: string) =>
      fetch(`${gw.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
    const line = JSON.stringify(chatLine('a', 'x'));
    const cut = await post(`{"endpoint":"/v1/chat/completions","requests":[${line},${line.slice(0, 20)}`);
    expect(cut.status).toBe(400);
    expect((await cut.json()).error.message).toMatch(/could not parse the JSON body/);
    const wrongEndpoint = await post(`{"endpoint":"/v1/nope","requests":[${line}]}`);
    expect(wrongEndpoint.status).toBe(400);
    const huge = await post(
      `{"requests":[${Array.from({ length: 10_000 }, () => JSON.stringify(chatLine('z', 'q'.repeat(1000)))).join(',')}]}`,
    );
    expect(huge.status).toBe(413);
    expect((await client.files.list()).data.length).toBe(before);
  });
});
