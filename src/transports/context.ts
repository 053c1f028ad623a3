// What the transports share: the domain's dependencies and the auth gate.
import type { Caller } from '../domain/caller.js';
import type { Deps } from '../domain/deps.js';
import type { Gate } from './auth.js';

export interface AppContext {
  deps: Deps;
  gate: Gate;
  /** Unix seconds when the configuration was loaded (the `created` of configured models). */
  configLoadedAt: number;
  /** How often an idle live stream (REST SSE) sends a keep-alive comment; default 15 s. */
  sseKeepAliveMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admitted caller, set by a transport's gate before the request's body is read. */
    caller: Caller;
  }
}
