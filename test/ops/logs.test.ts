// Log format: LOG_FORMAT=pretty|json, validated with the rest of the environment; unset, pretty on
// a terminal and JSON lines otherwise. A real process started with LOG_FORMAT=pretty writes
// human-readable lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { packageRoot } from '../../src/db/client.js';
import { TEST_ADMIN_KEY } from '../support/gateway.js';

const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env, []);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('LOG_FORMAT', () => {
  it('defaults to pretty on a terminal and JSON otherwise; an explicit value wins', () => {
    expect(loadConfig({}, [], true).logFormat).toBe('pretty');
    expect(loadConfig({}, [], false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, [], true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, [], false).logFormat).toBe('pretty');
  });

  it('reports a bad LOG_FORMAT (and a bad OTLP endpoint) together with the other problems', () => {
    const problems = problemsOf({ LOG_FORMAT: 'xml', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', PORT: 'x' });
    expect(problems.map((p) => p.path).sort()).toEqual(['LOG_FORMAT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'PORT']);
  });

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
