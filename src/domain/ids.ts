// Object ids: OpenAI-style prefixes over lowercase ULIDs, so ids sort by creation time and
// cursor pagination on `id` never skips or repeats.
import { monotonicFactory } from 'ulidx';
import { z } from 'zod';

const ulid = monotonicFactory();

export const newFileId = () => `file-${ulid().toLowerCase()}`;
export const newBatchId = () => `batch_${ulid().toLowerCase()}`;
export const newKeyId = () => `key_${ulid().toLowerCase()}`;
export const newProjectId = () => `proj_${ulid().toLowerCase()}`;
export const newWebhookId = () => `wh_${ulid().toLowerCase()}`;
export const newEventId = () => `evt_${ulid().toLowerCase()}`;
export const newWebhookAttemptId = () => `wha_${ulid().toLowerCase()}`;

/** Any id a client may send: bounded, otherwise opaque (an unknown id is a plain 404). */
export const ObjectId = z.string().min(1, 'must not be empty').max(256, 'is too long');
