// models.list: the configured models with their prices (a mock provider's models say so in `status`).
import { listModels } from '../../../domain/models/list-models.js';
import { authedProcedure, router } from '../init.js';

export const modelsRouter = router({
  list: authedProcedure.query(({ ctx }) => listModels(ctx.deps)),
});
