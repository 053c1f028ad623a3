// `/v1/moderations` as a batch endpoint: created on every face, validated like the others, run on
// the mock provider (OpenAI's moderation shape: one result per text input, one for a multimodal
// list), results in the output file and on `/results`.
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../graphql/helpers.js';
import { readJsonl, submit, untilTerminal, upload } from '../support/batches.js';
import { MOCK_CONFIG, startGateway, type TestGateway } from '../support/gateway.js';
import { trpcClient } from '../trpc/client.js';

let gw: TestGateway;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway({
    config: { models: { ...MOCK_CONFIG.models, 'mock-moderation': { provider: 'mock' } } },
  });
  key = (await gw.tenant()).key;
  client = gw.openai(key);
});
afterAll(() => gw?.close());

const moderation = (id: string, input: unknown, model = 'mock-moderation') => ({
  custom_id: id,
  method: 'POST',
  url: '/v1/moderations',
  body: { model, input },
});

interface ModerationBody {
  id: string;
  model: string;
  results: {
    flagged: boolean;
    categories: Record<string, boolean>;
    category_scores: Record<string, number>;
    category_applied_input_types: Record<string, string[]>;
  }[];
}

describe('/v1/moderations batches', () => {
  it('runs moderation lines and writes OpenAI-shaped moderation answers', async () => {
    const lines = [
      moderation('one', 'a story about violence'),
      moderation('many', ['hello there', 'harassment and hate']),
      moderation('mixed', [
        { type: 'text', text: 'a picture' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ]),
    ];
    const created = await submit(client, lines, '/v1/moderations');
    expect(created.endpoint).toBe('/v1/moderations');
    const done = await untilTerminal(client, created.id);
    expect(done).toMatchObject({ status: 'completed', request_counts: { total: 3, completed: 3, failed: 0 } });

    const out = await readJsonl<{ custom_id: string; response: { status_code: number; body: ModerationBody } }>(
      client,
      done.output_file_id,
    );
    expect(out.map((line) => line.custom_id)).toEqual(['one', 'many', 'mixed']);
    const [one, many, mixed] = out.map((line) => line.response.body);
    expect(one!.id).toMatch(/^modr-/);
    expect(one!.model).toBe('mock-moderation');
    expect(one!.results).toHaveLength(1);
    expect(one!.results[0]).toMatchObject({ flagged: true, categories: { violence: true, hate: false } });
    expect(Object.keys(one!.results[0]!.categories)).toHaveLength(13);
    expect(one!.results[0]!.category_scores.violence).toBe(0.99);
    expect(one!.results[0]!.category_scores.sexual).toBeLessThan(0.01);
    expect(many!.results.map((r) => r.flagged)).toEqual([false, true]);
    expect(many!.results[1]!.categories).toMatchObject({
      harassment: true,
      hate: true,
      'harassment/threatening': false,
    });
    expect(mixed!.results).toHaveLength(1);
    expect(mixed!.results[0]!.category_applied_input_types.violence).toEqual(['text', 'image']);
    expect(mixed!.results[0]!.category_applied_input_types.hate).toEqual(['text']);
    // Moderation is free and reports no usage.
    expect(done.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });

    const results = await (
      await fetch(`${gw.url}/v1/batches/${done.id}/results`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    expect(results.data[0]).toMatchObject({ custom_id: 'one', url: '/v1/moderations', status_code: 200, error: null });
  });

  it('infers the endpoint from the lines, and fails a batch whose lines disagree with it', async () => {
    const file = await upload(client, [moderation('a', 'hi')]);
    const inferred = await fetch(`${gw.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: file.id }),
    });
    const batch = await inferred.json();
    expect(batch.endpoint).toBe('/v1/moderations');
    expect((await untilTerminal(client, batch.id)).status).toBe('completed');

    const mixed = [moderation('a', 'hi'), { ...moderation('b', 'hi'), url: '/v1/embeddings' }];
    const failed = await untilTerminal(client, (await submit(client, mixed, '/v1/moderations')).id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data).toEqual([expect.objectContaining({ code: 'mismatched_endpoint', line: 2 })]);
  });

  it('is accepted by GraphQL createBatch and tRPC batches.create', async () => {
    const file = await upload(client, [moderation('g', 'hi')]);
    const made = await gql(gw.url, key, 'mutation($i: CreateBatchInput!) { createBatch(input: $i) { id endpoint } }', {
      i: { inputFileId: file.id, endpoint: '/v1/moderations' },
    });
    expect(made.body.data!.createBatch.endpoint).toBe('/v1/moderations');
    const viaTrpc = await trpcClient(gw.url, { key }).batches.create.mutate({
      inputFileId: file.id,
      endpoint: '/v1/moderations',
    });
    expect(viaTrpc.endpoint).toBe('/v1/moderations');
    for (const id of [made.body.data!.createBatch.id, viaTrpc.id]) {
      expect((await untilTerminal(client, id)).status).toBe('completed');
    }
  });
});
