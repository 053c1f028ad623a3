// What every use case receives first: the database (or a transaction), configuration, clock,
// event bus, logger, what the engine reports to (metrics, worker liveness), and the box that
// seals webhook secrets. Nothing in the domain reaches for a global.
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Database, Db } from '../db/client.js';
import type { Liveness } from '../observability/liveness.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from './clock.js';
import type { EventBus } from './events.js';
import type { LiveStreams } from './keys/live-streams.js';
import type { SecretBox } from './webhooks/secret-box.js';

export interface Deps {
  db: Db;
  database: Database;
  config: Pick<AppConfig, 'providers' | 'models' | 'limits' | 'webhooks'>;
  clock: Clock;
  events: EventBus;
  /** Open live streams per key (subscriptions, SSE). */
  streams: LiveStreams;
  log: Logger;
  metrics: Metrics;
  liveness: Liveness;
  /** Encrypts and decrypts webhook signing secrets at rest. */
  webhookSecrets: SecretBox;
}
