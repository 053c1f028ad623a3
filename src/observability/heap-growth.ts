// How far V8 lets the heap grow past what survived the last full collection before collecting
// again. Its default (up to ~4× on a small heap) let a worker with 1,000 requests in flight reach
// 390 MB of RSS, mostly garbage promoted while requests waited on the upstream; at 1.3× the peak
// was 232 MB, for 10–25 % more gateway CPU at that load and no measurable change at 64 in flight
// (bench/throughput.ts). V8 reads the flag at every collection, so setting it at start takes
// effect; a `--heap-growing-percent` given to node itself wins.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

/** Set the factor unless node was started with one; returns the flag set, or null. */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string | null {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) return null;
  const flag = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
  setFlags(flag);
  return flag;
}
