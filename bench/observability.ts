// Per-line cost of observation on the execution hot path, in isolation: an upstream call through
// the observed provider (timing, counts by status) versus the bare provider, plus recording the
// line's end (lines, tokens, cost). The provider answers at once, so what is left is our overhead;
// compare it with the gateway's CPU per request from bench/throughput.ts (`cpuPerThousand`).
// Best of several rounds, since other processes on the machine only ever add time.
//
//   npm run bench:observability -- [--calls 300000] [--rounds 9]
import { parseArgs } from 'node:util';
import type { ModelConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import type { RowOutcome } from '../src/db/queries/batch-requests.js';
import { Metrics } from '../src/observability/metrics.js';
import { observeProvider } from '../src/observability/observed-provider.js';
import type { Provider } from '../src/providers/provider.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '9' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

const models = {
  'bench-chat': { inputPricePerMillion: 0.15, outputPricePerMillion: 0.6, upstreamModel: 'bench-chat' },
} as unknown as Record<string, ModelConfig>;
const modelMap = new Map(Object.entries(models));
const metrics = new Metrics({} as Database);
const answer = { statusCode: 200, headers: {}, body: '{}' };
const bare: Provider = { name: 'fake', send: async () => answer, close: async () => {} };
const observed = observeProvider(bare, { metrics, tracing: null, models: modelMap });
const request = { endpoint: '/v1/chat/completions', body: '{}', model: 'bench-chat', batchId: 'batch_bench' };
const ended: RowOutcome = {
  batchId: 'batch_bench',
  lineIndex: 0,
  statusCode: 200,
  response: '{}',
  requestId: 'req_bench',
  errorCode: null,
  errorMessage: null,
  inputTokens: 20,
  outputTokens: 16,
  cachedTokens: 4,
  reasoningTokens: 0,
  inputPrice: '0.15',
  outputPrice: '0.6',
  cachedInputPrice: '0.075',
};

const best = { bare: Number.POSITIVE_INFINITY, observed: Number.POSITIVE_INFINITY };
for (let round = 0; round < ROUNDS; round++) {
  let started = performance.now();
  for (let i = 0; i < CALLS; i++) await bare.send(request);
  best.bare = Math.min(best.bare, ((performance.now() - started) * 1000) / CALLS);
  started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    await observed.send(request);
    metrics.lineEnded('fake', 'bench-chat', ended);
  }
  best.observed = Math.min(best.observed, ((performance.now() - started) * 1000) / CALLS);
}
console.log(
  JSON.stringify({
    calls: CALLS,
    rounds: ROUNDS,
    bareMicrosPerLine: +best.bare.toFixed(3),
    observedMicrosPerLine: +best.observed.toFixed(3),
    overheadMicrosPerLine: +(best.observed - best.bare).toFixed(3),
  }),
);
