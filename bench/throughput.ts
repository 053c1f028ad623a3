// Throughput benchmark: N chat requests through batchgate (on PostgreSQL, timed from batch
// creation to output file ready) vs the same N through a bare undici.request loop (keep-alive
// pool, same concurrency, answers kept in memory), both against the same fake upstream in one run.
// Prints each round and the ratio of requests/s (gateway / bare); the median of interleaved rounds.
//
//   npm run bench:throughput -- [--requests 20000] [--latency 0] [--concurrency 64] [--rounds 3] [--upstream realistic|fast]
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  chatLines,
  createBatch,
  freshDatabase,
  median,
  startChild,
  startGateway,
  uploadFile,
  waitForStatus,
  writeConfig,
} from './lib.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    latency: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    upstream: { type: 'string', default: 'realistic' },
  },
});
const N = Number(values.requests);
const LATENCY = Number(values.latency);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

const upstream = await startChild(
  'bench/fake-upstream-server.ts',
  { LATENCY_MS: String(LATENCY), MODE: values.upstream! },
  'url',
);
const upstreamUrl = upstream.info.url!;
const databaseUrl = await freshDatabase('batchgate_bench_throughput');
const config = writeConfig({
  providers: {
    fake: { type: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKey: 'sk-bench', maxConcurrency: C, maxRetries: 2 },
  },
  models: { 'bench-chat': { provider: 'fake', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 } },
});
const gateway = await startGateway(databaseUrl, config);
const base = gateway.info.url!;

const bodies = chatLines(N, 'bare').map((line) => JSON.stringify((JSON.parse(line) as { body: unknown }).body));

async function bareLoop(): Promise<number> {
  const pool = new Pool(upstreamUrl, { connections: C, pipelining: 1 });
  const answers: string[] = new Array(N);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const i = next++;
        const res = await pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
          body: bodies[i],
        });
        answers[i] = await res.body.text();
      }
    }),
  );
  const elapsed = performance.now() - started;
  await pool.close();
  if (answers.filter(Boolean).length !== N) throw new Error('bare loop lost answers');
  return elapsed;
}

async function viaGateway(round: number): Promise<number> {
  const fileId = await uploadFile(base, new Blob([`${chatLines(N, `r${round}`).join('\n')}\n`]));
  const started = performance.now();
  const id = await createBatch(base, fileId);
  const done = await waitForStatus(base, id, ['completed']);
  const elapsed = performance.now() - started;
  if (done.request_counts.completed !== N || !done.output_file_id)
    throw new Error(`unexpected result: ${JSON.stringify(done)}`);
  return elapsed;
}

// Warm both paths (JIT, connections, the upstream) before timing.
await bareLoop();
await viaGateway(-1);

const bare: number[] = [];
const gw: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const b = await bareLoop();
  const g = await viaGateway(round);
  bare.push(b);
  gw.push(g);
  ratios.push(b / g);
  console.log(
    `round ${round + 1}: bare ${(b / 1000).toFixed(2)} s (${Math.round((N * 1000) / b)} req/s)  gateway ${(g / 1000).toFixed(2)} s (${Math.round((N * 1000) / g)} req/s)  ratio ${(b / g).toFixed(3)}`,
  );
}
console.log(
  JSON.stringify({
    requests: N,
    latencyMs: LATENCY,
    concurrency: C,
    rounds: ROUNDS,
    upstream: values.upstream,
    bareSeconds: +(median(bare) / 1000).toFixed(3),
    gatewaySeconds: +(median(gw) / 1000).toFixed(3),
    ratio: +median(ratios).toFixed(3),
  }),
);
await gateway.stop();
await upstream.stop();
