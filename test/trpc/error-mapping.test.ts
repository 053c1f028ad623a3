// The one AppError → TRPCError mapping, unit by unit: every domain code, zod input issues, and
// unexpected errors, whose messages must not reach clients.
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, type AppErrorCode } from '../../src/domain/errors.js';
import { errorData, toTRPCError } from '../../src/transports/trpc/errors.js';

describe('toTRPCError', () => {
  it.each<[AppErrorCode, string]>([
    ['invalid_request', 'BAD_REQUEST'],
    ['unauthenticated', 'UNAUTHORIZED'],
    ['forbidden', 'FORBIDDEN'],
    ['not_found', 'NOT_FOUND'],
    ['conflict', 'CONFLICT'],
    ['payload_too_large', 'PAYLOAD_TOO_LARGE'],
    ['quota_exceeded', 'PAYLOAD_TOO_LARGE'],
    ['rate_limited', 'TOO_MANY_REQUESTS'],
  ])('maps %s to %s, keeping the message, thrown directly or wrapped by tRPC', (code, expected) => {
    const appError = new AppError(code, `it was ${code}`);
    for (const thrown of [appError, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: appError })]) {
      const mapped = toTRPCError(thrown);
      expect(mapped.code).toBe(expected);
      expect(mapped.message).toBe(`it was ${code}`);
      expect(mapped.cause).toBe(appError);
    }
  });

  it('words a zod input failure after its first issue, naming the parameter', () => {
    const result = z
      .object({ metadata: z.record(z.string(), z.string().max(2)) })
      .safeParse({ metadata: { team: 'long' } });
    const mapped = toTRPCError(new TRPCError({ code: 'BAD_REQUEST', cause: result.error }));
    expect(mapped.code).toBe('BAD_REQUEST');
    expect(mapped.message).toMatch(/^Invalid 'metadata\.team': /);
    expect(errorData(mapped)).toEqual({ param: 'metadata.team', retryAfterMs: null });
  });

  it('hides the message of an unexpected error behind a generic INTERNAL_SERVER_ERROR', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 (password=hunter2)');
    for (const thrown of [secret, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: secret })]) {
      const mapped = toTRPCError(thrown);
      expect(mapped.code).toBe('INTERNAL_SERVER_ERROR');
      expect(mapped.message).toBe('The server had an error processing your request.');
      expect(mapped.cause).toBe(secret);
    }
  });

  it("passes tRPC's own client errors through unchanged", () => {
    const own = new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'use POST' });
    expect(toTRPCError(own)).toBe(own);
  });
});

describe('errorData', () => {
  it('gives the parameter as the domain names it (camelCase, metadata keys as sent) and when to retry', () => {
    const notFound = toTRPCError(new AppError('not_found', 'x', { param: 'inputFileId' }));
    expect(errorData(notFound)).toEqual({ param: 'inputFileId', retryAfterMs: null });
    const metadataKey = toTRPCError(new AppError('invalid_request', 'x', { param: 'metadata.my_key' }));
    expect(errorData(metadataKey).param).toBe('metadata.my_key');
    const limited = toTRPCError(new AppError('rate_limited', 'slow down', { retryAfterMs: 1234 }));
    expect(errorData(limited)).toEqual({ param: null, retryAfterMs: 1234 });
  });
});
