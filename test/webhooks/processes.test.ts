// Webhook delivery by real worker processes on one PostgreSQL: a worker killed with SIGKILL while
// a receiver holds its request is replaced, and the delivery goes out again (same webhook-id, same
// body, a fresh signature) from the other process once the lease lapses; two workers racing over
// the same outbox send each delivery exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit, untilTerminal } from '../support/batches.js';
import { onPostgres } from '../support/database.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { localWebhooks, webhooksApi } from '../support/webhooks.js';
import { startWorkerDeployment, type WorkerDeployment } from '../support/worker-deployment.js';

/** A deadline of 2 s: a lease lapses 7 s after it was taken (deadline + 5 s to record). */
const WEBHOOKS = localWebhooks([1, 1, 1], 2000);

describe.skipIf(!onPostgres())('webhook delivery across worker processes', { timeout: 120_000 }, () => {
  let receiver: WebhookReceiver;
  let deployment: WorkerDeployment;
  const worker = () => deployment.worker(WEBHOOKS);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    deployment = await startWorkerDeployment(WEBHOOKS);
  });

  afterAll(async () => {
    await deployment?.close();
    await receiver?.close();
  });

  it('a worker killed mid-delivery is replaced; the other process delivers it with the same id', async () => {
    const { key } = await deployment.api.tenant();
    const hooks = webhooksApi(deployment.api.url, key);
    const endpoint = await hooks.add(`${receiver.url}/killed`);
    receiver.queue('hang', 1, '/killed');
    const first = await worker();
    const client = deployment.api.openai(key);
    await untilTerminal(client, (await submit(client, [chatLine('a', 'x')])).id);
    await receiver.until(1, '/killed');
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');

    const second = await worker();
    const [held, resent] = await receiver.until(2, '/killed', 60_000);
    expect(resent!.headers['webhook-id']).toBe(held!.headers['webhook-id']);
    expect(resent!.body).toBe(held!.body);
    expect(Number(resent!.headers['webhook-timestamp'])).toBeGreaterThan(Number(held!.headers['webhook-timestamp']));
    expect(resent!.headers['webhook-signature']).not.toBe(held!.headers['webhook-signature']);
    await expect(
      client.webhooks.unwrap(resent!.body, resent!.headers as never, endpoint.secret),
    ).resolves.toMatchObject({
      type: 'batch.completed',
    });
    // The killed attempt left no record; the one that answered is the first recorded.
    const attempts = await waitFor(async () => {
      const { body } = await hooks.deliveries(endpoint.id);
      return body.data[0]?.outcome === 'delivered' ? body.data : undefined;
    });
    expect(attempts.map((a) => [a.attempt, a.status_code, a.event_id])).toEqual([
      [1, 200, held!.headers['webhook-id']],
    ]);
    expect(receiver.to('/killed')).toHaveLength(2);
    expect(await second.kill('SIGTERM')).toBe(0);
  });

  it('two workers over one outbox send each delivery exactly once', async () => {
    await Promise.all([worker(), worker()]);
    const { key } = await deployment.api.tenant();
    const hooks = webhooksApi(deployment.api.url, key);
    const endpoints = await Promise.all(Array.from({ length: 12 }, (_, i) => hooks.add(`${receiver.url}/pair/${i}`)));
    for (const { url } of endpoints) receiver.queue({ status: 200, delayMs: 300 }, 1, new URL(url).pathname);
    const client = deployment.api.openai(key);
    await untilTerminal(client, (await submit(client, [chatLine('b', 'y')])).id);
    await waitFor(
      async () => {
        const pages = await Promise.all(endpoints.map((e) => hooks.deliveries(e.id)));
        return pages.every((p) => p.body.data[0]?.outcome === 'delivered');
      },
      { timeoutMs: 45_000, what: 'all twelve deliveries' },
    );
    for (const { url } of endpoints) expect(receiver.to(new URL(url).pathname)).toHaveLength(1);
    expect(
      new Set(receiver.received.filter((r) => r.path.startsWith('/pair/')).map((r) => r.headers['webhook-id'])).size,
    ).toBe(1);
  });
});
