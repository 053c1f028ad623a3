// `batchgate list`: the key's batches, newest first.
import { type Command, InvalidArgumentError } from 'commander';
import type { BatchObject, ListObject } from '../client.js';
import { EXIT } from '../errors.js';
import { listRow } from '../format.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';

interface ListOptions extends CommonOptions {
  limit: number;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('a whole number from 1 to 100.');
  return n;
}

export function listCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program
      .command('list')
      .description('List batches, newest first')
      .option('--limit <n>', 'how many (1-100)', limit, 20),
  ).action(async (options: ListOptions) => {
    const page = await clientFor(options).json<ListObject<BatchObject>>('GET', `/v1/batches?limit=${options.limit}`);
    if (options.json) process.stdout.write(`${JSON.stringify(page)}\n`);
    else if (page.data.length === 0) process.stdout.write('No batches.\n');
    else process.stdout.write(`${page.data.map(listRow).join('\n')}\n`);
    done(EXIT.ok);
  });
}
