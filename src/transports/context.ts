// What the transports share: the domain's dependencies, the auth gate, and what operations
// routes and hooks observe.
import type { Caller } from '../domain/caller.js';
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
  /** How often an idle live stream (REST SSE) sends a keep-alive comment; default 15 s. */
  sseKeepAliveMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admitted caller, set by a transport's gate before the request's body is read. */
    caller: Caller;
  }
}
