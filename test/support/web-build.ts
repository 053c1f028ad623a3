// The dashboard built fresh for browser tests (Vite, the project's own config) into a temp dir, so a
// test never runs against a stale dist/web.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { packageRoot } from '../../src/db/client.js';

export interface BuiltDashboard {
  root: string;
  remove(): void;
}

export async function buildDashboard(): Promise<BuiltDashboard> {
  const root = mkdtempSync(join(tmpdir(), 'batchgate-web-'));
  await build({
    configFile: join(packageRoot(), 'web', 'vite.config.ts'),
    build: { outDir: root, emptyOutDir: true },
    logLevel: 'error',
  });
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
