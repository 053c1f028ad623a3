// Webhook endpoints on every face: create (the secret shown once, stored only encrypted), list
// without secrets, delete, the attempts list; bad input and the per-project limit are 400 with a
// clear message; another project's endpoint is 404 (NOT_FOUND on GraphQL and tRPC); creating an
// endpoint sends nothing to it.
import { TRPCClientError } from '@trpc/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpoints } from '../../src/db/tables/webhooks.js';
import { SecretBox } from '../../src/domain/webhooks/secret-box.js';
import type { AppRouter } from '../../src/transports/trpc/router.js';
import { gql } from '../graphql/helpers.js';
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { localWebhooks, webhooksApi } from '../support/webhooks.js';
import { trpcClient } from '../trpc/client.js';

let gw: TestGateway;
let receiver: WebhookReceiver;
let key: string;
let otherKey: string;
let api: ReturnType<typeof webhooksApi>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  gw = await startGateway({ config: localWebhooks() });
  key = (await gw.tenant()).key;
  otherKey = (await gw.tenant()).key;
  api = webhooksApi(gw.url, key);
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

describe('REST /v1/webhooks', () => {
  it('creates an endpoint with every event type by default and shows its whsec_ secret only then', async () => {
    const created = await api.create({ url: `${receiver.url}/hook`, description: 'ops' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'webhook_endpoint',
      url: `${receiver.url}/hook`,
      events: ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'],
      description: 'ops',
    });
    expect(created.body.id).toMatch(/^wh_[0-9a-z]{26}$/);
    expect(Math.abs(created.body.created_at - Date.now() / 1000)).toBeLessThan(60);
    const secret = created.body.secret!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);

    const listed = await api.list();
    expect(listed.status).toBe(200);
    const mine = listed.body.data.find((w) => w.id === created.body.id)!;
    expect(mine).toEqual({ ...created.body, secret: undefined });
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6, 20));
    expect(receiver.connections).toBe(0);
  });

  it('keeps the secret encrypted at rest, under a key derived from the admin key', async () => {
    const { id, secret } = await api.add(`${receiver.url}/sealed`);
    const [row] = await gw.deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(row!.secretCiphertext).not.toContain(secret.slice(6));
    expect(row!.secretCiphertext).not.toContain(Buffer.from(secret.slice(6), 'base64').toString('base64url'));
    expect(new SecretBox(TEST_ADMIN_KEY).decrypt(row!.secretCiphertext, id)).toBe(secret);
    expect(() => new SecretBox(TEST_ADMIN_KEY).decrypt(row!.secretCiphertext, 'wh_other')).toThrow(/does not decrypt/);
    expect(() => new SecretBox('another-key-0123456789').decrypt(row!.secretCiphertext, id)).toThrow(/another key/);
  });

  it('subscribes to the chosen event types only, in a stable order, duplicates folded', async () => {
    const { events } = await api.add(`${receiver.url}/some`, {
      events: ['batch.failed', 'batch.completed', 'batch.failed'],
    });
    expect(events).toEqual(['batch.completed', 'batch.failed']);
    expect((await api.add(`${receiver.url}/null`, { events: null, description: null })).events).toHaveLength(4);
  });

  it.each([
    [{}, 'url', /Invalid 'url'/],
    [{ url: 'not a url' }, 'url', /absolute http/],
    [{ url: 'ftp://example.com/hook' }, 'url', /http or https/],
    [{ url: 'https://user:pw@example.com/hook' }, 'url', /credentials/],
    [{ url: `https://example.com/${'x'.repeat(2100)}` }, 'url', /2048/],
    [{ url: 'https://example.com/h', events: ['batch.created'] }, 'events.0', /batch\.completed, batch\.failed/],
    [{ url: 'https://example.com/h', events: [] }, 'events', /at least one event type/],
    [{ url: 'https://example.com/h', events: 'batch.completed' }, 'events', /Invalid 'events'/],
    [{ url: 'https://example.com/h', description: 'd'.repeat(513) }, 'description', /too long/],
  ])('refuses %j with 400 naming the parameter', async (body, param, message) => {
    const res = await api.create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param, message: expect.stringMatching(message) });
  });

  it('allows at most 20 endpoints per project', async () => {
    const { key: crowded } = await gw.tenant();
    const own = webhooksApi(gw.url, crowded);
    await Promise.all(Array.from({ length: 20 }, (_, i) => own.add(`https://example.com/${i}`)));
    const refused = await own.create({ url: 'https://example.com/21' });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/at most 20 webhook endpoints/);
    expect((await own.list()).body.data).toHaveLength(20);
    // Another project is not affected.
    expect((await webhooksApi(gw.url, otherKey).create({ url: 'https://example.com/x' })).status).toBe(201);
  });

  it("never shows, deletes or lists the attempts of another project's endpoint (404)", async () => {
    const { id } = await api.add(`${receiver.url}/private`);
    const other = webhooksApi(gw.url, otherKey);
    expect((await other.list()).body.data.map((w) => w.id)).not.toContain(id);
    const deleted = await other.remove(id);
    expect(deleted.status).toBe(404);
    expect((await other.deliveries(id)).status).toBe(404);
    expect((await api.list()).body.data.map((w) => w.id)).toContain(id);
    // The admin sees every project's endpoints.
    expect((await webhooksApi(gw.url, TEST_ADMIN_KEY).list()).body.data.map((w) => w.id)).toContain(id);
  });

  it('deletes an endpoint; deleting it again is 404', async () => {
    const { id } = await api.add(`${receiver.url}/gone`);
    expect(await api.remove(id)).toEqual({ status: 200, body: { id, object: 'webhook_endpoint', deleted: true } });
    expect((await api.list()).body.data.map((w) => w.id)).not.toContain(id);
    expect((await api.remove(id)).status).toBe(404);
    expect((await api.deliveries(id)).status).toBe(404);
  });

  it('lists no attempts for an endpoint nothing was sent to', async () => {
    const { id } = await api.add(`${receiver.url}/quiet`);
    expect(await api.deliveries(id)).toEqual({
      status: 200,
      body: { object: 'list', data: [], first_id: null, last_id: null, has_more: false },
    });
    expect((await api.deliveries(id, '?limit=0')).status).toBe(400);
  });

  it('needs a key', async () => {
    const res = await fetch(`${gw.url}/v1/webhooks`);
    expect(res.status).toBe(401);
  });
});

