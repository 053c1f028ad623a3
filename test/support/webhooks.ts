// Webhook endpoints in tests, over REST with plain fetch: create, list, delete, list attempts, and
// a config whose deliveries may target the local receivers (on a short retry schedule).
import type { TestConfigFile } from './gateway.js';

export interface EndpointObject {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  events: string[];
  description: string | null;
  created_at: number;
  secret?: string;
}

export interface AttemptItem {
  id: string;
  event_id: string;
  type: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  outcome: 'delivered' | 'retrying' | 'given_up';
  attempted_at: number;
  next_attempt_at: number | null;
}

/** Webhooks to local receivers, each retry `retrySeconds` after the last, failing after `timeoutMs`. */
export const localWebhooks = (
  retryScheduleSeconds: number[] = [0.2, 0.2, 0.2],
  timeoutMs = 2000,
): Pick<TestConfigFile, 'webhooks'> => ({ webhooks: { allowPrivateUrls: true, retryScheduleSeconds, timeoutMs } });

export interface Answer<T> {
  status: number;
  body: T;
}

async function call<T>(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(`${baseUrl}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export const webhooksApi = (baseUrl: string, key: string) => ({
  create: (body: unknown) =>
    call<EndpointObject & { error?: { message: string; param: string | null } }>(
      baseUrl,
      key,
      'POST',
      '/webhooks',
      body,
    ),
  /** Create, expecting success. */
  async add(url: string, extra: Record<string, unknown> = {}): Promise<EndpointObject & { secret: string }> {
    const created = await call<EndpointObject>(baseUrl, key, 'POST', '/webhooks', { url, ...extra });
    if (created.status !== 201) throw new Error(`creating a webhook failed: ${JSON.stringify(created.body)}`);
    return created.body as EndpointObject & { secret: string };
  },
  list: () => call<{ object: 'list'; data: EndpointObject[] }>(baseUrl, key, 'GET', '/webhooks'),
  remove: (id: string) => call<{ id: string; deleted: boolean }>(baseUrl, key, 'DELETE', `/webhooks/${id}`),
  deliveries: (id: string, query = '') =>
    call<{ object: 'list'; data: AttemptItem[]; has_more: boolean }>(
      baseUrl,
      key,
      'GET',
      `/webhooks/${id}/deliveries${query}`,
    ),
});
