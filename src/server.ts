// Start batchgate in one process: database + migrations, event bus, the HTTP API (role api|all)
// and a worker (role worker|all). Used by main.ts and by the tests, so both run the same wiring.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from './config.js';
import { type Database, migrate, openDatabase } from './db/client.js';
import { projects } from './db/tables/projects.js';
import { ADMIN_PROJECT_ID } from './domain/caller.js';
import { type Clock, systemClock } from './domain/clock.js';
import type { Deps } from './domain/deps.js';
import { generateKey } from './domain/keys/api-key.js';
import { LiveStreams } from './domain/keys/live-streams.js';
import { SecretBox } from './domain/webhooks/secret-box.js';
import { type ClosableEventBus, createEventBus } from './engine/events.js';
import { Worker, type WorkerOptions } from './engine/worker.js';
import { DatabaseAvailability } from './observability/database-availability.js';
import { Liveness } from './observability/liveness.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { observeProviders } from './observability/observed-provider.js';
import type { Tracing } from './observability/tracing.js';
import { closeProviders, createProviders } from './providers/index.js';
import { createNativeBatchAdapters } from './providers/native/index.js';
import { Gate } from './transports/auth.js';
import { buildHttpApp } from './transports/http.js';

export interface StartOptions {
  /** The time source of every stored time (default: the system clock; tests move a fixed one). */
  clock?: Clock;
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  logger?: Logger;
  worker?: Partial<WorkerOptions>;
  /** Listen on config.port/host (default true). */
  listen?: boolean;
  /** On close, in-flight HTTP requests get this long before their connections are cut (default 5 s). */
  httpCloseGraceMs?: number;
  /** Keep-alive interval of REST event streams (default 15 s). */
  sseKeepAliveMs?: number;
  /** The built web dashboard served at /ui/ (default: dist/web). */
  webRoot?: string;
  /** Tracing, when started (before this module was loaded; see observability/tracing.ts). */
  tracing?: Tracing | null;
  /** A worker loop silent for this long makes /ready answer 503 (default 30 s). */
  stallAfterMs?: number;
}

export interface Batchgate {
  config: AppConfig;
  deps: Deps;
  adminKey: string;
  app: FastifyInstance;
  worker: Worker | null;
  /** Base URL when listening, e.g. http://127.0.0.1:8080 */
  url: string | null;
  close(): Promise<void>;
}

/** The admin key: from the environment, or generated once and kept in the data dir (mode 0600). */
export function resolveAdminKey(config: AppConfig, log: Logger): string {
  if (config.adminKey) return config.adminKey;
  const path = join(config.dataDir, 'admin-key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const key = generateKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  log.warn({ path }, `BATCHGATE_ADMIN_KEY is not set: generated an admin key, stored in ${path}`);
  return key;
}

export async function startBatchgate(config: AppConfig, options: StartOptions = {}): Promise<Batchgate> {
  const log = options.logger ?? createLogger(config);
  const tracing = options.tracing ?? null;
  const database =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  await migrate(database);
  await database.db
    .insert(projects)
    .values({ id: ADMIN_PROJECT_ID, createdAt: (options.clock ?? systemClock).now() })
    .onConflictDoNothing();
  const events: ClosableEventBus = await createEventBus(database);
  const streams = new LiveStreams(database.db, config.limits.liveStreamsPerKey);
  const metrics = new Metrics(database);
  const liveness = new Liveness(options.stallAfterMs);
  const adminKey = resolveAdminKey(config, log);
  const webhookSecrets = new SecretBox(config.secretKey ?? adminKey);
  const deps: Deps = {
    db: database.db,
    database,
    config,
    clock: options.clock ?? systemClock,
    events,
    streams,
    log,
    metrics,
    liveness,
    webhookSecrets,
  };
  const adapters = createNativeBatchAdapters(config.providers);
  const providers = observeProviders(createProviders(config.providers), { metrics, tracing, models: config.models });
  const availability = new DatabaseAvailability(database, log);
  availability.watch();

  const runsApi = config.role !== 'worker';
  const app = await buildHttpApp(
    {
      deps,
      gate: new Gate(deps, adminKey, availability),
      configLoadedAt: Math.floor(deps.clock.now().getTime() / 1000),
      sseKeepAliveMs: options.sseKeepAliveMs,
      availability,
      tracing,
    },
    { apiRoutes: runsApi, webRoot: options.webRoot },
  );
  if (runsApi) streams.start((error) => log.warn({ err: error }, 'checking live streams for revoked keys failed'));
  let worker: Worker | null = null;
  if (config.role !== 'api') {
    worker = new Worker(deps, providers, options.worker, adapters);
    worker.start();
  }
  let url: string | null = null;
  if (options.listen !== false) {
    url = await app.listen({ port: config.port, host: config.host });
    log.info({ url, role: config.role, database: database.kind, worker: worker?.id }, 'batchgate is ready');
  } else {
    await app.ready();
  }

  let closed: Promise<void> | undefined;
  return {
    config,
    deps,
    adminKey,
    app,
    worker,
    url,
    close: () => {
      closed ??= (async () => {
        log.debug('closing: http');
        // In-flight requests get a grace period; a connection that never sent a request (which
        // Node does not count as idle) would otherwise hold close() until its keep-alive timeout.
        const force = setTimeout(() => app.server.closeAllConnections(), options.httpCloseGraceMs ?? 5000);
        await app.close();
        clearTimeout(force);
        streams.stop();
        log.debug('closing: worker');
        await worker?.stop();
        liveness.clear();
        await availability.close();
        log.debug('closing: providers and events');
        await closeProviders(providers);
        await Promise.all([...adapters.values()].map((adapter) => adapter.close()));
        await events.close();
        if (!options.database) await database.close();
        await tracing?.shutdown();
        log.debug('closed');
      })();
      return closed;
    },
  };
}
