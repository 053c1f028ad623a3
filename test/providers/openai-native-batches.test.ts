// The OpenAI-type native-batch adapter against a fake Files + Batches API, through the official
// SDK: one upload and one batch per submission, status and counts mirrored while it runs, both
// results files streamed back and matched to input lines, crash-safe resubmission, classified
// failures, cancel and expiry with partial results, damaged results files, and flat memory on a
// results file of many MB.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NativeBatchError } from '../../src/providers/native/errors.js';
import { lineLookupOf, type NativeBatchAdapter } from '../../src/providers/native/native-batch.js';
import { createOpenAIBatchAdapter } from '../../src/providers/native/openai-batches.js';
import { missingResultCode } from '../../src/providers/native/status.js';
import { type FakeOpenAIBatches, startFakeOpenAIBatches } from '../support/fake-openai-batches.js';
import { peakRetainedWhile } from '../support/memory.js';
import {
  anomalies,
  answeredLines,
  answers,
  chatLines,
  lineRefs,
  noAnswerCodes,
  openAIConfig,
  rejectionOf,
  resultsOf,
  untilEnded,
} from '../support/native-batches.js';

let fake: FakeOpenAIBatches;
let adapter: NativeBatchAdapter;

beforeAll(async () => {
  fake = await startFakeOpenAIBatches();
  adapter = createOpenAIBatchAdapter(openAIConfig(fake.url));
});
afterAll(async () => {
  await adapter.close();
  await fake.close();
});
afterEach(() => {
  fake.faults.clear();
  fake.scenario = {};
});

const submit = (count: number, bodyOf?: (index: number) => Record<string, unknown>, batchgateBatchId = 'batch_bg1') =>
  adapter.submit({ batchgateBatchId, endpoint: '/v1/chat/completions', lines: chatLines(count, bodyOf) });

