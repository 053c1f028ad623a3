// The built `batchgate` bin (dist/main.js) as a subprocess in tests: build it, run a command to its
// exit, or start one and interact with it while it runs. Working directories live under the
// repository's ignored .tmp/, so `npx batchgate` resolves this package's own bin there.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/db/client.js';

export const BIN = join(packageRoot(), 'dist', 'main.js');

export async function buildBin(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: packageRoot() });
}

/** A fresh working directory inside the repository (ignored by git); removed by the returned function. */
export function workDir(name: string): { dir: string; remove: () => void } {
  const dir = join(packageRoot(), '.tmp', `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  proc: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<Finished>;
}

export interface RunOptions {
  cwd: string;
  /** The whole environment of the child (nothing is inherited but PATH and HOME). */
  env?: Record<string, string>;
}

export function start(file: string, args: string[], options: RunOptions): Running {
  const proc = spawn(file, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Finished>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    proc,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** `node dist/main.js …args` to its exit. */
export const runBin = (args: string[], options: RunOptions) => start(process.execPath, [BIN, ...args], options).exited;
