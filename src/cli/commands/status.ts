// `batchgate status <id>`: one batch's state. Exits like a followed batch once it has ended
// (0 completed, 1 failed/expired/cancelled), 0 while it runs.
import type { Command } from 'commander';
import { isTerminal } from '../../domain/batches/batch.js';
import { EXIT } from '../errors.js';
import { statusReport } from '../format.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';
import { exitCodeOf } from '../results.js';

export function statusCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program.command('status').description("Show a batch's status, counts, usage and cost").argument('<id>', 'batch id'),
  ).action(async (id: string, options: CommonOptions) => {
    const batch = await clientFor(options).getBatch(id);
    process.stdout.write(options.json ? `${JSON.stringify(batch)}\n` : statusReport(batch));
    done(isTerminal(batch.status) ? exitCodeOf(batch) : EXIT.ok);
  });
}