describe('OpenAI-type native batches', () => {
  it('uploads the lines as one JSONL file and creates exactly one batch tagged with our batch id', async () => {
    const creates = fake.count('create');
    const submitted = await submit(3, undefined, 'batch_tagged');
    expect(submitted).toMatchObject({ status: 'validating', endStatus: null, providerStatus: 'validating' });
    expect(fake.count('create')).toBe(creates + 1);
    expect(fake.count('chat')).toBe(0);
    const batch = fake.batches.get(submitted.id)!;
    expect(batch.metadata).toEqual({ batchgate_batch_id: 'batch_tagged' });
    const upload = fake.files.get(batch.inputFileId)!;
    expect(upload).toMatchObject({ purpose: 'batch', filename: 'batchgate-batch_tagged.jsonl' });
    const lines = (upload.content as Buffer)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(
      [0, 1, 2].map((i) => ({
        custom_id: `line-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'upstream-model', messages: [{ role: 'user', content: `question ${i}` }] },
      })),
    );
    const sent = fake.requests.find((r) => r.route === 'upload')!;
    expect(sent.headers.authorization).toBe('Bearer sk-test');
  });

  it('sends no Authorization header to a provider configured without a key', async () => {
    const keyless = createOpenAIBatchAdapter({ ...openAIConfig(fake.url), apiKey: undefined });
    await keyless.submit({ batchgateBatchId: 'batch_keyless', endpoint: '/v1/chat/completions', lines: chatLines(1) });
    const [upload, create] = fake.requests.slice(-2);
    expect([upload!.route, create!.route]).toEqual(['upload', 'create']);
    expect(upload!.headers.authorization).toBeUndefined();
    expect(create!.headers.authorization).toBeUndefined();
  });

  it('mirrors status and counts while the batch runs, then streams every result back to its line', async () => {
    const { id } = await submit(6, (i) => (i === 4 ? { fault: '400' } : {}));
    const seen: string[] = [];
    const progress: number[] = [];
    const ended = await untilEnded(adapter, id, seen, (snapshot) => progress.push(snapshot.requestCounts.completed));
    expect(seen).toEqual(['in_progress', 'finalizing', 'completed']);
    expect(progress).toEqual([0, 0, 3, 5, 5]);
    expect(ended).toMatchObject({ endStatus: 'completed', requestCounts: { total: 6, completed: 5, failed: 1 } });
    expect(ended.endedAt).toBeGreaterThan(0);

    const results = await resultsOf(adapter, id, 6);
    expect(anomalies(results)).toEqual([]);
    const byLine = new Map(answers(results).map((r) => [r.line.lineIndex, r]));
    expect([...byLine.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(answers(results).map((r) => r.line.lineIndex)).not.toEqual([0, 1, 2, 3, 5, 4]);
    const first = byLine.get(0)!;
    expect(first).toMatchObject({ statusCode: 200, requestId: 'req_line-0', line: { customId: 'line-0' } });
    expect(JSON.parse(first.body)).toMatchObject({ object: 'chat.completion', model: 'upstream-model' });
    expect(byLine.get(4)).toMatchObject({ statusCode: 400 });
    expect(JSON.parse(byLine.get(4)!.body)).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(fake.count('chat')).toBe(0);
  });

  it('finds the batch a lost create answer left behind, so a retry never submits twice', async () => {
    fake.faults.inject('create', 'drop_after');
    const createdAfter = Math.floor(Date.now() / 1000) - 1;
    const creates = fake.count('create');
    const error = await rejectionOf(submit(2, undefined, 'batch_crashy'));
    expect(error).toBeInstanceOf(NativeBatchError);
    expect((error as NativeBatchError).retryable).toBe(true);

    const found = await adapter.findExisting!('batch_crashy', createdAfter);
    expect(found).not.toBeNull();
    expect(fake.batches.get(found!.id)!.metadata).toEqual({ batchgate_batch_id: 'batch_crashy' });
    expect(await adapter.findExisting!('batch_never_submitted', createdAfter)).toBeNull();
    expect(fake.count('create')).toBe(creates + 1);
  });

  it('stops looking for an earlier submission at batches older than ours, across list pages', async () => {
    const old = await submit(1, undefined, 'batch_old');
    for (let i = 0; i < 105; i++) await submit(1, undefined, `batch_filler_${i}`);
    expect((await adapter.findExisting!('batch_old', 0))?.id).toBe(old.id);
    fake.batches.get(old.id)!.createdAt -= 3600;
    const lists = fake.count('list');
    expect(await adapter.findExisting!('batch_old', Math.floor(Date.now() / 1000) - 60)).toBeNull();
    expect(fake.count('list') - lists).toBe(2);
  });

  it('classifies submission failures: quota and bad keys are permanent, 5xx and dropped connections retryable', async () => {
    fake.faults.inject('create', {
      status: 400,
      type: 'invalid_request_error',
      code: 'token_limit_exceeded',
      message: 'Enqueued token limit reached for upstream-model. Limit: 2,000,000 enqueued tokens.',
    });
    const quota = (await rejectionOf(submit(1))) as NativeBatchError;
    expect(quota).toBeInstanceOf(NativeBatchError);
    expect(quota.retryable).toBe(false);
    expect(quota.details).toMatchObject({ statusCode: 400, code: 'token_limit_exceeded' });
    expect(quota.message).toContain('Enqueued token limit reached');

    fake.faults.inject('upload', { status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided' });
    const badKey = (await rejectionOf(submit(1))) as NativeBatchError;
    expect(badKey.retryable).toBe(false);
    expect(badKey.message).toContain('Incorrect API key provided');

    fake.faults.inject('create', { status: 503, message: 'overloaded' });
    expect(((await rejectionOf(submit(1))) as NativeBatchError).retryable).toBe(true);
    fake.faults.inject('upload', 'drop');
    expect(((await rejectionOf(submit(1))) as NativeBatchError).retryable).toBe(true);
    fake.faults.inject('create', { status: 429, message: 'Too many batch creations' });
    expect(((await rejectionOf(submit(1))) as NativeBatchError).retryable).toBe(true);
  });

  it('classifies poll failures and reports a provider batch failed at validation with its errors', async () => {
    const { id } = await submit(1);
    fake.faults.inject('retrieve', { status: 500, message: 'try later' });
    expect(((await rejectionOf(adapter.poll(id))) as NativeBatchError).retryable).toBe(true);
    fake.faults.inject('retrieve', 'drop');
    expect(((await rejectionOf(adapter.poll(id))) as NativeBatchError).retryable).toBe(true);
    const missing = (await rejectionOf(adapter.poll('batch_nope'))) as NativeBatchError;
    expect(missing).toMatchObject({ retryable: false, details: { statusCode: 404 } });

    fake.scenario = {
      failAtValidation: { code: 'token_limit_exceeded', message: 'Enqueued token limit reached for upstream-model.' },
    };
    const failing = await submit(2);
    const failed = await untilEnded(adapter, failing.id);
    expect(failed).toMatchObject({ status: 'failed', endStatus: 'failed' });
    expect(failed.errors).toEqual([
      {
        code: 'token_limit_exceeded',
        message: 'Enqueued token limit reached for upstream-model.',
        param: null,
        line: null,
      },
    ]);
    expect(await resultsOf(adapter, failing.id, 2)).toEqual([]);
  });

  it('forwards a cancel and keeps the partial output; the unrun lines are the caller’s batch_cancelled', async () => {
    const { id } = await submit(4);
    await adapter.poll(id); // in_progress
    await adapter.poll(id);
    await adapter.poll(id); // half done
    const cancelling = await adapter.cancel(id);
    expect(cancelling).toMatchObject({ status: 'cancelling', endStatus: null });
    expect(cancelling.cancellingAt).toBeGreaterThan(0);
    const ended = await untilEnded(adapter, id);
    expect(ended).toMatchObject({ status: 'cancelled', endStatus: 'cancelled' });
    const results = await resultsOf(adapter, id, 4);
    expect(answeredLines(results)).toEqual([0, 1]);
    expect(missingResultCode(ended.endStatus!)).toBe('batch_cancelled');
    const again = (await rejectionOf(adapter.cancel(id))) as NativeBatchError;
    expect(again).toMatchObject({ retryable: true, details: { statusCode: 409 } });
  });

  it('reads an expired batch: finished lines answered, the rest batch_expired from the error file', async () => {
    fake.scenario = { expire: true };
    const { id } = await submit(4);
    const ended = await untilEnded(adapter, id);
    expect(ended).toMatchObject({ status: 'expired', endStatus: 'expired' });
    const results = await resultsOf(adapter, id, 4);
    expect(answeredLines(results)).toEqual([0, 1]);
    expect(noAnswerCodes(results)).toEqual([
      [2, 'batch_expired'],
      [3, 'batch_expired'],
    ]);
  });

  it('reports missing, unknown and duplicated result lines without losing the good ones', async () => {
    fake.scenario = { dropCustomIds: ['line-1'], unknownResults: 2, duplicateResults: 1 };
    const { id } = await submit(4);
    await untilEnded(adapter, id);
    const results = await resultsOf(adapter, id, 4);
    expect(answeredLines(results)).toEqual([0, 2, 3]);
    expect(
      anomalies(results)
        .map((r) => r.anomaly)
        .sort(),
    ).toEqual(['duplicate_result', 'unknown_custom_id', 'unknown_custom_id']);
    expect(anomalies(results).find((r) => r.anomaly === 'unknown_custom_id')!.detail).toContain('ghost-');
  });

  it('reports an output file that is not JSONL and still reads the error file', async () => {
    fake.scenario = { outputNotJsonl: true };
    const { id } = await submit(4, (i) => (i === 3 ? { fault: '500' } : {}));
    await untilEnded(adapter, id);
    const results = await resultsOf(adapter, id, 4);
    expect(anomalies(results)).toMatchObject([{ anomaly: 'unreadable_line', source: 'output', lineNumber: 1 }]);
    expect(answers(results)).toMatchObject([{ statusCode: 500, line: { lineIndex: 3 } }]);
  });

  it('streams a results file of many MB with flat memory', async () => {
    const count = 16_000;
    fake.scenario = { paddingBytes: 5000 };
    const { id } = await submit(count);
    await untilEnded(adapter, id);
    let seen = 0;
    let bytes = 0;
    const results = adapter.results(id, lineLookupOf(adapter, lineRefs(count)));
    const peak = await peakRetainedWhile(results, (result) => {
      if (result.kind !== 'answer') throw new Error(`unexpected ${result.kind}`);
      seen++;
      bytes += result.body.length;
    });
    expect(seen).toBe(count);
    // Holding the results would retain more than the file's 80 MB; streaming keeps a few MB.
    expect(bytes).toBeGreaterThan(80 * 1024 * 1024);
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  }, 120_000);
});
