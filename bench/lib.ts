// Shared benchmark plumbing: child processes (fake upstream, gateway), a fresh PostgreSQL
// database, the REST calls of a batch's life, and peak RSS from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { postgresConnection } from '../src/db/client.js';

export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const root = new URL('..', import.meta.url).pathname;

export interface Child {
  proc: ChildProcess;
  info: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Start `node <script>` (through tsx for a .ts script) and wait for the first stdout JSON line
 * with `key`. BENCH_NODE_FLAGS adds node flags (e.g. --cpu-prof).
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  key: string,
  args: string[] = [],
): Promise<Child> {
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  if (script.endsWith('.ts')) flags.push('--import', 'tsx');
  const proc = spawn(process.execPath, [...flags, script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => proc.kill('SIGKILL'));
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, string>;
        if (entry[key]) resolve(entry);
      } catch {
        // not JSON
      }
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    proc,
    info,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

export async function freshDatabase(name: string): Promise<string> {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = postgresConnection(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export function writeConfig(config: unknown): string {
  const path = join(tmpdir(), `batchgate-bench-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** The gateway as `npm start` runs it: compiled JavaScript (the bench:* scripts build first). */
export async function startGateway(databaseUrl: string, configPath: string): Promise<Child> {
  if (!existsSync(join(root, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first');
  return startChild(
    'dist/main.js',
    {
      DATABASE_URL: databaseUrl,
      BATCHGATE_CONFIG: configPath,
      BATCHGATE_ADMIN_KEY: ADMIN_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BATCHGATE_DATA_DIR: join(tmpdir(), 'batchgate-bench-data'),
    },
    'url',
  );
}

export const auth = { authorization: `Bearer ${ADMIN_KEY}` };

export async function uploadFile(base: string, content: Blob, name = 'input.jsonl'): Promise<string> {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', content, name);
  const res = await fetch(`${base}/v1/files`, { method: 'POST', headers: auth, body: form });
  if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function createBatch(base: string, inputFileId: string): Promise<string> {
  const res = await fetch(`${base}/v1/batches`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' }),
  });
  if (!res.ok) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export interface BatchView {
  status: string;
  output_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
  errors: unknown;
}

export async function getBatch(base: string, id: string): Promise<BatchView> {
  return (await (await fetch(`${base}/v1/batches/${id}`, { headers: auth })).json()) as BatchView;
}

/**
 * Wait for one of `statuses` through the `batchUpdated` subscription (GraphQL over SSE), the way a
 * client would: no polling, so nothing but the batch's own events costs the gateway anything, and
 * the moment is exact. Returns the batch as REST shows it then.
 */
export async function waitForStatus(base: string, id: string, statuses: string[]): Promise<BatchView> {
  const ended = ['completed', 'failed', 'cancelled', 'expired'];
  const abort = new AbortController();
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    signal: abort.signal,
    headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription ($id: ID!) { batchUpdated(id: $id) { status } }', variables: { id } }),
  });
  if (!res.ok || !res.body) throw new Error(`subscribe failed: ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    const reader = res.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffered += decoder.decode(chunk.value, { stream: true });
      const blocks = buffered.split('\n\n');
      buffered = blocks.pop()!;
      for (const block of blocks) {
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5))
          .join('');
        if (!data) continue;
        const status = (JSON.parse(data) as { data?: { batchUpdated?: { status: string } } }).data?.batchUpdated
          ?.status;
        const current = status?.toLowerCase() ?? '';
        if (statuses.includes(current) || ended.includes(current)) {
          const batch = await getBatch(base, id);
          if (!statuses.includes(batch.status)) {
            throw new Error(`batch ended ${batch.status}: ${JSON.stringify(batch.errors)}`);
          }
          return batch;
        }
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error(`the subscription to ${id} ended before it reached ${statuses.join('|')}`);
}

/** CPU milliseconds (user + system) a process has used, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU milliseconds used by every PostgreSQL server process on the host. */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMs(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Peak resident set size of a process, from the kernel (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function chatLines(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `${prefix}-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'bench-chat',
        messages: [{ role: 'user', content: `Say something about the number ${i}.` }],
        max_tokens: 16,
      },
    }),
  );
}
