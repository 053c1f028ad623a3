// `batchgate retry <id>`: a new batch holding the failed lines of a finished one; like submit, it
// can follow the new batch (--watch) and write its results (--out).
import type { Command } from 'commander';
import type { BatchObject } from '../client.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';
import { printOrWatch } from '../watch.js';

interface RetryOptions extends CommonOptions {
  watch?: boolean;
  out?: string;
}

export function retryCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program
      .command('retry')
      .description("Create a new batch from a finished batch's failed lines (every line that did not end 2xx)")
      .argument('<id>', 'batch id')
      .option('--watch', 'follow the new batch to its end')
      .option('--out <dir>', 'when it ends, write its output and error files here (implies --watch)'),
  ).action(async (id: string, options: RetryOptions) => {
    const client = clientFor(options);
    const batch = await client.json<BatchObject>('POST', `/v1/batches/${encodeURIComponent(id)}/retry`);
    done(await printOrWatch(client, batch, `the failed lines of ${id}`, options));
  });
}
