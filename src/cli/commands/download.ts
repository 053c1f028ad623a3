// `batchgate download <id>`: write a finished batch's output and error files
// (<batch id>.output.jsonl, <batch id>.errors.jsonl) into a directory.
import type { Command } from 'commander';
import { isTerminal } from '../../domain/batches/batch.js';
import { CliError, EXIT } from '../errors.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';
import { finish } from '../watch.js';

interface DownloadOptions extends CommonOptions {
  out: string;
}

export function downloadCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program
      .command('download')
      .description("Write a finished batch's output and error files")
      .argument('<id>', 'batch id')
      .option('--out <dir>', 'directory to write into', '.'),
  ).action(async (id: string, options: DownloadOptions) => {
    const client = clientFor(options);
    const batch = await client.getBatch(id);
    if (!isTerminal(batch.status)) {
      throw new CliError(
        `${id} is ${batch.status}; follow it with: batchgate watch ${id} --out ${options.out}`,
        EXIT.usage,
      );
    }
    if (options.json) process.stdout.write(`${JSON.stringify(batch)}\n`);
    done(await finish(client, batch, { json: options.json, out: options.out }));
  });
}
