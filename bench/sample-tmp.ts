import pino from 'pino';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { startBatchgate } from '../src/server.js';
import { chatLines, createBatch, freshDatabase, startChild, uploadFile, waitForStatus, writeConfig } from './lib.js';
const N = Number(process.env.N ?? 8000);
const upstream = await startChild('bench/fake-upstream-server.ts', { LATENCY_MS: '0' }, 'url');
const databaseUrl = await freshDatabase('batchgate_bench_sample');
const path = writeConfig({ providers: { fake: { type: 'openai', baseUrl: `${upstream.info.url}/v1`, maxConcurrency: 64 } }, models: { 'bench-chat': { provider: 'fake' } } });
const config = loadConfig({ DATABASE_URL: databaseUrl, BATCHGATE_CONFIG: path, BATCHGATE_ADMIN_KEY: 'bench-admin-key-0123456789abcdef', PORT: '0', HOST: '127.0.0.1', BATCHGATE_DATA_DIR: '/tmp/bgs' }, []);
const gw = await startBatchgate(config, { logger: pino({ level: 'warn' }) });
const lane = (gw.worker as any).lanes.get('fake');
for (let r = 0; r < 3; r++) {
  const fileId = await uploadFile(gw.url!, new Blob([`${chatLines(N, `r${r}`).join('\n')}\n`]));
  const hist = { empty: 0, low: 0, ok: 0, pendingLow: 0, samples: 0 };
  const t = setInterval(() => { hist.samples++; if (lane.queue.size === 0) hist.empty++; else if (lane.queue.size < 64) hist.low++; else hist.ok++; if (lane.queue.pending < 60) hist.pendingLow++; }, 2);
  const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
  const t0 = performance.now();
  const id = await createBatch(gw.url!, fileId);
  await waitForStatus(gw.url!, id, ['in_progress', 'completed']);
  const t1 = performance.now();
  await waitForStatus(gw.url!, id, ['finalizing', 'completed']);
  const t2 = performance.now();
  await waitForStatus(gw.url!, id, ['completed']);
  clearInterval(t); h.disable(); console.log('loop delay ms p50', h.percentile(50)/1e6, 'p99', h.percentile(99)/1e6, 'max', h.max/1e6);
  console.log(JSON.stringify((gw.worker as any).stats), `validate ${(t1 - t0).toFixed(0)} execute ${(t2 - t1).toFixed(0)} finalize ${(performance.now() - t2).toFixed(0)}`, JSON.stringify(hist));
}
await gw.close(); await upstream.stop();
