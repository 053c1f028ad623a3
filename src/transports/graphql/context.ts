// The GraphQL context: the app's dependencies and the caller. POST requests were admitted before
// their body was read (admission.ts); a GET (query or SSE) is admitted here from its
// `authorization` header; a graphql-ws operation is admitted with the credentials its connection
// gave at `connection_init` (so a revoked key stops working on an open socket). A failed
// admission is a request error.
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../../domain/caller.js';
import type { Deps } from '../../domain/deps.js';
import { type Credentials, credentialsOf } from '../auth.js';
import type { AppContext } from '../context.js';
import { findAppError, requestError } from './errors.js';

export interface GraphQLContext {
  deps: Deps;
  caller: Caller;
}

/** What Yoga hands the context factory: the Fastify request over HTTP, the connection's caller over graphql-ws. */
export interface InitialContext {
  req?: FastifyRequest;
  /** graphql-ws: the credentials accepted at connection_init. */
  connectionCredentials?: Credentials;
}

async function admit(app: AppContext, { req, connectionCredentials }: InitialContext): Promise<Caller> {
  if (connectionCredentials) return app.gate.admit(connectionCredentials);
  if (req?.caller) return req.caller;
  return app.gate.admit(req ? credentialsOf(req) : { authorization: undefined, address: undefined });
}

export async function createContext(app: AppContext, initial: InitialContext): Promise<GraphQLContext> {
  try {
    return { deps: app.deps, caller: await admit(app, initial) };
  } catch (error) {
    const appError = findAppError(error);
    throw appError ? requestError(appError) : error;
  }
}
