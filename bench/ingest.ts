// Ingest benchmark, on PostgreSQL:
//  1. a 50,000-line (~18 MB) input file uploaded (multipart, streamed) and validated to
//     `in_progress`: upload seconds, validation seconds, total, MB/s;
//  2. a 200 MB input (50,000 lines of ~4 KB) through a fresh gateway process: its peak RSS
//     (VmHWM) once the batch is `in_progress`, showing the file is streamed end to end.
//
//   npm run bench:ingest -- [--rounds 3] [--skip-large]
import { createWriteStream, openAsBlob } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  auth,
  createBatch,
  freshDatabase,
  median,
  peakRssMb,
  startGateway,
  uploadFile,
  waitForStatus,
  writeConfig,
} from './lib.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, 'skip-large': { type: 'boolean', default: false } },
});

const config = writeConfig({
  providers: { mock: { type: 'mock', maxConcurrency: 8, latencyMs: 1000 } },
  models: { 'bench-chat': { provider: 'mock' } },
});

/** One JSONL line of about `size` bytes. */
function line(i: number, size: number): string {
  const head = { custom_id: `line-${i}`, method: 'POST', url: '/v1/chat/completions' };
  const skeleton = JSON.stringify({
    ...head,
    body: { model: 'bench-chat', messages: [{ role: 'user', content: '' }], max_tokens: 64 },
  });
  const content = `Summarize item ${i}: `.padEnd(Math.max(0, size - skeleton.length - 1), 'lorem ipsum ');
  return JSON.stringify({
    ...head,
    body: { model: 'bench-chat', messages: [{ role: 'user', content }], max_tokens: 64 },
  });
}

async function writeInput(path: string, lines: number, size: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (let i = 0; i < lines; i++) {
    const text = `${line(i, size)}\n`;
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return bytes;
}

async function cancel(base: string, id: string) {
  await fetch(`${base}/v1/batches/${id}/cancel`, { method: 'POST', headers: auth });
}

// 1. Throughput of upload + validation.
const smallPath = join(tmpdir(), 'batchgate-bench-ingest-18mb.jsonl');
const smallBytes = await writeInput(smallPath, 50_000, 370);
const gateway = await startGateway(await freshDatabase('batchgate_bench_ingest'), config);
const base = gateway.info.url!;
const totals: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const started = performance.now();
  const fileId = await uploadFile(base, await openAsBlob(smallPath));
  const uploaded = performance.now();
  const id = await createBatch(base, fileId);
  const batch = await waitForStatus(base, id, ['in_progress', 'completed']);
  const validated = performance.now();
  if (batch.request_counts.total !== 50_000)
    throw new Error(`expected 50,000 requests, got ${batch.request_counts.total}`);
  await cancel(base, id);
  const total = (validated - started) / 1000;
  totals.push(total);
  console.log(
    `round ${round + 1}: ${(smallBytes / 1e6).toFixed(1)} MB, 50,000 lines — upload ${((uploaded - started) / 1000).toFixed(2)} s, ` +
      `validate+ingest ${((validated - uploaded) / 1000).toFixed(2)} s, total ${total.toFixed(2)} s (${(smallBytes / 1e6 / total).toFixed(1)} MB/s)`,
  );
}
await gateway.stop();
await rm(smallPath);

// 2. Peak RSS with a 200 MB input on a fresh gateway process.
let peak: number | null = null;
let largeBytes = 0;
if (!values['skip-large']) {
  const largePath = join(tmpdir(), 'batchgate-bench-ingest-200mb.jsonl');
  largeBytes = await writeInput(largePath, 50_000, 4000);
  const fresh = await startGateway(await freshDatabase('batchgate_bench_ingest_large'), config);
  const started = performance.now();
  const fileId = await uploadFile(fresh.info.url!, await openAsBlob(largePath));
  const id = await createBatch(fresh.info.url!, fileId);
  const batch = await waitForStatus(fresh.info.url!, id, ['in_progress', 'completed']);
  const seconds = (performance.now() - started) / 1000;
  peak = peakRssMb(fresh.proc.pid!);
  await cancel(fresh.info.url!, id);
  console.log(
    `200 MB input: ${(largeBytes / 1e6).toFixed(1)} MB, ${batch.request_counts.total} lines, uploaded and validated in ${seconds.toFixed(1)} s; gateway peak RSS ${peak.toFixed(0)} MB`,
  );
  await fresh.stop();
  await rm(largePath);
}
console.log(
  JSON.stringify({
    lines: 50_000,
    megabytes: +(smallBytes / 1e6).toFixed(1),
    uploadAndValidateSeconds: +median(totals).toFixed(2),
    megabytesPerSecond: +(smallBytes / 1e6 / median(totals)).toFixed(1),
    largeInputMegabytes: largeBytes ? +(largeBytes / 1e6).toFixed(1) : null,
    largeInputPeakRssMb: peak === null ? null : Math.round(peak),
  }),
);
