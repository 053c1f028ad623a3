// The JSON scalar: any JSON value (batch metadata in and out).
import { valueFromASTUntyped } from 'graphql';
import { builder } from '../builder.js';

export const JSONScalar = builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
