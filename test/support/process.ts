// batchgate as a real child process (`tsx src/main.ts`), for crash, shutdown and multi-worker tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/db/client.js';
import { TEST_ADMIN_KEY } from './gateway.js';

export interface ChildGateway {
  proc: ChildProcess;
  /** Base URL once ready. */
  url: string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  log: string[];
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

export async function spawnGateway(env: Record<string, string>, args: string[] = []): Promise<ChildGateway> {
  const root = packageRoot();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BATCHGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never outlive the test process, whatever happens to the test.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  const log: string[] = [];
  const exited = once(proc, 'exit').then(([code, signal]) => {
    process.off('exit', reap);
    return (code ?? signal) as number | string;
  });
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      log.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'batchgate is ready' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    createInterface({ input: proc.stderr! }).on('line', (line) => log.push(line));
    void exited.then((code) => reject(new Error(`batchgate exited (${code}) before it was ready:\n${log.join('\n')}`)));
  });
  const url = await ready;
  return {
    proc,
    url,
    exited,
    log,
    async kill(signal) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
