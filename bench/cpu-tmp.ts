import { readFileSync, readdirSync } from 'node:fs';
import { chatLines, createBatch, freshDatabase, startChild, startGateway, uploadFile, waitForStatus, writeConfig } from './lib.js';
const N = Number(process.env.N ?? 8000);
const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const pgTicks = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).reduce((n, p) => { try { const s = readFileSync(`/proc/${p}/stat`, 'utf8'); if (!s.includes('(postgres)')) return n; return n + ticks(Number(p)); } catch { return n; } }, 0);
const upstream = await startChild('bench/fake-upstream-server.ts', { LATENCY_MS: '0' }, 'url');
const databaseUrl = await freshDatabase('batchgate_bench_cpu');
if (process.env.LOG_STATEMENTS) { const { default: pg } = await import('postgres'); const a = pg(databaseUrl, { max: 1 }); await a.unsafe(process.env.LOG_STATEMENTS === 'explain' ? "alter database batchgate_bench_cpu set session_preload_libraries = 'auto_explain'" : 'alter database batchgate_bench_cpu set log_min_duration_statement = 0'); if (process.env.LOG_STATEMENTS === 'explain') { await a.unsafe("alter database batchgate_bench_cpu set auto_explain.log_min_duration = 6"); await a.unsafe("alter database batchgate_bench_cpu set auto_explain.log_analyze = on"); await a.unsafe("alter database batchgate_bench_cpu set auto_explain.log_buffers = on"); } await a.end(); }
const config = writeConfig({ providers: { fake: { type: 'openai', baseUrl: `${upstream.info.url}/v1`, maxConcurrency: 64 } }, models: { 'bench-chat': { provider: 'fake' } } });
const gw = await startGateway(databaseUrl, config);
for (let r = 0; r < 3; r++) {
  const fileId = await uploadFile(gw.info.url!, new Blob([`${chatLines(N, `r${r}`).join('\n')}\n`]));
  const g0 = ticks(gw.proc.pid!), u0 = ticks(upstream.proc.pid!), p0 = pgTicks(), b0 = process.cpuUsage(), t0 = performance.now();
  const id = await createBatch(gw.info.url!, fileId);
  await waitForStatus(gw.info.url!, id, ['completed'], 50);
  const b1 = process.cpuUsage(b0);
  console.log(`wall ${(performance.now() - t0).toFixed(0)} ms  gateway ${ticks(gw.proc.pid!) - g0} ms  upstream ${ticks(upstream.proc.pid!) - u0} ms  postgres ${pgTicks() - p0} ms  bench ${((b1.user + b1.system) / 1000).toFixed(0)} ms`);
}
await gw.stop(); await upstream.stop();
