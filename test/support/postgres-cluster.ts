// A throwaway PostgreSQL cluster for one test: `initdb` into a temp dir and `pg_ctl` start/stop on
// a free port, from the installed server binaries. PostgreSQL refuses to run as root, so when the
// tests run as root the cluster runs as the `postgres` user (or `nobody`), owning its temp dir.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** The bin dir holding initdb and pg_ctl: the newest under /usr/lib/postgresql, else pg_config's; null when none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  const candidates = existsSync(root)
    ? readdirSync(root)
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(root, version, 'bin'))
    : [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

/** uid/gid to run PostgreSQL as: this process's own unless it is root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  start(): Promise<void>;
  /** Fast shutdown: sessions are terminated, new connections refused. */
  stop(): Promise<void>;
  /** Stop (if running) and delete every file. */
  destroy(): Promise<void>;
  /** The server log so far, for failure messages. */
  log(): string;
}

export async function createPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'batchgate-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const pg = (tool: string, args: string[]) =>
    run(join(binDir, tool), args, { ...user, cwd: dir, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } });

  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  // Never outlive the test process, whatever happens to the test.
  const reap = () => {
    if (running)
      execFileSync(join(binDir, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data], {
        ...user,
        cwd: dir,
        stdio: 'ignore',
      });
  };
  process.once('exit', reap);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await pg('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', logFile, '-o', options]);
      running = true;
    },
    async stop() {
      await pg('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'fast', '-D', data]);
      running = false;
    },
    async destroy() {
      process.off('exit', reap);
      if (running) await pg('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', data]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}
