// The webhook sender and its guarded resolution, with an injected resolver: a name resolving to a
// private, loopback or metadata address (or to several, one of them refused) fails before any
// connection; an IP literal is checked without resolving; the socket connects to the address the
// guard resolved (never resolved again); no redirect is followed; a deadline cuts a silent receiver.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedAddressKind } from '../../src/domain/webhooks/address-policy.js';
import { guardedLookup, RefusedAddressError, type Resolver } from '../../src/engine/webhooks/guarded-lookup.js';
import { WebhookSender } from '../../src/engine/webhooks/send.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver?.close());

const resolveTo = (...addresses: string[]): Resolver & { calls: string[] } => {
  const calls: string[] = [];
  return Object.assign(
    async (hostname: string) => {
      calls.push(hostname);
      return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls },
  );
};

function lookup(resolver: Resolver, hostname: string, options: { all?: boolean; family?: number } = {}) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
    guardedLookup(resolver)(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

const noStop = new AbortController().signal;

describe('address policy', () => {
  it.each([
    ['8.8.8.8', null],
    ['2606:4700::1111', null],
    ['203.0.113.9', null],
    ['127.0.0.2', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['100.128.0.1', null],
    ['fc00::1', 'private'],
    ['febf::1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['255.255.255.255', 'multicast or reserved'],
    ['ff02::1', 'multicast or reserved'],
  ])('%s → %s', (address, kind) => {
    expect(blockedAddressKind(address)).toBe(kind);
  });
});

describe('guarded lookup', () => {
  it('refuses a name that resolves to a private address', async () => {
    const { error } = await lookup(resolveTo('10.0.0.7'), 'internal.example');
    expect(error).toBeInstanceOf(RefusedAddressError);
    expect(error!.message).toBe(
      'internal.example resolves to 10.0.0.7, a private address; webhooks are not sent to loopback, private, link-local or metadata addresses unless the config sets webhooks.allowPrivateUrls',
    );
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const { error } = await lookup(resolveTo('93.184.216.34', 'fd00:ec2::254'), 'mixed.example', { all: true });
    expect(error?.message).toMatch(/resolves to fd00:ec2::254, a cloud metadata address/);
  });

  it('answers the checked addresses in the shape asked for', async () => {
    const resolver = resolveTo('93.184.216.34', '2606:2800:220:1::1');
    expect(await lookup(resolver, 'ok.example')).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookup(resolver, 'ok.example', { family: 6 })).toEqual({
      error: null,
      address: '2606:2800:220:1::1',
      family: 6,
    });
    const all = await lookup(resolver, 'ok.example', { all: true });
    expect(all.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    expect((await lookup(resolveTo(), 'none.example')).error?.code).toBe('ENOTFOUND');
  });
});

describe('webhook sender', () => {
  const post = (sender: WebhookSender, url: string) => sender.send(url, { 'webhook-id': 'evt_1' }, '{}', noStop);

  it('refuses a private name before connecting', async () => {
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivateUrls: false, resolver: resolveTo('10.0.0.7') });
    const outcome = await post(sender, `http://internal.example:${receiver.port}/hook`);
    // The owner of the endpoint reads the error: it names no address; the operator's log does.
    expect(outcome).toEqual({
      statusCode: null,
      error: expect.stringMatching(/^the host name resolves to an address webhooks may not reach/),
      detail: expect.stringMatching(/internal\.example resolves to 10\.0\.0\.7, a private address/),
      interrupted: false,
    });
    expect(outcome.error).not.toContain('10.0.0.7');
    await sender.close();
  });

  it('refuses an IP literal without resolving it, and never connects', async () => {
    const resolver = resolveTo('93.184.216.34');
    const sender = new WebhookSender({ timeoutMs: 2000, allowPrivateUrls: false, resolver });
    const before = receiver.connections;
    const outcome = await post(sender, `${receiver.url}/literal`);
    expect(outcome.error).toMatch(/^127\.0\.0\.1 is a loopback address/);
    expect(resolver.calls).toEqual([]);
    expect(receiver.connections).toBe(before);
    await sender.close();
  });

  it('connects to the address it checked, resolving the name once', async () => {
    // A documentation address (not refused, never routed): the attempt goes there, not to the
    // local receiver behind a second resolution of the name.
    const resolver = resolveTo('198.51.100.7');
    const sender = new WebhookSender({ timeoutMs: 500, allowPrivateUrls: false, resolver });
    const before = receiver.connections;
    const outcome = await post(sender, `http://hooks.example:${receiver.port}/hook`);
    expect(outcome.statusCode).toBeNull();
    // Where it went is in the operator's detail; the endpoint owner's error names no address.
    expect(`${outcome.detail ?? ''} ${outcome.error}`).toMatch(/198\.51\.100\.7|no answer within 500 ms/);
    expect(outcome.error).not.toContain('198.51.100.7');
    expect(resolver.calls).toEqual(['hooks.example']);
    expect(receiver.connections).toBe(before);
    await sender.close();
  });

  it('does not follow a redirect and cuts a receiver that does not answer in time', async () => {
    const sender = new WebhookSender({ timeoutMs: 300, allowPrivateUrls: true });
    receiver.queue({ status: 307, headers: { location: `${receiver.url}/elsewhere` } }, 1, '/moved');
    expect(await post(sender, `${receiver.url}/moved`)).toEqual({ statusCode: 307, error: null, interrupted: false });
    expect(receiver.to('/elsewhere')).toHaveLength(0);
    receiver.queue('hang', 1, '/silent');
    expect(await post(sender, `${receiver.url}/silent`)).toEqual({
      statusCode: null,
      error: 'no answer within 300 ms',
      interrupted: false,
    });
    await sender.close();
  });

  it('reports an attempt cut short by shutdown as interrupted', async () => {
    const sender = new WebhookSender({ timeoutMs: 5000, allowPrivateUrls: true });
    receiver.queue('hang', 1, '/shutdown');
    const stop = new AbortController();
    const pending = sender.send(`${receiver.url}/shutdown`, {}, '{}', stop.signal);
    await receiver.until(1, '/shutdown');
    stop.abort();
    expect(await pending).toMatchObject({ statusCode: null, interrupted: true });
    await sender.close();
  });
});
