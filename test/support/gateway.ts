// An in-process batchgate for a test: its own database, a config written to a temp file and read
// through the real loader, listening on a random port, with fast worker timings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { loadConfig, type Role } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import type { WorkerOptions } from '../../src/engine/worker.js';
import { type Batchgate, startBatchgate } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import type { FakeUpstream } from './fake-upstream.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export const FAST_WORKER: Partial<WorkerOptions> = {
  leaseMs: 5000,
  heartbeatMs: 500,
  idlePollMs: 50,
  maintenanceMs: 100,
  backoff: { baseMs: 20, maxMs: 200 },
  shutdownGraceMs: 2000,
  progressIntervalMs: 100,
};

/** The config file body: defaults to the mock provider with two priced models. */
export interface TestConfigFile {
  providers?: Record<string, unknown>;
  models?: Record<string, unknown>;
  limits?: Record<string, unknown>;
  webhooks?: Record<string, unknown>;
}

export const MOCK_CONFIG: Required<Pick<TestConfigFile, 'providers' | 'models'>> = {
  providers: { mock: { type: 'mock', maxConcurrency: 16 } },
  models: {
    'mock-chat': { provider: 'mock', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6, contextLength: 128000 },
    'mock-embedding': { provider: 'mock', inputPricePerMillion: 0.02 },
  },
};

/**
 * The mock config plus model `fake-chat` on a fake upstream ($1 / $2 per million tokens, no
 * retries, so a line the fake refuses fails at once); `extra` adds providers and models.
 */
export function fakeChatConfig(upstream: FakeUpstream, extra: TestConfigFile = {}): TestConfigFile {
  return {
    providers: {
      ...MOCK_CONFIG.providers,
      fake: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-fake', maxRetries: 0 },
      ...extra.providers,
    },
    models: {
      ...MOCK_CONFIG.models,
      'fake-chat': { provider: 'fake', inputPricePerMillion: 1, outputPricePerMillion: 2 },
      ...extra.models,
    },
    limits: extra.limits,
  };
}

export interface GatewayOptions {
  config?: TestConfigFile;
  role?: Role;
  worker?: Partial<WorkerOptions>;
  /** Share a database with another gateway (several processes on one PostgreSQL). */
  database?: TestDatabase;
  /** Keep-alive interval of REST event streams. */
  sseKeepAliveMs?: number;
  /** Listen on this port (default: any free one), e.g. to restart a gateway where clients expect it. */
  port?: number;
  /** The built web dashboard to serve at /ui/ (default: dist/web). */
  webRoot?: string;
  /** A worker loop silent this long makes /ready answer 503. */
  stallAfterMs?: number;
  /** The gateway's time source (e.g. a MovableClock to expire batches without waiting). */
  clock?: Clock;
  /** More environment for the config loader (e.g. BATCHGATE_SECRET_KEY). */
  env?: Record<string, string>;
}

export interface TestGateway extends Batchgate {
  url: string;
  testDb: TestDatabase;
  /** A new tenant key (own project unless `project` is given). */
  tenant(project?: string): Promise<{ key: string; project: string; id: string }>;
  /** The official OpenAI client pointed at this gateway. */
  openai(key: string): OpenAI;
}

/**
 * Count the event-bus subscriptions opened on `gw` from now on that are still open (a live batch
 * watcher holds one; the worker's own, taken at start, is not counted).
 */
export function countSubscriptions(gw: TestGateway): () => number {
  let live = 0;
  const subscribe = gw.deps.events.subscribe.bind(gw.deps.events);
  gw.deps.events.subscribe = (listener) => {
    live++;
    const unsubscribe = subscribe(listener);
    return () => {
      live--;
      unsubscribe();
    };
  };
  return () => live;
}

export function writeConfigFile(config: TestConfigFile): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'batchgate-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...MOCK_CONFIG, ...config }));
  return { path, dir };
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const { path, dir } = writeConfigFile(options.config ?? {});
  const config = loadConfig(
    {
      BATCHGATE_CONFIG: path,
      BATCHGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      BATCHGATE_DATA_DIR: dir,
      BATCHGATE_ROLE: options.role ?? 'all',
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      ...options.env,
    },
    [],
  );
  const ownsDb = !options.database;
  const testDb = options.database ?? (await createTestDatabase());
  const database = await testDb.open();
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const gateway = await startBatchgate(config, {
    database,
    logger,
    worker: { ...FAST_WORKER, ...options.worker },
    httpCloseGraceMs: 500,
    sseKeepAliveMs: options.sseKeepAliveMs,
    webRoot: options.webRoot,
    stallAfterMs: options.stallAfterMs,
    clock: options.clock,
  });
  const url = gateway.url!;
  return {
    ...gateway,
    url,
    testDb,
    async tenant(project) {
      const res = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'test tenant', ...(project ? { project } : {}) }),
      });
      if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { key: string; project: string; id: string };
    },
    openai: (key) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 }),
    async close() {
      await gateway.close();
      if (ownsDb) await testDb.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
