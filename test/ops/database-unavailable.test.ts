// Which errors mean "the database cannot be reached": the real errors of a refused connection, raw
// from postgres-js and wrapped by Drizzle, become the `unavailable` AppError, which each face maps
// once (REST 503 database_unavailable, GraphQL SERVICE_UNAVAILABLE with HTTP 503, tRPC
// SERVICE_UNAVAILABLE), all with Retry-After; an ordinary query error does not.
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import Fastify from 'fastify';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { postgresConnection } from '../../src/db/client.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { AppError, asAppError } from '../../src/domain/errors.js';
import { maskError } from '../../src/transports/graphql/errors.js';
import { sendError } from '../../src/transports/rest/errors.js';
import { retryAfterHeaders, toTRPCError } from '../../src/transports/trpc/errors.js';
import { createTestDatabase } from '../support/database.js';
import { freePort } from '../support/ports.js';

const rejection = (promise: PromiseLike<unknown>) =>
  Promise.resolve(promise).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('database unavailability', () => {
  it('recognises a refused connection, raw and wrapped by Drizzle, as the unavailable AppError', async () => {
    const conn = postgresConnection(`postgres://postgres@127.0.0.1:${await freePort()}/x`, { max: 1 });
    try {
      const raw = await rejection(conn`select 1`);
      const wrapped = await rejection(drizzle(conn).execute(sql`select 1`));
      expect(wrapped).not.toBe(raw);
      for (const error of [raw, wrapped]) {
        expect(isDatabaseUnavailable(error)).toBe(true);
        const appError = asAppError(error);
        expect(appError).toBeInstanceOf(AppError);
        expect(appError).toMatchObject({ code: 'unavailable' });
        expect(appError!.options.retryAfterMs).toBeGreaterThan(0);
      }
    } finally {
      await conn.end({ timeout: 1 });
    }
  });

  it('is answered 503 with Retry-After on every face', async () => {
    const conn = postgresConnection(`postgres://postgres@127.0.0.1:${await freePort()}/x`, { max: 1 });
    const error = await rejection(drizzle(conn).execute(sql`select 1`));
    await conn.end({ timeout: 1 });

    const app = Fastify();
    app.setErrorHandler((e, req, reply) => sendError(reply, e, req));
    app.get('/', async () => {
      throw error;
    });
    const rest = await app.inject({ method: 'GET', url: '/' });
    expect(rest.statusCode).toBe(503);
    expect(rest.headers['retry-after']).toBe('5');
    expect(rest.json().error).toMatchObject({ code: 'database_unavailable', type: 'server_error' });
    await app.close();

    const graphql = maskError(error, 'Unexpected error.') as GraphQLError;
    expect(graphql.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      http: { status: 503, headers: { 'retry-after': '5' } },
    });

    const trpc = toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }));
    expect(trpc.code).toBe('SERVICE_UNAVAILABLE');
    expect(retryAfterHeaders([trpc])).toEqual({ 'retry-after': '5' });
  });

  it('leaves an ordinary query error alone', async () => {
    const testDb = await createTestDatabase();
    const database = await testDb.open();
    try {
      const error = await rejection(database.query('select * from no_such_table', []));
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(asAppError(error)).toBeUndefined();
    } finally {
      await testDb.drop();
    }
  });
});
