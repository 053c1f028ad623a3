// The Dockerfile and docker-compose.yml against the app they package (no Docker engine needed):
// the image builds what its ENTRYPOINT and HEALTHCHECK run, as a non-root user, with /data as a
// writable volume for PGlite; compose builds the image once, restarts and health-checks every
// batchgate service on /ready, and starts with only BATCHGATE_ADMIN_KEY set — each service's
// environment passes the real config loader with the role its command asks for. The healthcheck
// script itself is run against a live gateway.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config.js';
import { packageRoot } from '../../src/db/client.js';
import { interpolate, parseDockerfile, type Stage, stageEnv } from '../support/container-files.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const root = packageRoot();
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };
const buildConfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string) => {
  const found = instructions(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!;
};
const ignored = read('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** The source file compiled to `dist/<name>.js` by `npm run build`. */
function sourceOf(distPath: string): string {
  const { rootDir, outDir } = buildConfig.compilerOptions;
  expect(distPath.startsWith(`${outDir}/`), distPath).toBe(true);
  return join(rootDir, distPath.slice(outDir.length + 1).replace(/\.js$/, '.ts'));
}

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const batchgateServices = Object.entries(compose.services).filter(([name]) => name !== 'postgres');

describe('Dockerfile', () => {
  it('builds from the current Node LTS line the package supports, the same base for every stage', () => {
    expect(stages.map((s) => s.from)).toEqual([runtime.from, runtime.from]);
    const major = Number(/^node:(\d+)/.exec(runtime.from)?.[1]);
    expect(major % 2, 'LTS lines are even').toBe(0);
    expect(major).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(pkg.engines.node)![1]));
    expect(major).toBeGreaterThanOrEqual(Number(process.versions.node.split('.')[0]));
  });

  it('runs, as a non-root user, the compiled entry point that the build stage produces', () => {
    const [build] = stages;
    expect(instructions(build!, 'RUN').map((i) => i.args)).toContain('npm run build');
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
    const copied = instructions(build!, 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(ignored, `${source} is excluded by .dockerignore`).not.toContain(source);
    }
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'tsconfig.build.json', 'src']));

    const entrypoint = one(runtime, 'ENTRYPOINT').exec!;
    expect(entrypoint[0]).toBe('node');
    expect(existsSync(join(root, sourceOf(entrypoint[1]!)))).toBe(true);
    expect(instructions(runtime, 'COPY').map((i) => i.args)).toContain('--from=build /app/dist ./dist');
    // Migrations are read from the package root at startup.
    expect(instructions(runtime, 'COPY').map((i) => i.args)).toContain('schema ./schema');
    expect(readdirSync(join(root, 'schema/migrations')).some((f) => f.endsWith('.sql'))).toBe(true);
    expect(loadConfig({}, one(runtime, 'CMD').exec!).role).toBe('all');

    const user = one(runtime, 'USER').args;
    expect(['root', '0', '']).not.toContain(user);
  });

  it('keeps PGlite and the generated admin key in /data, a volume the user owns', () => {
    const env = stageEnv(runtime);
    expect(env.BATCHGATE_DATA_DIR).toBe('/data');
    expect(JSON.parse(one(runtime, 'VOLUME').args)).toEqual(['/data']);
    const user = one(runtime, 'USER').args;
    expect(instructions(runtime, 'RUN').map((i) => i.args)).toContain(`mkdir -p /data && chown ${user}:${user} /data`);
    expect(loadConfig(env, []).dataDir).toBe('/data');
  });

  it('exposes the port the server listens on and health-checks /ready there', () => {
    const port = loadConfig(stageEnv(runtime), []).port;
    expect(one(runtime, 'EXPOSE').args).toBe(String(port));
    const check = one(runtime, 'HEALTHCHECK').args;
    const exec = JSON.parse(check.slice(check.indexOf('CMD') + 3).trim()) as string[];
    expect(exec[0]).toBe('node');
    const script = sourceOf(exec[1]!);
    expect(read(script)).toContain('/ready');
    expect(read(script)).toContain("process.env.PORT || '8080'");
  });
});

describe('docker-compose.yml', () => {
  it('builds one image once and runs every batchgate service from it', () => {
    const built = batchgateServices.filter(([, s]) => s.build);
    expect(built.map(([name]) => name)).toEqual(['api']);
    expect(built[0]![1].build).toBe('.');
    const images = new Set(batchgateServices.map(([, s]) => s.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toEqual(expect.any(String));
  });

  it('restarts every service and health-checks each batchgate process on /ready', () => {
    const healthcheck = JSON.parse(one(runtime, 'HEALTHCHECK').args.split('CMD')[1]!) as string[];
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
      expect(service.healthcheck?.test, name).toBeDefined();
    }
    for (const [name, service] of batchgateServices) {
      expect(service.healthcheck!.test, name).toEqual(['CMD', ...healthcheck]);
      expect(service.depends_on?.postgres?.condition, name).toBe('service_healthy');
    }
    expect(compose.services.api!.ports).toEqual(['8080:8080']);
  });

  it('starts with only BATCHGATE_ADMIN_KEY set: each service passes the config loader with its role and the mock', () => {
    const env = { BATCHGATE_ADMIN_KEY: 'compose-admin-key-0123456789' };
    const postgres = compose.services.postgres!.environment!;
    for (const [name, service] of batchgateServices) {
      const resolved = interpolate(service, env);
      for (const key of Object.keys(resolved.environment!))
        expect([...ENV_VARIABLES, 'OPENAI_API_KEY'], `${name}: ${key}`).toContain(key);
      const config = loadConfig({ ...stageEnv(runtime), ...resolved.environment }, resolved.command!);
      expect(config.role, name).toBe(resolved.command![1]);
      expect(Object.keys(config.providers)).toEqual(['mock']);
      const url = new URL(config.databaseUrl!);
      expect([url.hostname, url.port, url.username, url.password, url.pathname]).toEqual([
        'postgres',
        '5432',
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
      // No bind mount of a file that may not exist (Docker would create a directory in its place).
      for (const volume of resolved.volumes ?? []) {
        const host = volume.split(':')[0]!;
        if (existsSync(join(root, host))) expect(statSync(join(root, host)).isDirectory(), volume).toBe(true);
        else expect(host, volume).not.toMatch(/\.\w+$/);
      }
    }
    expect(() => interpolate(compose.services.api, {})).toThrow(/BATCHGATE_ADMIN_KEY/);
  });
});

describe('the healthcheck script', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  /** The script's exit code (run asynchronously: the gateway answering it lives in this process). */
  const check = async (port: string) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/healthcheck.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: port },
      stdio: 'ignore',
    });
    const [code] = (await once(proc, 'exit')) as [number | null];
    return code;
  };

  it('exits 0 when /ready answers 200 on PORT, 1 when nothing answers', { timeout: 60_000 }, async () => {
    expect(await check(new URL(gw.url).port)).toBe(0);
    expect(await check('1')).toBe(1);
  });
});
