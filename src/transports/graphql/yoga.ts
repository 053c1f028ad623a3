// The Yoga server: the Pothos schema, the context (auth gate), error masking, GraphiQL (served
// offline, see graphiql.ts), and body limits. Multipart is off here: uploads are parsed (streamed) by graphql-upload-minimal before
// Yoga runs, see uploads.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { JSON_BODY_LIMIT_BYTES } from '../body-limit.js';
import type { AppContext } from '../context.js';
import { createContext, type GraphQLContext, type InitialContext } from './context.js';
import { findAppError, isBodyTooLarge, maskError } from './errors.js';
import { offlineGraphiQL } from './graphiql.js';
import { queryLimitsPlugin } from './query-limits.js';
import { schema } from './schema.js';

export type ServerContext = { req: FastifyRequest; reply: FastifyReply };
export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

export const GRAPHQL_PATH = '/graphql';

/** Yoga's log lines through pino; domain errors (NOT_FOUND, …) and oversized bodies are answers, not server errors. */
function yogaLogger(log: Logger) {
  return {
    debug: () => {},
    info: (...args: unknown[]) => log.info({ args }, 'graphql'),
    warn: (...args: unknown[]) => log.warn({ args }, 'graphql'),
    error: (error: unknown, ...args: unknown[]) =>
      findAppError(error) || isBodyTooLarge(error)
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
    // JSON bodies, refused by a declared length before reading or counted as a chunked one streams
    // in (maskError answers PAYLOAD_TOO_LARGE); uploads are parsed before Yoga.
    maxRequestBodySize: JSON_BODY_LIMIT_BYTES,
    graphiql: {
      title: 'batchgate GraphQL',
      headers: JSON.stringify({ authorization: 'Bearer <your API key>' }, null, 2),
    },
    renderGraphiQL: offlineGraphiQL,
    landingPage: false,
    plugins: [queryLimitsPlugin(app.deps.config.limits.graphqlMaxCost)],
    logging: yogaLogger(app.deps.log),
  });
}
