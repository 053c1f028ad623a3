// graphql-ws on GET /graphql (the @fastify/websocket `wsHandler` of the GraphiQL/SSE route), run
// through Yoga's envelop so it shares the schema, context, limits and error masking with HTTP.
// The key is checked at `connection_init` (`connectionParams.authorization`): a connection without
// a valid key is closed (4401 Unauthorized, or 4429 when rate-limited) before any subscribe frame
// is read. Each operation (subscribe frame) is admitted again with the same credentials — the key
// is looked up (a revoked key is refused from its next operation on) and one request of its budget
// is spent.
import type { WebsocketHandler } from '@fastify/websocket';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Credentials } from '../auth.js';
import type { AppContext } from '../context.js';
import { findAppError, socketError } from './errors.js';
import type { Yoga } from './yoga.js';

type Enveloped = ReturnType<Yoga['getEnveloped']>;
type Roots = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

/** The credentials accepted at connection_init, kept on the connection: each operation is admitted with them again. */
const credentials = new WeakMap<object, Credentials>();

export function graphqlWsHandler(yoga: Yoga, app: AppContext): WebsocketHandler {
  return makeHandler({
    execute: (args: ExecutionArgs) => (args.rootValue as Roots).execute(args),
    subscribe: (args: ExecutionArgs) => (args.rootValue as Roots).subscribe(args),
    onConnect: async (ctx) => {
      const value = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      const offered: Credentials = {
        authorization: typeof value === 'string' ? value : undefined,
        address: ctx.extra.request.ip,
      };
      try {
        await app.gate.authenticate(offered);
        credentials.set(ctx.extra, offered);
        return true;
      } catch (error) {
        const appError = findAppError(error);
        if (!appError) throw error;
        const code = appError.code === 'rate_limited' ? 4429 : 4401;
        ctx.extra.socket.close(code, `${code === 4429 ? 'Too Many Requests' : 'Unauthorized'}: ${appError.message}`);
        return false;
      }
    },
    onSubscribe: async (ctx, _id, payload) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
        connectionCredentials: credentials.get(ctx.extra),
      });
      let document: ReturnType<typeof parse>;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [error as GraphQLError];
      }
      const errors = validate(schema, document);
      if (errors.length > 0) return errors;
      try {
        const contextValue = await contextFactory();
        const roots: Roots = { execute, subscribe };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: roots,
        };
      } catch (error) {
        if (!(error instanceof GraphQLError)) ctx.extra.request.log.error({ err: error }, 'graphql-ws context failed');
        return [socketError(error)];
      }
    },
  });
}
