// A finished batch's results on disk: `<id>.output.jsonl` and `<id>.errors.jsonl` in a directory,
// streamed from the gateway (a side without lines is written empty, so both files always exist),
// and the exit code a finished batch means.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chunksOf } from '../streams/readable-chunks.js';
import type { BatchObject, GatewayClient } from './client.js';
import { EXIT } from './errors.js';

export const exitCodeOf = (batch: BatchObject) => (batch.status === 'completed' ? EXIT.ok : EXIT.batchUnsuccessful);

interface WrittenFile {
  path: string;
  lines: number;
}

export async function downloadResults(client: GatewayClient, batch: BatchObject, dir: string): Promise<WrittenFile[]> {
  await mkdir(dir, { recursive: true });
  const sides: [string | null, string][] = [
    [batch.output_file_id, `${batch.id}.output.jsonl`],
    [batch.error_file_id, `${batch.id}.errors.jsonl`],
  ];
  const written: WrittenFile[] = [];
  for (const [fileId, name] of sides) {
    const path = join(dir, name);
    written.push({ path, lines: fileId ? await download(client, fileId, path) : await empty(path) });
  }
  return written;
}

async function empty(path: string): Promise<number> {
  await writeFile(path, '');
  return 0;
}

/** Stream a file's content to `path` (through a `.part` file, so a broken download leaves no half file). */
async function download(client: GatewayClient, fileId: string, path: string): Promise<number> {
  const res = await client.request('GET', `/v1/files/${encodeURIComponent(fileId)}/content`);
  const partial = `${path}.part`;
  const file = createWriteStream(partial);
  let lines = 0;
  try {
    for await (const chunk of chunksOf(res.body!)) {
      for (const byte of chunk) if (byte === 10) lines++;
      if (!file.write(chunk)) await once(file, 'drain');
    }
    file.end();
    await once(file, 'finish');
  } catch (error) {
    file.destroy();
    throw error;
  }
  await rename(partial, path);
  return lines;
}
