// The DateTime scalar: an ISO 8601 instant on the wire, unix seconds (or a Date) in the domain.
import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder.js';

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
  return date;
}

export const DateTime = builder.scalarType('DateTime', {
  description: 'An instant in time as an ISO 8601 string in UTC, e.g. "2025-01-31T12:00:00.000Z".',
  serialize: (value) => (value instanceof Date ? value : new Date(value * 1000)).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
