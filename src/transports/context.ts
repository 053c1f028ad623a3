// What the transports share: the domain's dependencies, the auth gate, and what operations
// routes and hooks observe.
import type { Deps } from '../domain/deps.js';
import type { DatabaseAvailability } from '../observability/database-availability.js';
import type { Tracing } from '../observability/tracing.js';
import type { Gate } from './auth.js';

export interface AppContext {
  deps: Deps;
  gate: Gate;
  /** Unix seconds when the configuration was loaded (the `created` of configured models). */
  configLoadedAt: number;
  availability: DatabaseAvailability;
  /** null when tracing is off. */
  tracing: Tracing | null;
}
