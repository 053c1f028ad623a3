// `batchgate watch <id>`: follow a batch live to its end (and write its results with --out).
import type { Command } from 'commander';
import { type CommonOptions, clientFor, resumeCommand, withCommonOptions } from '../options.js';
import { watchBatch } from '../watch.js';

interface WatchOptions extends CommonOptions {
  out?: string;
}

export function watchCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program
      .command('watch')
      .description('Follow a batch live until it ends (Ctrl-C stops watching; the batch keeps running)')
      .argument('<id>', 'batch id')
      .option('--out <dir>', 'when it ends, write <batch id>.output.jsonl and .errors.jsonl here'),
  ).action(async (id: string, options: WatchOptions) => {
    const client = clientFor(options);
    done(
      await watchBatch(client, id, {
        json: options.json,
        out: options.out,
        resume: resumeCommand(client, id, options.out),
      }),
    );
  });
}
