// `tsc` type-checks a frontend-style client that imports only `type AppRouter`: correct calls
// compile with the right result types, and each wrong call in the fixture is a compile error.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('./fixtures/tsconfig.json', import.meta.url));

describe('AppRouter for typed clients', () => {
  it('type-checks the typed client fixture with tsc', async () => {
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', project]).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
