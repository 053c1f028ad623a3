// graphql-ws on GET /graphql (the @fastify/websocket `wsHandler` of the GraphiQL/SSE route), run
// through Yoga's envelop so it shares the schema, context (auth from `connectionParams.authorization`,
// admitted once per subscribe) and error masking with HTTP.
import type { WebsocketHandler } from '@fastify/websocket';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import { socketError } from './errors.js';
import type { Yoga } from './yoga.js';

type Enveloped = ReturnType<Yoga['getEnveloped']>;
type Roots = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

export function graphqlWsHandler(yoga: Yoga): WebsocketHandler {
  return makeHandler({
    execute: (args: ExecutionArgs) => (args.rootValue as Roots).execute(args),
    subscribe: (args: ExecutionArgs) => (args.rootValue as Roots).subscribe(args),
    onSubscribe: async (ctx, _id, payload) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
        connectionParams: ctx.connectionParams ?? {},
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
