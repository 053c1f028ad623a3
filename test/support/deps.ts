// The domain's dependencies over a test database, without an HTTP server or a worker: for use-case
// tests that drive the domain directly with a clock they control.
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { projects } from '../../src/db/tables/projects.js';
import { ADMIN_PROJECT_ID } from '../../src/domain/caller.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Deps } from '../../src/domain/deps.js';
import { LiveStreams } from '../../src/domain/keys/live-streams.js';
import { SecretBox } from '../../src/domain/webhooks/secret-box.js';
import { type ClosableEventBus, createEventBus } from '../../src/engine/events.js';
import { Liveness } from '../../src/observability/liveness.js';
import { Metrics } from '../../src/observability/metrics.js';
import { TEST_ADMIN_KEY, writeConfigFile } from './gateway.js';

export async function domainDeps(database: Database, clock: Clock): Promise<Deps & { events: ClosableEventBus }> {
  const config = loadConfig({ BATCHGATE_CONFIG: writeConfigFile({}).path, BATCHGATE_ADMIN_KEY: TEST_ADMIN_KEY }, []);
  await database.db.insert(projects).values({ id: ADMIN_PROJECT_ID }).onConflictDoNothing();
  return {
    db: database.db,
    database,
    config,
    clock,
    events: await createEventBus(database),
    streams: new LiveStreams(database.db, config.limits.liveStreamsPerKey),
    log: pino({ level: 'silent' }),
    metrics: new Metrics(database),
    liveness: new Liveness(),
    webhookSecrets: new SecretBox(TEST_ADMIN_KEY),
  };
}

/** A clock standing still until moved. */
export class FixedClock implements Clock {
  constructor(private at: Date) {}

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}
