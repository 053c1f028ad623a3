// The tRPC API: one router per entity, merged. Frontends import `type AppRouter` for a typed client.
import { router } from './init.js';
import { batchesRouter } from './routers/batches.js';
import { filesRouter } from './routers/files.js';
import { modelsRouter } from './routers/models.js';

export const appRouter = router({
  batches: batchesRouter,
  files: filesRouter,
  models: modelsRouter,
});

export type AppRouter = typeof appRouter;
