// What every client command shares: --url, --key and --json, the client they make, and the
// command line that resumes watching a batch.
import type { Command } from 'commander';
import { GatewayClient } from './client.js';
import { DEFAULT_URL, resolveConnection } from './connection.js';

export interface CommonOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--url <url>', `gateway URL (default: $BATCHGATE_URL or ${DEFAULT_URL})`)
    .option('--key <key>', 'API key (default: $BATCHGATE_API_KEY, else $BATCHGATE_DATA_DIR/admin-key)')
    .option('--json', 'print JSON instead of text');
}

export const clientFor = (options: CommonOptions) => new GatewayClient(resolveConnection(options));

export function resumeCommand(client: GatewayClient, id: string, out?: string): string {
  const url = client.connection.url === DEFAULT_URL ? '' : ` --url ${client.connection.url}`;
  return `batchgate watch ${id}${url}${out ? ` --out ${out}` : ''}`;
}
