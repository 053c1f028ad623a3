// Where the gateway is and which key to send: --url / BATCHGATE_URL (default
// http://localhost:8080), --key / BATCHGATE_API_KEY, else the admin key a local gateway generated
// in its data dir ($BATCHGATE_DATA_DIR/admin-key, default ./.batchgate).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, EXIT } from './errors.js';

export const DEFAULT_URL = 'http://localhost:8080';

export interface ConnectionOptions {
  url?: string;
  key?: string;
}

export interface Connection {
  url: string;
  key: string;
}

export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = options.url || env.BATCHGATE_URL || DEFAULT_URL;
  try {
    if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http');
  } catch {
    throw new CliError(`--url must be an http(s) URL, got '${url}'.`, EXIT.usage);
  }
  return { url: url.replace(/\/+$/, ''), key: options.key || env.BATCHGATE_API_KEY || localAdminKey(env) };
}

function localAdminKey(env: NodeJS.ProcessEnv): string {
  const path = join(resolve(env.BATCHGATE_DATA_DIR || './.batchgate'), 'admin-key');
  try {
    const key = readFileSync(path, 'utf8').trim();
    if (key) return key;
  } catch {
    // reported below
  }
  throw new CliError(`No API key: pass --key, set BATCHGATE_API_KEY, or run next to a gateway's ${path}.`, EXIT.usage);
}
