// LOG_FORMAT=pretty in a real process: human-readable lines, not JSON (how the variable is read
// and validated is in config.test.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/db/client.js';
import { TEST_ADMIN_KEY } from '../support/gateway.js';

describe('LOG_FORMAT', () => {
  it('writes human-readable lines from a real process when pretty', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchgate-logs-'));
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: packageRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        BATCHGATE_ADMIN_KEY: TEST_ADMIN_KEY,
        BATCHGATE_DATA_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_FORMAT: 'pretty',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: proc.stdout! }).on('line', (l) => {
          if (l.includes('batchgate is ready')) resolve(l);
        });
        proc.once('exit', (code) => reject(new Error(`exited ${code} before it was ready`)));
      });
      expect(() => JSON.parse(line)).toThrow();
      expect(line).toMatch(/INFO.*batchgate is ready/);
    } finally {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