describe('GraphQL webhooks', () => {
  const fields = 'id url events description createdAt secret';

  it('creates, lists (secret null) and deletes an endpoint', async () => {
    const created = await gql(
      gw.url,
      key,
      `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { ${fields} } }`,
      { input: { url: `${receiver.url}/gql`, events: ['batch.failed'] } },
    );
    const endpoint = created.body.data!.createWebhook;
    expect(endpoint).toMatchObject({ url: `${receiver.url}/gql`, events: ['batch.failed'], description: null });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(new Date(endpoint.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const listed = await gql(gw.url, key, `{ webhooks { ${fields} } }`);
    const mine = listed.body.data!.webhooks.find((w: { id: string }) => w.id === endpoint.id);
    expect(mine).toEqual({ ...endpoint, secret: null });
    const attempts = await gql(
      gw.url,
      key,
      `query($id: ID!) { webhookDeliveries(id: $id) { edges { node { id } } pageInfo { hasNextPage } } }`,
      { id: endpoint.id },
    );
    expect(attempts.body.data!.webhookDeliveries).toEqual({ edges: [], pageInfo: { hasNextPage: false } });

    const foreign = await gql(gw.url, otherKey, 'mutation($id: ID!) { deleteWebhook(id: $id) }', {
      id: endpoint.id,
    });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const deleted = await gql(gw.url, key, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id: endpoint.id });
    expect(deleted.body.data).toEqual({ deleteWebhook: true });
  });

  it('refuses an unknown event type as BAD_USER_INPUT', async () => {
    const res = await gql(
      gw.url,
      key,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }',
      {
        input: { url: 'https://example.com/h', events: ['batch.started'] },
      },
    );
    expect(res.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/batch\.completed/),
      extensions: { code: 'BAD_USER_INPUT', param: 'events.0' },
    });
  });
});

describe('tRPC webhooks', () => {
  it('creates, lists, pages attempts and deletes; another project gets NOT_FOUND', async () => {
    const trpc = trpcClient(gw.url, { key });
    const created = await trpc.webhooks.create.mutate({ url: `${receiver.url}/trpc`, description: 'typed' });
    expect(created).toMatchObject({ url: `${receiver.url}/trpc`, description: 'typed', events: expect.any(Array) });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await trpc.webhooks.list.query();
    expect(listed.find((w) => w.id === created.id)).not.toHaveProperty('secret');
    expect(await trpc.webhooks.deliveries.query({ id: created.id })).toEqual({ items: [], nextCursor: null });

    const foreign = trpcClient(gw.url, { key: otherKey });
    const error = await foreign.webhooks.delete.mutate({ id: created.id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data?.code).toBe('NOT_FOUND');
    expect(await trpc.webhooks.delete.mutate({ id: created.id })).toEqual({
      id: created.id,
      object: 'webhook_endpoint',
      deleted: true,
    });
  });

  it('refuses bad input as BAD_REQUEST', async () => {
    const trpc = trpcClient(gw.url, { key });
    const error = await trpc.webhooks.create
      .mutate({ url: 'https://example.com/h', events: ['nope' as never] })
      .catch((e: unknown) => e);
    expect((error as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
  });
});
