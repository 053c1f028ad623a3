// Subscription: follow one batch live (current state at once, then each change, ending after a
// terminal state). Another project's batch fails with NOT_FOUND before any data is sent.
import { getBatch } from '../../../domain/batches/get-batch.js';
import { watchBatch } from '../../../domain/batches/watch-batch.js';
import { builder } from '../builder.js';
import { abortable } from '../live.js';
import { Batch } from './batch.js';

builder.subscriptionType({
  fields: (t) => ({
    batchUpdated: t.field({
      type: Batch,
      args: { id: t.arg.id({ required: true }) },
      subscribe: async (_root, { id }, { deps, caller }) => {
        // Checked here, so the refusal is the operation's error rather than a failure mid-stream.
        await getBatch(deps, caller, { id });
        return abortable((signal) => watchBatch(deps, caller, { id }, signal));
      },
      resolve: (batch) => batch,
    }),
  }),
});
