// The batch procedures through the stock @trpc/client: create from an uploaded file, follow it live
// over SSE to `completed` with counts that match the output files, get, cursor-paginated list, and
// cancel (then CONFLICT for a second cancel).
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload as uploadLines } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type Client, follow, trpcClient } from './client.js';

let gw: TestGateway;
let openai: OpenAI;
let client: Client;

beforeAll(async () => {
  gw = await startGateway({
    config: {
      providers: {
        // Fails about a third of the requests (deterministically, by body), without retries.
        mock: { type: 'mock', maxConcurrency: 2, latencyMs: 40, failureRate: 0.3, maxRetries: 0 },
        slow: { type: 'mock', maxConcurrency: 1, latencyMs: 400 },
      },
      models: {
        'mock-chat': { provider: 'mock', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 },
        'slow-chat': { provider: 'slow' },
      },
    },
  });
  const { key } = await gw.tenant();
  openai = gw.openai(key);
  client = trpcClient(gw.url, { key });
});
afterAll(() => gw?.close());

const upload = (lines: unknown[]) => uploadLines(openai, lines);

const lineCount = async (fileId: string | null) =>
  fileId ? (await (await openai.files.content(fileId)).text()).split('\n').filter(Boolean).length : 0;

describe('batches over tRPC', () => {
  it('creates a batch and follows it live to completed, with requestCounts matching the output files', async () => {
    const file = await upload(Array.from({ length: 40 }, (_, i) => chatLine(`req-${i}`, `hello ${i}`)));
    const created = await client.batches.create.mutate({
      inputFileId: file.id,
      endpoint: '/v1/chat/completions',
      metadata: { team: 'search' },
    });
    expect(created).toMatchObject({
      status: 'validating',
      inputFileId: file.id,
      endpoint: '/v1/chat/completions',
      completionWindow: '24h',
      metadata: { team: 'search' },
      requestCounts: { total: 0, completed: 0, failed: 0 },
    });
    expect(created.id).toMatch(/^batch_/);
    expect(created.expiresAt - created.createdAt).toBe(24 * 3600);

    const followed = follow(client, { id: created.id });
    await followed.done;
    const { events } = followed;
    const last = events.at(-1)!.data;

    expect(['validating', 'in_progress']).toContain(events[0]!.data.status);
    expect(last.status).toBe('completed');
    const { completed, failed } = last.requestCounts;
    expect(last.requestCounts.total).toBe(40);
    expect(completed + failed).toBe(40);
    expect(failed).toBeGreaterThan(0);
    expect(completed).toBe(await lineCount(last.outputFileId));
    expect(failed).toBe(await lineCount(last.errorFileId));
    expect(last.usage.inputTokens).toBeGreaterThan(0);

    // Live: progress arrived while the batch ran, never going backwards, each event a new state.
    expect(
      events.some(
        (e) => e.data.status === 'in_progress' && e.data.requestCounts.completed + e.data.requestCounts.failed < 40,
      ),
    ).toBe(true);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.id).not.toBe(events[i - 1]!.id);
      const [before, after] = [events[i - 1]!.data.requestCounts, events[i]!.data.requestCounts];
      expect(after.completed).toBeGreaterThanOrEqual(before.completed);
      expect(after.failed).toBeGreaterThanOrEqual(before.failed);
    }

    expect(await client.batches.get.query({ id: created.id })).toEqual(last);
  });

  it('lists newest first in cursor pages, without skips or repeats', async () => {
    const { key } = await gw.tenant();
    const own = trpcClient(gw.url, { key });
    const file = await uploadLines(gw.openai(key), [chatLine('a', 'x')], 'one.jsonl');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await own.batches.create.mutate({ inputFileId: file.id, endpoint: '/v1/chat/completions' })).id);
    }

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof own.batches.list.query>> = await own.batches.list.query({
        limit: 3,
        cursor,
      });
      pages.push(page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());

    const all = await own.batches.list.query();
    expect(all.items.map((b) => b.id)).toEqual([...ids].reverse());
    expect(all.nextCursor).toBeNull();
    const exact = await own.batches.list.query({ limit: 7 });
    expect(exact.nextCursor).toBeNull();
  });

  it('cancels a running batch: cancelling, then cancelled with partial counts; a second cancel is CONFLICT', async () => {
    const file = await upload(
      Array.from({ length: 10 }, (_, i) => chatLine(`slow-${i}`, `wait ${i}`, {}, 'slow-chat')),
    );
    const batch = await client.batches.create.mutate({ inputFileId: file.id, endpoint: '/v1/chat/completions' });

    let started: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const followed = follow(client, { id: batch.id }, (e) => {
      if (e.data.status === 'in_progress') started();
    });
    await running;
    const cancelling = await client.batches.cancel.mutate({ id: batch.id });
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    expect(cancelling.cancellingAt).toEqual(expect.any(Number));

    await followed.done;
    const last = followed.events.at(-1)!.data;
    expect(last.status).toBe('cancelled');
    expect(last.requestCounts.total).toBe(10);
    expect(last.requestCounts.completed).toBeLessThan(10);
    expect(last.requestCounts.completed + last.requestCounts.failed).toBe(10);
    expect(await lineCount(last.outputFileId)).toBe(last.requestCounts.completed);

    await expect(client.batches.cancel.mutate({ id: batch.id })).rejects.toMatchObject({
      data: { code: 'CONFLICT', httpStatus: 409 },
      message: expect.stringContaining('cancelled'),
    });
  });

  it('cancels a batch right after creating it (usually still validating): it ends cancelled', async () => {
    const file = await upload([chatLine('a', 'x', {}, 'slow-chat')]);
    const batch = await client.batches.create.mutate({ inputFileId: file.id, endpoint: '/v1/chat/completions' });
    const cancelled = await client.batches.cancel.mutate({ id: batch.id });
    // A worker may have finished validating in between; either way the batch ends cancelled.
    expect(['cancelled', 'cancelling']).toContain(cancelled.status);
    const followed = follow(client, { id: batch.id });
    await followed.done;
    expect(followed.events.at(-1)!.data.status).toBe('cancelled');
  });
});
