// Throughput benchmark: N chat requests through batchgate (on PostgreSQL, timed from batch
// creation to output file ready) vs the same N through a bare undici.request loop (keep-alive
// pool, same concurrency, answers kept in memory), both against the same fake upstream in one run.
// Prints each round and the ratio of requests/s (gateway / bare); the median of interleaved rounds.
//
//   npm run bench:throughput -- [--requests 20000] [--latency 0] [--concurrency 64] [--rounds 3] [--upstream realistic|fast]
// The cases the README reports: 20,000 at 500 ms and concurrency 1,000 (latency-bound, the common
// case); 5,000 at 50 ms, concurrency 64; 20,000 at 0 ms, concurrency 64 (CPU per request).
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  chatLines,
  cpuMs,
  createBatch,
  freshDatabase,
  median,
  peakRssMb,
  postgresCpuMs,
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

/** CPU seconds per process over a timed section, summed across rounds. */
const cpu = { bare: { client: 0, upstream: 0 }, gateway: { gateway: 0, postgres: 0, upstream: 0 } };
const snapshot = () => ({
  self: process.cpuUsage(),
  gateway: cpuMs(gateway.proc.pid!),
  upstream: cpuMs(upstream.proc.pid!),
  postgres: postgresCpuMs(),
});
const since = (before: ReturnType<typeof snapshot>) => {
  const self = process.cpuUsage(before.self);
  return {
    self: (self.user + self.system) / 1e6,
    gateway: (cpuMs(gateway.proc.pid!) - before.gateway) / 1000,
    upstream: (cpuMs(upstream.proc.pid!) - before.upstream) / 1000,
    postgres: (postgresCpuMs() - before.postgres) / 1000,
  };
};

async function bareLoop(measure = false): Promise<number> {
  const pool = new Pool(upstreamUrl, { connections: C, pipelining: 1 });
  const answers: string[] = new Array(N);
  let next = 0;
  const before = snapshot();
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
  if (measure) {
    const used = since(before);
    cpu.bare.client += used.self;
    cpu.bare.upstream += used.upstream;
  }
  await pool.close();
  if (answers.filter(Boolean).length !== N) throw new Error('bare loop lost answers');
  return elapsed;
}

async function viaGateway(round: number, measure = false): Promise<number> {
  const fileId = await uploadFile(base, new Blob([`${chatLines(N, `r${round}`).join('\n')}\n`]));
  const before = snapshot();
  const started = performance.now();
  const id = await createBatch(base, fileId);
  const done = await waitForStatus(base, id, ['completed']);
  const elapsed = performance.now() - started;
  if (measure) {
    const used = since(before);
    cpu.gateway.gateway += used.gateway;
    cpu.gateway.postgres += used.postgres;
    cpu.gateway.upstream += used.upstream;
  }
  if (done.request_counts.completed !== N || !done.output_file_id)
    throw new Error(`unexpected result: ${JSON.stringify(done)}`);
  return elapsed;
}

// Warm both paths (JIT, connections, the upstream) before timing.
await bareLoop();
await viaGateway(-1);

const per = (seconds: number) => +((seconds * 1000) / (N * ROUNDS)).toFixed(3);
const bare: number[] = [];
const gw: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const b = await bareLoop(true);
  const g = await viaGateway(round, true);
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
    /** The gateway process's peak resident memory over the whole run (warm-up included). */
    gatewayPeakRssMb: peakRssMb(gateway.proc.pid!),
    // CPU seconds per 1,000 requests, by process (the bench's own polling is not counted).
    cpuPerThousand: {
      bare: { client: per(cpu.bare.client), upstream: per(cpu.bare.upstream) },
      gateway: {
        gateway: per(cpu.gateway.gateway),
        postgres: per(cpu.gateway.postgres),
        upstream: per(cpu.gateway.upstream),
      },
    },
  }),
);
await gateway.stop();
await upstream.stop();
