// How the gateway serves the dashboard (no browser needed): /ui/ without a key, deep links answered
// by the app's index.html, hashed assets cached for good, a missing asset 404, a content security
// policy that keeps the page on this origin, and a clear answer when the dashboard was never built.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

const INDEX = '<!doctype html><title>batchgate</title><script type="module" src="/ui/assets/app-1a2b3c.js"></script>';

describe('the dashboard at /ui/', () => {
  let gw: TestGateway;
  const root = mkdtempSync(join(tmpdir(), 'batchgate-ui-'));

  beforeAll(async () => {
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'app-1a2b3c.js'), 'console.log("app");\n');
    gw = await startGateway({ webRoot: root });
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the app without a key, revalidated, with a same-origin content security policy', async () => {
    const res = await fetch(`${gw.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toBe(INDEX);
    const bare = await fetch(`${gw.url}/ui`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/ui/');
  });

  it("answers the app's own paths with index.html, so deep links load", async () => {
    for (const path of ['/ui/batches/batch_01abc', '/ui/files', '/ui/models']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('caches hashed assets for good and answers a missing one 404', async () => {
    const asset = await fetch(`${gw.url}/ui/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${gw.url}/ui/assets/app-000000.js`)).status).toBe(404);
  });

  it('still keys every API route', async () => {
    expect((await fetch(`${gw.url}/v1/batches`)).status).toBe(401);
  });

  it('says how to build the dashboard when it was not built', async () => {
    const unbuilt = await startGateway({ webRoot: join(root, 'nowhere') });
    try {
      const res = await fetch(`${unbuilt.url}/ui/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
    } finally {
      await unbuilt.close();
    }
  });
});
