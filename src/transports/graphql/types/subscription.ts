// Subscription: follow one batch live (current state at once, then each change, ending after a
// terminal state). Another project's batch fails with NOT_FOUND before any data is sent.
import { watchBatch } from '../../../domain/batches/watch-batch.js';
import { builder } from '../builder.js';
import { abortable } from '../live.js';
import { Batch } from './batch.js';

builder.subscriptionType({
  fields: (t) => ({
    batchUpdated: t.field({
      type: Batch,
      args: { id: t.arg.id({ required: true }) },
      subscribe: (_root, { id }, { deps, caller }) =>
        // Opened here, so a refusal (NOT_FOUND, too many streams) is the operation's error, not a failure mid-stream.
        abortable((signal) => watchBatch(deps, caller, { id }, signal)),
      resolve: (batch) => batch,
    }),
  }),
});
