// The JSON spool a native collection downloads into: values come back in order, as written (text
// with newlines too), as often as read, and the file is gone once removed.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { JsonSpool } from '../../src/engine/spool.js';

const spoolDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('batchgate-spool-'));

describe('JsonSpool', () => {
  it('gives back every value in order, twice, and leaves nothing behind', async () => {
    const before = new Set(await spoolDirs());
    const spool = await JsonSpool.open<{ n: number; text: string | null }>();
    const mine = (await spoolDirs()).filter((name) => !before.has(name));
    expect(mine).toHaveLength(1);
    for (let n = 0; n < 20_000; n++) await spool.add({ n, text: n % 2 ? 'line\nbreak "quoted" é' : null });
    expect(spool.size).toBe(20_000);

    const first: number[] = [];
    for await (const value of spool.read()) {
      expect(value.text).toBe(value.n % 2 ? 'line\nbreak "quoted" é' : null);
      first.push(value.n);
    }
    expect(first).toEqual(Array.from({ length: 20_000 }, (_, n) => n));
    let again = 0;
    for await (const _ of spool.read()) again++;
    expect(again).toBe(20_000);

    await spool.remove();
    expect(existsSync(`${tmpdir()}/${mine[0]}`)).toBe(false);
  });

  it('reads nothing from an empty spool', async () => {
    const spool = await JsonSpool.open<number>();
    const values: number[] = [];
    for await (const value of spool.read()) values.push(value);
    expect(values).toEqual([]);
    await spool.remove();
  });
});
