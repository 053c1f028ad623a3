// `batchgate cancel <id>`: stop a batch; what already ran is kept.
import type { Command } from 'commander';
import type { BatchObject } from '../client.js';
import { EXIT } from '../errors.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';

export function cancelCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program.command('cancel').description('Cancel a batch (partial results are kept)').argument('<id>', 'batch id'),
  ).action(async (id: string, options: CommonOptions) => {
    const batch = await clientFor(options).json<BatchObject>('POST', `/v1/batches/${encodeURIComponent(id)}/cancel`);
    process.stdout.write(options.json ? `${JSON.stringify(batch)}\n` : `${batch.id} ${batch.status}\n`);
    done(EXIT.ok);
  });
}
