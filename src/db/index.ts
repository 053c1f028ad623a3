// Every table of the schema, for Drizzle and drizzle-kit.
export * from './tables/api-keys.js';
export * from './tables/api-rate-limits.js';
export * from './tables/batch-chunks.js';
export * from './tables/batch-requests.js';
export * from './tables/batches.js';
export * from './tables/files.js';
export * from './tables/projects.js';
export * from './tables/provider-batches.js';
export * from './tables/webhooks.js';
export * from './tables/workers.js';
