// The dashboard in real Chromium: a tenant sees only its own project (another project's batch is
// never listed, and its page is "not found"), and a running batch's page keeps updating across a
// gateway restart, without a reload, until it completes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload } from '../support/batches.js';
import { browserSkipReason, launchChromium, type TestBrowser, watchedPage } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MOCK_CONFIG, startGateway, type TestGateway } from '../support/gateway.js';
import { chatLine } from '../support/jsonl.js';
import { type BuiltDashboard, buildDashboard } from '../support/web-build.js';
import { expectHealthy, jsonlFile, screenshotDir, signIn } from './helpers.js';

const skip = browserSkipReason();

const CONFIG = {
  providers: { ...MOCK_CONFIG.providers, slow: { type: 'mock', maxConcurrency: 1, latencyMs: 250 } },
  models: { ...MOCK_CONFIG.models, 'slow-chat': { provider: 'slow' } },
};

describe.skipIf(skip)('web dashboard tenancy and restarts, in Chromium', () => {
  let chromium: TestBrowser;
  let web: BuiltDashboard;
  let db: TestDatabase;
  let gw: TestGateway;
  const shots = screenshotDir('dashboard-tenancy');

  beforeAll(async () => {
    [web, chromium, db] = await Promise.all([buildDashboard(), launchChromium(), createTestDatabase()]);
    gw = await startGateway({ webRoot: web.root, database: db, config: CONFIG });
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await db?.drop();
    web?.remove();
  });

  async function createViaApi(key: string, lines = 1) {
    const openai = gw.openai(key);
    const file = await upload(
      openai,
      Array.from({ length: lines }, (_, i) => chatLine(`c-${i}`, `hi ${i}`)),
      'api.jsonl',
    );
    return openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
  }

  it("never shows another project's batch, in the list or at its own address", async () => {
    const mine = await gw.tenant('team-a');
    const theirs = await gw.tenant('team-b');
    const own = await createViaApi(mine.key);
    const foreign = await createViaApi(theirs.key);

    const watched = await watchedPage(chromium.browser, new URL(gw.url).origin);
    const { page } = watched;
    await signIn(page, gw.url, mine.key);
    await page.getByRole('row').filter({ hasText: own.id }).waitFor();
    expect(await page.getByRole('table').innerText()).not.toContain(foreign.id);
    await page.getByRole('link', { name: 'Files' }).click();
    await page.getByRole('heading', { name: 'Files', level: 1 }).waitFor();
    await page.getByRole('row').filter({ hasText: own.input_file_id }).waitFor();
    expect(await page.getByRole('table').innerText()).not.toContain(foreign.input_file_id);

    // A deep link to the foreign batch loads the app (SPA fallback), which reports it as not found.
    await page.goto(`${gw.url}/ui/batches/${foreign.id}`);
    await expect.poll(() => page.getByRole('alert').innerText()).toContain(`No batch found with id '${foreign.id}'`);
    expect(await page.getByRole('region', { name: 'Summary' }).count()).toBe(0);
    await shots.shoot(page, 'foreign-batch.png');
    // The refused lookup (404) is reported by the browser; nothing else may be.
    expectHealthy(watched, [/status of 404/]);
    await watched.context.close();
  });

  it('keeps a running batch live across a gateway restart, without a reload, until it completes', async () => {
    const { key } = await gw.tenant();
    const watched = await watchedPage(chromium.browser, new URL(gw.url).origin);
    const { page } = watched;
    await signIn(page, gw.url, key);
    await page.getByLabel('Input file').setInputFiles(jsonlFile(40, 'slow-chat'));
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('status').filter({ hasText: 'Created' }).getByRole('link').click();
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const bar = page.getByRole('region', { name: 'Requests' }).getByRole('progressbar');
    const done = async () => Number(await bar.getAttribute('aria-valuenow'));
    await expect.poll(done, { timeout: 20_000 }).toBeGreaterThan(0);

    const port = Number(new URL(gw.url).port);
    await gw.close();
    const before = await done();
    expect(before).toBeLessThan(40);
    gw = await startGateway({ webRoot: web.root, database: db, config: CONFIG, port });

    const statusLine = page.locator('.status-line');
    await expect.poll(() => statusLine.innerText(), { timeout: 45_000 }).toContain('completed');
    expect(await done()).toBe(40);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await shots.shoot(page, 'after-restart.png');
    // While the gateway stopped and was down the browser reported its cut and failed connections.
    expectHealthy(watched, [/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|status of 503/]);
    await watched.context.close();
  }, 90_000);
});
