// Measuring retained memory in a test: a forced GC (exposed at run time) before each reading, so
// what is counted is what the code under test holds on to, not garbage waiting for collection.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Largest retained growth over a baseline, sampled every `every` items of a stream. */
export async function peakRetainedWhile<T>(
  stream: AsyncIterable<T>,
  each: (item: T) => void,
  every = 1000,
): Promise<number> {
  const gc = exposeGc();
  const retained = () => {
    gc();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const baseline = retained();
  let peak = 0;
  let seen = 0;
  for await (const item of stream) {
    each(item);
    if (++seen % every === 0) peak = Math.max(peak, retained() - baseline);
  }
  return Math.max(peak, retained() - baseline);
}
