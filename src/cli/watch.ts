// Follow a batch to its end on screen, then optionally write its results. Ctrl-C stops watching
// only: the batch keeps running and the command says how to resume. Submit and retry end here too,
// printing the batch they created or following it.
import type { BatchObject, GatewayClient } from './client.js';
import { barDisplay, type Display, jsonDisplay, lineDisplay } from './display.js';
import { EXIT } from './errors.js';
import { followBatch } from './follow.js';
import { statusReport } from './format.js';
import { resumeCommand } from './options.js';
import { downloadResults, exitCodeOf } from './results.js';

export interface WatchOptions {
  json?: boolean;
  /** Write the output and error files here once the batch has ended. */
  out?: string;
  /** How to start watching again, shown after Ctrl-C. */
  resume: string;
}

export async function watchBatch(client: GatewayClient, id: string, options: WatchOptions): Promise<number> {
  const onTerminal = process.stdout.isTTY && !options.json;
  const display: Display = options.json ? jsonDisplay() : onTerminal ? await barDisplay() : lineDisplay();
  if (onTerminal) process.stdout.write(`Watching ${id} (Ctrl-C stops watching; the batch keeps running)\n`);
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort();
  process.on('SIGINT', interrupt);
  let last: BatchObject | undefined;
  try {
    for await (const batch of followBatch(client, id, interrupted.signal)) {
      last = batch;
      display.update(batch);
    }
  } catch (error) {
    if (!interrupted.signal.aborted) throw error;
    process.stderr.write(`\nStopped watching; ${id} keeps running. Resume with: ${options.resume}\n`);
    return EXIT.interrupted;
  } finally {
    display.stop();
    process.off('SIGINT', interrupt);
  }
  return finish(client, last!, options);
}

/**
 * The end of submit and retry, given the batch they created: print it (its id, or the object with
 * --json) or, with --watch or --out, say where it came from and follow it.
 */
export async function printOrWatch(
  client: GatewayClient,
  batch: BatchObject,
  from: string,
  options: { json?: boolean; watch?: boolean; out?: string },
): Promise<number> {
  if (!(options.watch || options.out)) {
    process.stdout.write(options.json ? `${JSON.stringify(batch)}\n` : `${batch.id}\n`);
    return EXIT.ok;
  }
  if (!options.json) process.stdout.write(`Created ${batch.id} from ${from}\n`);
  const resume = resumeCommand(client, batch.id, options.out);
  return watchBatch(client, batch.id, { json: options.json, out: options.out, resume });
}

/** After a batch has ended (a terminal status): its report (unless --json), its files (with --out), its exit code. */
export async function finish(client: GatewayClient, batch: BatchObject, options: Omit<WatchOptions, 'resume'>) {
  if (!options.json) process.stdout.write(statusReport(batch));
  if (options.out) {
    const written = await downloadResults(client, batch, options.out);
    const summary = written.map((f) => `${f.path} (${f.lines} lines)`).join(', ');
    if (options.json) process.stderr.write(`Wrote ${summary}\n`);
    else process.stdout.write(`Wrote ${summary}\n`);
  }
  return exitCodeOf(batch);
}
