// Helpers for native-batch tests: provider configs pointing at the fakes, input lines made
// lazily, polling a provider batch until it ends, and reading a results stream.
import type { ProviderConfig } from '../../src/config.js';
import {
  lineLookupOf,
  type NativeBatchAdapter,
  type NativeBatchSnapshot,
  type NativeLine,
  type NativeLineRef,
  type NativeResult,
} from '../../src/providers/native/native-batch.js';
import { waitFor } from './wait.js';

type Limits = Pick<ProviderConfig, 'maxConcurrency' | 'timeoutMs' | 'maxRetries' | 'maxOutputTokens'>;
const limits: Limits = { maxConcurrency: 4, timeoutMs: 10_000, maxRetries: 0, maxOutputTokens: {} };

export function openAIConfig(baseUrl: string): Extract<ProviderConfig, { type: 'openai' }> {
  return {
    type: 'openai',
    name: 'fake-openai',
    baseUrl,
    apiKey: 'sk-test',
    nativeBatch: true,
    nativePollMs: 100,
    ...limits,
  };
}

export function anthropicConfig(
  baseUrl: string,
  maxOutputTokens: Record<string, number> = {},
): Extract<ProviderConfig, { type: 'anthropic' }> {
  return {
    type: 'anthropic',
    name: 'fake-anthropic',
    baseUrl,
    apiKey: 'sk-ant-test',
    nativeBatch: true,
    nativePollMs: 100,
    ...limits,
    maxOutputTokens,
  };
}

/** `count` chat lines made one at a time; `bodyOf` may add fields to line i's body. */
export async function* chatLines(
  count: number,
  bodyOf: (index: number) => Record<string, unknown> = () => ({}),
  model = 'upstream-model',
): AsyncGenerator<NativeLine> {
  for (let index = 0; index < count; index++) {
    const body = { model, messages: [{ role: 'user', content: `question ${index}` }], ...bodyOf(index) };
    yield { lineIndex: index, customId: `line-${index}`, body: JSON.stringify(body) };
  }
}

export const lineRefs = (count: number): NativeLineRef[] =>
  Array.from({ length: count }, (_, lineIndex) => ({ lineIndex, customId: `line-${lineIndex}` }));

/** Poll every few ms until the provider batch has ended; `seen` collects each new status. */
export function untilEnded(
  adapter: NativeBatchAdapter,
  id: string,
  seen: string[] = [],
  onSnapshot: (snapshot: NativeBatchSnapshot) => void = () => {},
): Promise<NativeBatchSnapshot> {
  return waitFor(
    async () => {
      const snapshot = await adapter.poll(id);
      onSnapshot(snapshot);
      if (seen.at(-1) !== snapshot.status) seen.push(snapshot.status);
      return snapshot.endStatus ? snapshot : null;
    },
    { intervalMs: 5, timeoutMs: 10_000, what: `provider batch ${id} to end` },
  );
}

export async function collect(results: AsyncIterable<NativeResult>): Promise<NativeResult[]> {
  const all: NativeResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

/** Every result of provider batch `id`, whose input was the `count` lines of `lineRefs(count)`. */
export const resultsOf = (adapter: NativeBatchAdapter, id: string, count: number) =>
  collect(adapter.results(id, lineLookupOf(adapter, lineRefs(count))));

export const answers = (results: NativeResult[]) =>
  results.filter((r): r is Extract<NativeResult, { kind: 'answer' }> => r.kind === 'answer');
export const noAnswers = (results: NativeResult[]) =>
  results.filter((r): r is Extract<NativeResult, { kind: 'no_answer' }> => r.kind === 'no_answer');
export const anomalies = (results: NativeResult[]) =>
  results.filter((r): r is Extract<NativeResult, { kind: 'anomaly' }> => r.kind === 'anomaly');

/** The input lines that got an answer, in line order. */
export const answeredLines = (results: NativeResult[]) =>
  answers(results)
    .map((r) => r.line.lineIndex)
    .sort((a, b) => a - b);

/** `[lineIndex, code]` of every no-answer, in line order. */
export const noAnswerCodes = (results: NativeResult[]) =>
  noAnswers(results)
    .sort((a, b) => a.line.lineIndex - b.line.lineIndex)
    .map((r) => [r.line.lineIndex, r.code]);

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
