// The executable schema: every type file registers itself on the builder; this assembles them.
import { printSchema } from 'graphql';
import { builder } from './builder.js';
import './types/query.js';
import './types/mutation.js';
import './types/subscription.js';
import './types/webhook-fields.js';

export const schema = builder.toSchema({ sortSchema: false });

/** The SDL committed as schema/schema.graphql. */
export const printedSchema = () => `${printSchema(schema)}\n`;
