// The SSRF rule with the default config (private targets not allowed): an IP literal in a refused
// range is a 400 at create; a host name is accepted and checked when a delivery resolves it —
// `localhost` resolves to loopback, so the attempt is recorded as refused and no connection is
// made. Host names resolving to private addresses through an injected resolver, and the
// connection going to the very address checked, are in test/unit/webhook-sender.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submit, untilTerminal } from '../support/batches.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { webhooksApi } from '../support/webhooks.js';

let gw: TestGateway;
let receiver: WebhookReceiver;
let key: string;
let api: ReturnType<typeof webhooksApi>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  gw = await startGateway({ config: { webhooks: { allowPrivateUrls: false, retryScheduleSeconds: [60] } } });
  key = (await gw.tenant()).key;
  api = webhooksApi(gw.url, key);
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

describe('webhook SSRF guard', () => {
  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://2130706433/hook', 'loopback'], // 127.0.0.1 written as one number
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.20.0.5/hook', 'private'],
    ['https://192.168.1.10/hook', 'private'],
    ['http://[fd12:3456::1]/hook', 'private'],
    ['http://[::ffff:10.0.0.1]/hook', 'private'],
    ['http://169.254.10.20/hook', 'link-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://100.64.3.4/hook', 'shared (CGNAT)'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://[::]/hook', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['http://[fd00:ec2::254]/latest', 'cloud metadata'],
  ])('refuses %s at create (%s)', async (url, kind) => {
    const res = await api.create({ url });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'url', message: expect.stringContaining(`a ${kind} address`) });
  });

  it.each(['http://93.184.216.34/hook', 'https://hooks.example.com/batchgate', 'http://localhost:9/hook'])(
    'accepts %s at create (names are checked at delivery)',
    async (url) => {
      expect((await api.create({ url })).status).toBe(201);
    },
  );

  it('refuses a name that resolves to loopback when delivering: recorded, no connection made', async () => {
    const { key: ownKey } = await gw.tenant();
    const own = webhooksApi(gw.url, ownKey);
    const { id } = await own.add(`http://localhost:${receiver.port}/hook`);
    const client = gw.openai(ownKey);
    await untilTerminal(client, (await submit(client, [chatLine('a', 'x')])).id);
    const [attempt] = await waitFor(async () => {
      const { body } = await own.deliveries(id);
      return body.data.length > 0 ? body.data : undefined;
    });
    expect(attempt).toMatchObject({
      status_code: null,
      outcome: 'retrying',
      error: expect.stringMatching(/^the host name resolves to an address webhooks may not reach/),
    });
    // Which address it was is the operator's (the log), not the endpoint owner's to learn.
    expect(attempt?.error).not.toMatch(/127\.0\.0\.1|::1/);
    expect(receiver.connections).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });
});
