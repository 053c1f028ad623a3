// The tRPC request context: the domain's dependencies and a once-per-request admission of the
// caller. POST requests (mutations and batches) were admitted before their body was read (see
// index.ts); a GET (query or SSE subscription) is admitted here, with credentials from the
// `Authorization` header or, for SSE from a browser (which cannot set headers), from
// `connectionParams.authorization`.
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { Caller } from '../../domain/caller.js';
import type { Deps } from '../../domain/deps.js';
import type { AppContext } from '../context.js';

export interface TrpcContext {
  deps: Deps;
  /** Authenticate and rate-limit the caller; memoized, so a batched request is admitted once. */
  admit(): Promise<Caller>;
  /** Aborted when the server starts shutting down, so live subscriptions let go of their connections. */
  closing: AbortSignal;
}

export function contextFactory(app: AppContext, closing: AbortSignal) {
  return ({ req, info }: CreateFastifyContextOptions): TrpcContext => {
    const authorization = req.headers.authorization ?? info.connectionParams?.authorization;
    let admitted: Promise<Caller> | undefined = req.caller ? Promise.resolve(req.caller) : undefined;
    return {
      deps: app.deps,
      admit: () => {
        admitted ??= app.gate.admit({ authorization, address: req.ip });
        return admitted;
      },
      closing,
    };
  };
}
