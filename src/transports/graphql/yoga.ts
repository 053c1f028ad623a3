// The Yoga server: the Pothos schema, the context (auth gate), error masking, GraphiQL (served
// offline, see graphiql.ts), and body limits. Multipart is off here: uploads are parsed (streamed) by graphql-upload-minimal before
// Yoga runs, see uploads.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { createContext, type GraphQLContext, type InitialContext } from './context.js';
import { findAppError, maskError } from './errors.js';
import { offlineGraphiQL } from './graphiql.js';
import { schema } from './schema.js';

export type ServerContext = { req: FastifyRequest; reply: FastifyReply };
export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

export const GRAPHQL_PATH = '/graphql';

/** Room for the multipart `operations` and `map` fields (≤ 1 MB each) around the largest file. */
const MULTIPART_OVERHEAD_BYTES = 4 << 20;

/** Yoga's log lines through pino; domain errors (NOT_FOUND, …) are answers, not server errors. */
function yogaLogger(log: Logger) {
  return {
    debug: () => {},
    info: (...args: unknown[]) => log.info({ args }, 'graphql'),
    warn: (...args: unknown[]) => log.warn({ args }, 'graphql'),
    error: (error: unknown, ...args: unknown[]) =>
      findAppError(error)
        ? log.debug({ err: error }, 'graphql domain error')
        : log.error({ err: error, args }, 'graphql error'),
  };
}

export function createGraphQLServer(app: AppContext): Yoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    context: (initial) => createContext(app, initial as InitialContext),
    maskedErrors: { maskError },
    multipart: false,
    // A JSON body can be as large as an upload: the same limit as REST's inline batch requests.
    maxRequestBodySize: app.deps.config.limits.maxFileBytes + MULTIPART_OVERHEAD_BYTES,
    graphiql: {
      title: 'batchgate GraphQL',
      headers: JSON.stringify({ authorization: 'Bearer <your API key>' }, null, 2),
    },
    renderGraphiQL: offlineGraphiQL,
    landingPage: false,
    logging: yogaLogger(app.deps.log),
  });
}
