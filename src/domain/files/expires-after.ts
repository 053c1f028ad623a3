// OpenAI's expiration policy of a file: `expires_after {anchor: "created_at", seconds}` on upload,
// and a batch's `output_expires_after` for the files it writes. The file disappears `seconds`
// (one hour to 30 days) after it was created.
import { z } from 'zod';

export const EXPIRES_AFTER_MIN_SECONDS = 3600;
export const EXPIRES_AFTER_MAX_SECONDS = 2_592_000;

export const ExpiresAfter = z.object({
  anchor: z.literal('created_at', { error: "must be 'created_at'" }),
  seconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(EXPIRES_AFTER_MIN_SECONDS, `must be at least ${EXPIRES_AFTER_MIN_SECONDS} (one hour)`)
    .max(EXPIRES_AFTER_MAX_SECONDS, `must be at most ${EXPIRES_AFTER_MAX_SECONDS} (30 days)`),
});
export type ExpiresAfter = z.infer<typeof ExpiresAfter>;

/** When a file created at `createdAt` expires under a policy of `seconds` (none: never). */
export const expiryOf = (createdAt: Date, seconds: number | null | undefined): Date | null =>
  seconds ? new Date(createdAt.getTime() + seconds * 1000) : null;
