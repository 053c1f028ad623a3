// `batchgate submit <file.jsonl>`: upload the file, create a batch from it, and optionally follow
// it to its end (--watch) and write its results (--out, which implies --watch).
import { statSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BatchObject } from '../client.js';
import { CliError, EXIT } from '../errors.js';
import { type CommonOptions, clientFor, withCommonOptions } from '../options.js';
import { printOrWatch } from '../watch.js';

interface SubmitOptions extends CommonOptions {
  endpoint?: string;
  metadata?: Record<string, string>;
  mode?: string;
  watch?: boolean;
  out?: string;
}

function metadataEntry(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function submitCommand(program: Command, done: (code: number) => void): void {
  withCommonOptions(
    program
      .command('submit')
      .description('Upload a JSONL file of requests and create a batch from it')
      .argument('<file>', 'JSONL file, one request per line ({custom_id, method, url, body})')
      .option('--endpoint <endpoint>', "the batch's endpoint (default: the lines' url)")
      .option('--metadata <key=value>', 'a metadata entry; repeat for more', metadataEntry)
      .addOption(new Option('--mode <mode>', 'how lines are run').choices(['auto', 'native', 'direct']))
      .option('--watch', 'follow the batch to its end')
      .option('--out <dir>', 'when it ends, write <batch id>.output.jsonl and .errors.jsonl here (implies --watch)'),
  ).action(async (file: string, options: SubmitOptions) => {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new CliError(`No such file: ${file}`, EXIT.usage);
    const client = clientFor(options);
    const uploaded = await client.uploadBatchFile(file);
    const batch = await client.json<BatchObject>('POST', '/v1/batches', {
      json: {
        input_file_id: uploaded.id,
        completion_window: '24h',
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(options.mode ? { mode: options.mode } : {}),
      },
    });
    done(await printOrWatch(client, batch, `${file} (${uploaded.id})`, options));
  });
}
