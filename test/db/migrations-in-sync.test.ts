// The committed migrations are the tables: drizzle-kit, run against a copy of schema/migrations,
// finds nothing to generate. After changing src/db/tables, run `npx drizzle-kit generate --name …`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder, packageRoot } from '../../src/db/client.js';

describe('migrations', () => {
  it('match src/db/tables (drizzle-kit generates nothing new)', () => {
    const root = packageRoot();
    const copy = join(mkdtempSync(join(tmpdir(), 'batchgate-migrations-')), 'migrations');
    try {
      cpSync(migrationsFolder(), copy, { recursive: true });
      const before = readdirSync(copy).sort();
      const bin = join(root, 'node_modules', '.bin', 'drizzle-kit');
      // drizzle-kit reads --out relative to the working directory.
      const args = ['generate', '--dialect', 'postgresql', '--schema', './src/db/index.ts', '--casing', 'snake_case'];
      const output = execFileSync(bin, [...args, '--out', relative(root, copy)], { cwd: root, encoding: 'utf8' });
      expect(output).toContain('No schema changes');
      expect(readdirSync(copy).sort()).toEqual(before);
    } finally {
      rmSync(join(copy, '..'), { recursive: true, force: true });
    }
  }, 60_000);
});
