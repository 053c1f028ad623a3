// A temporary file of JSON values, written once and read back in order: lets a long download (a
// provider batch's results) finish before the short transaction that stores it begins.

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';

export class JsonSpool<T> {
  private count = 0;

  private constructor(
    private readonly dir: string,
    private readonly file: ReturnType<typeof createWriteStream>,
  ) {}

  static async open<T>(): Promise<JsonSpool<T>> {
    const dir = await mkdtemp(join(tmpdir(), 'batchgate-spool-'));
    return new JsonSpool<T>(dir, createWriteStream(join(dir, 'values.jsonl')));
  }

  get size(): number {
    return this.count;
  }

  async add(value: T): Promise<void> {
    this.count++;
    if (!this.file.write(`${JSON.stringify(value)}\n`)) await once(this.file, 'drain');
  }

  /** Every value added, in order (ends the writing; may be read again). */
  async *read(): AsyncGenerator<T> {
    if (!this.file.writableEnded) this.file.end();
    await finished(this.file);
    const lines = createInterface({ input: createReadStream(join(this.dir, 'values.jsonl')), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as T;
  }

  /** Delete the file (always call, in a finally). */
  async remove(): Promise<void> {
    this.file.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}
