// How a followed batch is shown: a progress bar on a terminal (done/total, rate, ETA, cost), one
// line per change otherwise, or one JSON object per change with --json.
import type { BatchObject } from './client.js';
import { cost, progressLine } from './format.js';

export interface Display {
  update(batch: BatchObject): void;
  /** Leave the display as it is (a bar stays drawn) and release the terminal. */
  stop(): void;
}

export function lineDisplay(out: NodeJS.WritableStream = process.stdout): Display {
  let last = '';
  return {
    update(batch) {
      const line = progressLine(batch);
      if (line !== last) out.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}

export function jsonDisplay(out: NodeJS.WritableStream = process.stdout): Display {
  return { update: (batch) => void out.write(`${JSON.stringify(batch)}\n`), stop() {} };
}

const duration = (seconds: number) => {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/** The bar shrinks on narrow terminals so the numbers after it stay visible. */
export async function barDisplay(out: NodeJS.WriteStream = process.stdout): Promise<Display> {
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: out,
      format: '{status} |{bar}| {done}/{count} | {rate}/s | ETA {etaText} | {cost}',
      barsize: Math.max(10, Math.min(40, (out.columns || 80) - 64)),
      hideCursor: true,
      fps: 10,
    },
    Presets.shades_classic,
  );
  let started = false;
  let origin: { at: number; done: number } | undefined;
  return {
    update(batch) {
      const { total, completed, failed } = batch.request_counts;
      const done = completed + failed;
      const now = Date.now();
      if (!origin && batch.status === 'in_progress') origin = { at: now, done };
      const elapsed = origin ? (now - origin.at) / 1000 : 0;
      const rate = origin && elapsed > 0 ? (done - origin.done) / elapsed : 0;
      const payload = {
        status: batch.status,
        done,
        count: total,
        rate: rate.toFixed(1),
        etaText: rate > 0 ? duration((total - done) / rate) : '--',
        cost: cost(batch),
      };
      if (!started) bar.start(Math.max(total, 1), done, payload);
      else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
