// What `npm start` gives a newcomer: a real process with no configuration at all serves on the
// embedded PGlite with the mock provider, generates an admin key (mode 0600) in the data dir,
// and runs a batch end to end.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, submit, untilTerminal } from './support/batches.js';
import { chatLine } from './support/jsonl.js';
import { type ChildGateway, spawnGateway } from './support/process.js';

describe('npm start with no configuration', { timeout: 120_000 }, () => {
  let dir: string;
  let child: ChildGateway;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batchgate-smoke-'));
    child = await spawnGateway({ BATCHGATE_DATA_DIR: dir, BATCHGATE_ADMIN_KEY: '' });
  });
  afterAll(async () => {
    await child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /health, keeps a generated admin key private, and completes a batch on the mock', async () => {
    expect(await (await fetch(`${child.url}/health`)).json()).toEqual({ status: 'ok' });
    const keyPath = join(dir, 'admin-key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(child.log.join('\n')).toContain(keyPath);
    const admin = readFileSync(keyPath, 'utf8').trim();

    const client = new OpenAI({ apiKey: admin, baseURL: `${child.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock-chat', 'mock-embedding', 'mock-moderation']);
    const batch = await submit(client, [chatLine('a', 'hello'), chatLine('b', 'world')]);
    const done = await untilTerminal(client, batch.id, 30_000);
    const output = await readJsonl(client, done.output_file_id);
    expect(output.map((l) => l.response!.body.choices[0].message.content)).toEqual(['MOCK: hello', 'MOCK: world']);
    expect(await child.kill('SIGTERM')).toBe(0);
  });
});
