// The GraphQL context: the app's dependencies and the caller admitted by the auth gate, once per
// HTTP request (header `authorization`, also for SSE) or once per graphql-ws subscribe
// (`connectionParams.authorization`). A failed admission is a request error: nothing is read.
import type { Caller } from '../../domain/caller.js';
import type { Deps } from '../../domain/deps.js';
import type { AppContext } from '../context.js';
import { findAppError, requestError } from './errors.js';

export interface GraphQLContext {
  deps: Deps;
  caller: Caller;
}

/** What Yoga hands the context factory: a fetch Request over HTTP, connectionParams over graphql-ws. */
export interface InitialContext {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
}

function authorizationOf({ request, connectionParams }: InitialContext): string | undefined {
  if (connectionParams) {
    const value = connectionParams.authorization ?? connectionParams.Authorization;
    return typeof value === 'string' ? value : undefined;
  }
  return request?.headers.get('authorization') ?? undefined;
}

export async function createContext(app: AppContext, initial: InitialContext): Promise<GraphQLContext> {
  try {
    return { deps: app.deps, caller: await app.gate.admit(authorizationOf(initial)) };
  } catch (error) {
    const appError = findAppError(error);
    throw appError ? requestError(appError) : error;
  }
}
