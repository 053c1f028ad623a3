// The built `batchgate` bin as a client of an in-process gateway (non-TTY unless said otherwise):
// every command, every exit code, the files --out writes, Ctrl-C while watching, the progress bar
// under a pseudo-terminal, and the README's `npx batchgate …` invocation.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildBin, runBin, start, workDir } from '../support/cli.js';
import { type FakeGateway, faultLine as line, startFakeGateway } from '../support/fake-gateway.js';
import { toJsonl } from '../support/jsonl.js';
import { freePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

let gw: FakeGateway;
let key: string;
let work: ReturnType<typeof workDir>;
let env: Record<string, string>;

beforeAll(async () => {
  const [gateway] = await Promise.all([
    startFakeGateway({
      providers: { mock: { type: 'mock', maxConcurrency: 1, latencyMs: 60 } },
      models: { 'mock-chat': { provider: 'mock', inputPricePerMillion: 0.15 } },
    }),
    buildBin(),
  ]);
  gw = gateway;
  key = (await gw.tenant()).key;
  work = workDir('cli');
  env = { BATCHGATE_URL: gw.url, BATCHGATE_API_KEY: key };
}, 240_000); // the build (tsc) takes a few seconds alone and minutes on a busy machine
afterAll(async () => {
  work?.remove();
  await gw?.close();
});

const cli = (...args: string[]) => runBin(args, { cwd: work.dir, env });
const createdId = (stdout: string) => /Created (batch_\w+)/.exec(stdout)![1]!;

function writeInput(name: string, lines: unknown[]): string {
  const path = join(work.dir, name);
  writeFileSync(path, toJsonl(lines));
  return path;
}

const batchOf = async (id: string) =>
  (await (await fetch(`${gw.url}/v1/batches/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
    status: string;
    metadata: Record<string, string> | null;
  };

/** An HTTP proxy to the gateway that records every JSON request body the CLI sends. */
async function recordingProxy() {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const forwarded = (headers: IncomingHttpHeaders) =>
    Object.fromEntries(
      Object.entries(headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
  const server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.headers['content-type'] === 'application/json') {
      sent.push({ method: req.method!, path: req.url!, body: JSON.parse(body.toString()) });
    }
    const answer = await fetch(`${gw.url}${req.url}`, {
      method: req.method,
      headers: forwarded(req.headers),
      body: body.length > 0 ? body : undefined,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, sent, close: () => new Promise((resolve) => server.close(resolve)) };
}

const COMMANDS = ['submit', 'status', 'list', 'watch', 'cancel', 'retry', 'download'];

describe('batchgate CLI', () => {
  it('prints help for the bin and for every command', async () => {
    const root = await cli('--help');
    expect(root.code).toBe(0);
    for (const command of [...COMMANDS, '--role']) expect(root.stdout).toContain(command);
    for (const command of COMMANDS) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: batchgate ${command}`);
      expect(help.stdout).toContain('--url');
    }
  });

  it('exits 2 on a usage error', async () => {
    const input = writeInput('usage.jsonl', [line('u')]);
    for (const args of [
      ['bogus'],
      ['submit'],
      ['submit', join(work.dir, 'missing.jsonl')],
      ['submit', input, '--mode', 'fastest'],
      ['submit', input, '--metadata', 'novalue'],
      ['list', '--limit', '0'],
      ['status', 'batch_x', '--url', 'ftp://example.com'],
      ['status', 'batch_does_not_exist'],
    ]) {
      const run = await cli(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).not.toBe('');
    }
    const noKey = await runBin(['list'], { cwd: work.dir, env: { BATCHGATE_URL: gw.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('No API key');
  });

  it('exits 3 when the gateway cannot be reached or refuses the key', async () => {
    const unreachable = await cli('list', '--url', `http://127.0.0.1:${await freePort()}`);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('Cannot reach the gateway');
    const refused = await cli('list', '--key', 'not-a-key');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('refused the key');
  });

  it('submits, follows the batch with one line per change, writes both result files, and retries (exit 0)', async () => {
    const input = writeInput('mixed.jsonl', [line('m-1'), line('m-bad', '400'), line('m-2'), line('m-3', '500')]);
    const out = join(work.dir, 'mixed-out');
    const run = await cli('submit', input, '--watch', '--out', out, '--metadata', 'team=search', '--metadata', 'run=7');
    expect(run.code).toBe(0);
    const id = createdId(run.stdout);
    const progress = run.stdout.split('\n').filter((l) => new RegExp(`^${id} \\w+ \\d+/4 `).test(l));
    expect(progress.at(-1)).toMatch(/ completed 4\/4 \(2 completed, 2 failed\) \$/);
    expect(new Set(progress).size).toBe(progress.length);
    const output = readFileSync(join(out, `${id}.output.jsonl`), 'utf8')
      .trim()
      .split('\n');
    const errors = readFileSync(join(out, `${id}.errors.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(output.map((l) => JSON.parse(l).custom_id)).toEqual(['m-1', 'm-2']);
    expect(errors.map((l) => JSON.parse(l).custom_id)).toEqual(['m-bad', 'm-3']);
    expect((await batchOf(id)).metadata).toEqual({ team: 'search', run: '7' });

    const status = await cli('status', id);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${id}  completed`);
    expect(status.stdout).toContain('4/4 done: 2 completed, 2 failed');
    expect(JSON.parse((await cli('status', id, '--json')).stdout)).toMatchObject({ id, object: 'batch' });
    const list = await cli('list', '--json');
    expect(JSON.parse(list.stdout).data.map((b: { id: string }) => b.id)).toContain(id);
    expect((await cli('list')).stdout).toMatch(new RegExp(`${id}\\s+completed\\s+4/4`));

    const again = join(work.dir, 'downloaded');
    const download = await cli('download', id, '--out', again);
    expect(download.code).toBe(0);
    for (const side of ['output', 'errors']) {
      const name = `${id}.${side}.jsonl`;
      expect(readFileSync(join(again, name), 'utf8')).toBe(readFileSync(join(out, name), 'utf8'));
    }

    const retry = await cli('retry', id, '--watch', '--out', join(work.dir, 'retried'), '--json');
    expect(retry.code).toBe(0);
    const last = JSON.parse(retry.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ status: 'completed', metadata: { team: 'search', run: '7', retry_of: id } });
    expect(last.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    expect(readFileSync(join(work.dir, 'retried', `${last.id}.output.jsonl`), 'utf8')).toBe('');
  });

  it('sends --endpoint, --metadata and --mode in the create body', async () => {
    const proxy = await recordingProxy();
    try {
      const input = writeInput('mode.jsonl', [line('mode-1', 'ok', 'mock-chat')]);
      const args = ['--endpoint', '/v1/chat/completions', '--metadata', 'a=b=c', '--mode', 'direct'];
      const run = await cli('submit', input, ...args, '--url', proxy.url);
      expect(run.code).toBe(0);
      expect(proxy.sent).toEqual([
        {
          method: 'POST',
          path: '/v1/batches',
          body: {
            input_file_id: expect.stringMatching(/^file-/),
            completion_window: '24h',
            endpoint: '/v1/chat/completions',
            metadata: { a: 'b=c' },
            mode: 'direct',
          },
        },
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('exits 1 when the followed batch failed or was cancelled, and 2 when the gateway refuses the request', async () => {
    const failed = await cli('submit', writeInput('invalid.jsonl', [line('i-1', 'ok', 'no-such-model')]), '--watch');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('model_not_found');
    expect((await cli('status', createdId(failed.stdout))).code).toBe(1);

    const submitted = await cli('submit', writeInput('hang.jsonl', [line('h-1', 'hang')]));
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^batch_/);
    expect((await cli('status', id)).code).toBe(0);
    expect((await cli('download', id)).code).toBe(2);
    const cancel = await cli('cancel', id);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^${id} (cancelling|cancelled)`));
    const watched = await cli('watch', id);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(`${id}  cancelled`);
    expect((await cli('cancel', id)).code).toBe(2);

    const clean = await cli('submit', writeInput('clean.jsonl', [line('c-1')]), '--watch');
    expect(clean.code).toBe(0);
    const retry = await cli('retry', createdId(clean.stdout));
    expect(retry.code).toBe(2);
    expect(retry.stderr).toContain('no failed line');
  });

  it('leaves the batch running on Ctrl-C while watching and says how to resume', async () => {
    const id = (await cli('submit', writeInput('ctrl-c.jsonl', [line('cc-1', 'hang')]))).stdout.trim();
    const watching = start(process.execPath, [BIN, 'watch', id], { cwd: work.dir, env });
    await waitFor(() => watching.stdout.includes(id), { what: 'the first update' });
    watching.proc.kill('SIGINT');
    const { code, stderr } = await watching.exited;
    expect(code).toBe(130);
    expect(stderr).toContain(`${id} keeps running`);
    expect(stderr).toContain(`batchgate watch ${id} --url ${gw.url}`);
    expect((await batchOf(id)).status).toBe('in_progress');
    expect((await cli('cancel', id)).code).toBe(0);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('draws a progress bar with done/total, rate, ETA and cost on a terminal', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => line(`tty-${i}`, 'ok', 'mock-chat'));
    const input = writeInput('tty.jsonl', lines);
    // submit --watch: the bar follows the batch from its creation, so it is seen running.
    const command = `'${process.execPath}' '${BIN}' submit '${input}' --watch`;
    const run = await start('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: work.dir, env }).exited;
    const id = createdId(run.stdout);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Watching ${id}`);
    expect(run.stdout).toMatch(/completed \|█+\| 12\/12 \| [\d.]+\/s \| ETA \S+ \| \$0\.\d{6}/);
    expect(run.stdout).toMatch(/in_progress \|[█░]+\| \d+\/12 \| [\d.]+\/s \| ETA \S+ \| \$/);
  });

  it('works as the README shows: npx batchgate submit requests.jsonl --watch --out results/', async () => {
    writeInput('requests.jsonl', [line('readme-1', 'ok', 'mock-chat'), line('readme-2', 'ok', 'mock-chat')]);
    const args = ['batchgate', 'submit', 'requests.jsonl', '--watch', '--out', 'results/'];
    const run = await start('npx', args, { cwd: work.dir, env }).exited;
    expect(run.code).toBe(0);
    const id = createdId(run.stdout);
    expect(
      readFileSync(join(work.dir, 'results', `${id}.output.jsonl`), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);
    expect(readFileSync(join(work.dir, 'results', `${id}.errors.jsonl`), 'utf8')).toBe('');
  });
});
