// The committed SDL (schema/schema.graphql) is the printed schema: regenerate it with
// `npm run schema:print` whenever a type changes. Also pins the contract's root fields.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/db/client.js';
import { printedSchema, schema } from '../../src/transports/graphql/schema.js';

describe('GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema:print` after a change)', () => {
    const committed = readFileSync(join(packageRoot(), 'schema', 'schema.graphql'), 'utf8');
    expect(printedSchema()).toBe(committed);
  });

  it('has the root fields of the contract', () => {
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual([
      'batch',
      'batches',
      'file',
      'files',
      'models',
      'webhooks',
      'webhookDeliveries',
    ]);
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual([
      'uploadFile',
      'createBatch',
      'cancelBatch',
      'retryBatch',
      'deleteFile',
      'createWebhook',
      'deleteWebhook',
    ]);
    expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(['batchUpdated']);
  });
});
