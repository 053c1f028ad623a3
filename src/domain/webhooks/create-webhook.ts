// Create a webhook endpoint for the caller's project. Its signing secret is returned here only
// (stored encrypted). Nothing is sent to it until one of its events happens.
import { count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { projects } from '../../db/tables/projects.js';
import { webhookEndpoints } from '../../db/tables/webhooks.js';
import { type Caller, projectOf } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, parseInput } from '../errors.js';
import { newWebhookId } from '../ids.js';
import { generateWebhookSecret } from './secret-box.js';
import { MAX_WEBHOOKS_PER_PROJECT, toWebhookEndpoint, WEBHOOK_EVENT_TYPES, type WebhookEndpoint } from './webhook.js';
import { checkWebhookUrl } from './webhook-url.js';

export const WebhookEventTypeInput = z.enum(WEBHOOK_EVENT_TYPES, {
  error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
});

export const CreateWebhookInput = z.object({
  url: z.string().min(1, 'must not be empty'),
  /** Default (also when null): every event type. */
  events: z.array(WebhookEventTypeInput).min(1, 'must name at least one event type').nullish(),
  description: z.string().max(512, 'is too long').nullish(),
});

export async function createWebhook(
  deps: Pick<Deps, 'db' | 'clock' | 'config' | 'webhookSecrets'>,
  caller: Caller,
  input: z.input<typeof CreateWebhookInput>,
): Promise<WebhookEndpoint & { secret: string }> {
  const parsed = parseInput(CreateWebhookInput, input);
  const url = checkWebhookUrl(parsed.url, deps.config.webhooks.allowPrivateUrls);
  const events = parsed.events
    ? WEBHOOK_EVENT_TYPES.filter((t) => parsed.events!.includes(t))
    : [...WEBHOOK_EVENT_TYPES];
  const projectId = projectOf(caller);
  const id = newWebhookId();
  const secret = generateWebhookSecret();
  const row = await deps.db.transaction(async (tx) => {
    // The project row's lock makes the count and the insert one step for concurrent creates.
    await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for('update');
    const [existing] = await tx
      .select({ n: count() })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.projectId, projectId));
    if ((existing?.n ?? 0) >= MAX_WEBHOOKS_PER_PROJECT) {
      throw new AppError(
        'invalid_request',
        `A project may have at most ${MAX_WEBHOOKS_PER_PROJECT} webhook endpoints; delete one first.`,
      );
    }
    const [created] = await tx
      .insert(webhookEndpoints)
      .values({
        id,
        projectId,
        url,
        events,
        description: parsed.description ?? null,
        secretCiphertext: deps.webhookSecrets.encrypt(secret, id),
        createdAt: deps.clock.now(),
      })
      .returning();
    return created!;
  });
  return { ...toWebhookEndpoint(row), secret };
}
