// The tRPC API: one router per entity, merged. Frontends import `type AppRouter` for a typed client.
import { router } from './init.js';
import { batchesRouter } from './routers/batches.js';
import { filesRouter } from './routers/files.js';
import { modelsRouter } from './routers/models.js';
import { webhooksRouter } from './routers/webhooks.js';

export const appRouter = router({
  batches: batchesRouter,
  files: filesRouter,
  models: modelsRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
