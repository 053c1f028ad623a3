// The web dashboard in real Chromium against an in-process gateway: sign-in (a refused key shows the
// banner; the form works from the keyboard), creating a batch from a chosen or dropped JSONL file,
// live progress to completed without a reload or polling, the batch page (counts, usage, timeline,
// paged results, downloads), cancel, retry of failed lines, the mode choice, live rows capped at four streams, the files and models pages,
// and a 360 px wide screen. Every
// page must end with no script or console error and no request outside the gateway.
import { readFileSync } from 'node:fs';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatedUpstream, startGatedUpstream } from '../graphql/gated-upstream.js';
import { browserSkipReason, launchChromium, type TestBrowser, watchedPage } from '../support/browser.js';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.js';
import { fakeChatConfig, startGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';
import { type BuiltDashboard, buildDashboard } from '../support/web-build.js';
import { dropFile, expectHealthy, jsonlFile, rowProgress, screenshotDir, signIn } from './helpers.js';

const skip = browserSkipReason();

describe.skipIf(skip)('web dashboard, in Chromium', () => {
  let gw: TestGateway;
  let chromium: TestBrowser;
  let web: BuiltDashboard;
  let gated: GatedUpstream;
  let fake: FakeUpstream;
  let key: string;
  let origin: string;
  const shots = screenshotDir('dashboard');

  beforeAll(async () => {
    [web, chromium, gated, fake] = await Promise.all([
      buildDashboard(),
      launchChromium(),
      startGatedUpstream(),
      startFakeUpstream(),
    ]);
    gw = await startGateway({
      webRoot: web.root,
      config: fakeChatConfig(fake, {
        providers: { gated: { type: 'openai', baseUrl: `${gated.url}/v1`, apiKey: 'sk-gated', maxConcurrency: 2 } },
        models: { 'gated-chat': { provider: 'gated', inputPricePerMillion: 1, outputPricePerMillion: 2 } },
      }),
    });
    origin = new URL(gw.url).origin;
    key = (await gw.tenant()).key;
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await gated?.close();
    await fake?.close();
    web?.remove();
  });

  it('refuses a wrong key with a banner, then signs in with a good one from the keyboard', async () => {
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    await page.goto(`${gw.url}/ui/`);
    await page.getByLabel('API key').fill('not-a-real-key-0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('refused');
    expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
    await shots.shoot(page, 'sign-in-refused.png');

    await page.getByLabel('API key').fill('');
    await page.getByLabel('API key').focus();
    await page.keyboard.type(key);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    // A new tenant has nothing yet: the empty state says so.
    await page.getByText('No batches yet').waitFor();

    // Keyboard navigation reaches the other pages.
    await page.getByRole('link', { name: 'Models' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/models');
    // The refused key's 401 is the only console error (the browser reports the failed request).
    expectHealthy(watched, [/status of 401/]);
    await watched.context.close();
  });

  it('creates a batch from a chosen file and shows live progress until completed, without reload or polling', async () => {
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    const calls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/trpc/')) calls.push(url.pathname.slice('/trpc/'.length));
    });
    await signIn(page, gw.url, key);
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    await page.getByLabel('Input file').setInputFiles(jsonlFile(6, 'gated-chat'));
    await page.getByRole('button', { name: 'Create batch' }).click();
    const created = page.getByRole('status').filter({ hasText: 'Created' });
    await created.waitFor();
    const batchId = (await created.getByRole('link').innerText()).trim();
    expect(batchId).toMatch(/^batch_/);
    await waitFor(() => gated.waiting() > 0, { what: 'held upstream requests' });
    const readsBefore = calls.filter((c) => /batches\.(list|get)/.test(c)).length;

    gated.release(2);
    await expect.poll(() => rowProgress(page, batchId), { timeout: 20_000 }).toEqual([2, 6]);
    const row = page.getByRole('row').filter({ hasText: batchId });
    expect(await row.innerText()).toContain('in_progress');
    gated.release(4);
    await expect.poll(() => row.innerText(), { timeout: 20_000 }).toContain('completed');
    expect(await rowProgress(page, batchId)).toEqual([6, 6]);
    expect(await row.innerText()).toContain('gated-chat');
    // Each answer costs 10 input and 5 output tokens at $1 / $2 per million.
    expect(await row.innerText()).toContain('$0.000120');

    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(calls.some((c) => c.startsWith('batches.onUpdate'))).toBe(true);
    // Progress came through the subscription: no list or get was fetched while the batch ran.
    expect(calls.filter((c) => /batches\.(list|get)/.test(c)).length).toBe(readsBefore);
    await shots.shoot(page, 'batches.png');
    expectHealthy(watched);
    await watched.context.close();
  });

  it('shows a batch page with counts, usage, timeline and paged results, and downloads output and errors', async () => {
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    await signIn(page, gw.url, key);
    // 25 lines; lines 3 and 7 are refused upstream (400, not retried).
    await page
      .getByLabel('Input file')
      .setInputFiles(jsonlFile(25, 'fake-chat', (i) => (i === 3 || i === 7 ? { fault: '400' } : {})));
    await page.getByRole('button', { name: 'Create batch' }).click();
    const created = page.getByRole('status').filter({ hasText: 'Created' });
    await created.getByRole('link').click();
    const batchId = new URL(page.url()).pathname.split('/').at(-1)!;
    expect(batchId).toMatch(/^batch_/);

    const statusLine = page.locator('.status-line');
    await expect.poll(() => statusLine.innerText(), { timeout: 20_000 }).toContain('completed');
    const requests = page.getByRole('region', { name: 'Requests' });
    expect(await requests.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    expect(await requests.getByRole('progressbar').getAttribute('aria-valuemax')).toBe('25');
    expect(await requests.innerText()).toMatch(/Completed\s+23\s+Failed\s+2/);
    expect(await page.getByRole('region', { name: 'Usage and cost' }).innerText()).toMatch(/Total cost\s+\$0\.000\d+/);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    for (const label of ['Created', 'In progress', 'Finalizing', 'Completed', 'Expires']) {
      expect(await timeline.innerText()).toMatch(new RegExp(`${label}\\s+\\d{4}-\\d\\d-\\d\\d`));
    }
    expect(await timeline.innerText()).toMatch(/Cancelled\s+—/);

    const results = page.getByRole('region', { name: 'Results' });
    await expect.poll(() => results.locator('tbody tr').count()).toBe(20);
    const refused = results.locator('tbody tr').nth(3);
    expect(await refused.innerText()).toContain('line-3');
    expect(await refused.innerText()).toContain('400');
    expect(await refused.innerText()).toContain('invalid_request_error: fake upstream: bad request');
    expect(await results.locator('tbody tr').nth(0).innerText()).toMatch(/200\s+line-0\s+fake-chat\s+echo/);
    await results.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => results.locator('tbody tr').first().innerText()).toContain('line-20');
    expect(await results.locator('tbody tr').count()).toBe(5);
    expect(await results.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await results.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => results.locator('tbody tr').first().innerText()).toContain('line-0');

    const download = async (name: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
      return {
        name: file.suggestedFilename(),
        lines: readFileSync(await file.path(), 'utf8')
          .trim()
          .split('\n'),
      };
    };
    const output = await download('Download output');
    expect(output.name).toBe(`${batchId}.output.jsonl`);
    expect(output.lines).toHaveLength(23);
    expect(JSON.parse(output.lines[0]!)).toMatchObject({ custom_id: 'line-0', response: { status_code: 200 } });
    const errors = await download('Download errors');
    expect(errors.name).toBe(`${batchId}.errors.jsonl`);
    expect(errors.lines.map((l) => JSON.parse(l).custom_id)).toEqual(['line-3', 'line-7']);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await shots.shoot(page, 'batch.png');

    // 360 px wide: nothing wider than the screen; tables scroll inside their own box.
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shots.shoot(page, 'batch-360.png');
    expectHealthy(watched);
    await watched.context.close();
  });

  it('creates a batch from a dropped file and cancels it from its page', async () => {
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    await signIn(page, gw.url, key);
    // The gated upstream answers nothing until released: the batch is still running when cancelled.
    await dropFile(page, jsonlFile(10, 'gated-chat'));
    await page.getByText('Selected: gated-chat-10.jsonl').waitFor();
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('status').filter({ hasText: 'Created' }).getByRole('link').click();

    const statusLine = page.locator('.status-line');
    await expect.poll(() => statusLine.innerText(), { timeout: 20_000 }).toContain('in_progress');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => statusLine.innerText(), { timeout: 20_000 }).toContain('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    const bar = page.getByRole('region', { name: 'Requests' }).getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuemax')).toBe('10');
    expect(await bar.getAttribute('aria-valuenow')).toBe('10');
    expect(await page.getByRole('region', { name: 'Timeline' }).innerText()).toMatch(/Cancelled\s+\d{4}-/);
    await shots.shoot(page, 'batch-cancelled.png');
    // Every batch of this tenant so far, in the states the tests above left them in.
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    await page.getByRole('row').nth(3).waitFor();
    await shots.shoot(page, 'batches-all.png');
    expectHealthy(watched);
    await watched.context.close();
  });

  it('retries the failed lines of a finished batch in the mode chosen at creation', async () => {
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    await signIn(page, gw.url, key);
    // Two of five lines fail upstream (a 400): the batch completes with two failed lines.
    await page
      .getByLabel('Input file')
      .setInputFiles(jsonlFile(5, 'fake-chat', (i) => (i % 2 === 1 ? { fault: '400' } : {})));
    await page.getByLabel('Mode').selectOption('direct');
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.getByRole('status').filter({ hasText: 'Created' }).getByRole('link').click();
    const statusLine = page.locator('.status-line');
    await expect.poll(() => statusLine.innerText(), { timeout: 20_000 }).toContain('completed');
    const sourceId = new URL(page.url()).pathname.split('/').at(-1)!;
    const client = gw.openai(key);
    expect(((await client.batches.retrieve(sourceId)) as unknown as { mode: string }).mode).toBe('direct');

    await page.getByRole('button', { name: 'Retry failed' }).click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 10_000 }).not.toContain(sourceId);
    const retriedId = new URL(page.url()).pathname.split('/').at(-1)!;
    await expect.poll(() => statusLine.innerText(), { timeout: 20_000 }).toContain('completed');
    const retried = (await client.batches.retrieve(retriedId)) as unknown as {
      metadata: Record<string, string>;
      request_counts: { total: number };
      mode: string;
    };
    expect(retried.metadata.retry_of).toBe(sourceId);
    expect(retried.request_counts.total).toBe(2);
    expect(retried.mode).toBe('direct');
    await shots.shoot(page, 'batch-retried.png');
    expectHealthy(watched);
    await watched.context.close();
  });

  it('follows at most four running batches at once and hands over as they finish', async () => {
    const openai = gw.openai(key);
    const { buffer, name } = jsonlFile(1, 'gated-chat');
    const file = await openai.files.create({ file: await toFile(buffer, name), purpose: 'batch' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await openai.batches.create({
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
          })
        ).id,
      );
    }
    const watched = await watchedPage(chromium.browser, origin);
    const { page } = watched;
    const subscriptions: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/trpc/batches.onUpdate') subscriptions.push(request.url());
    });
    await signIn(page, gw.url, key);
    await page.getByRole('note').filter({ hasText: 'the 4 newest of 5 running batches' }).waitFor();
    await expect.poll(() => subscriptions.length).toBe(4);
    // Other calls still get through while four streams are open.
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('row').filter({ hasText: 'mock-chat' }).waitFor();
    await page.getByRole('link', { name: 'Batches', exact: true }).click();

    gated.release(20);
    for (const id of ids) {
      await expect
        .poll(() => page.getByRole('row').filter({ hasText: id }).innerText(), { timeout: 20_000 })
        .toContain('completed');
    }
    expect(await page.getByRole('note').count()).toBe(0);
    expectHealthy(watched);
    await watched.context.close();
  });

  it('lists models with prices, and files with delete', async () => {
    const watched = await watchedPage(chromium.browser, origin, { width: 360, height: 800 });
    const { page } = watched;
    await signIn(page, gw.url, key);
    await shots.shoot(page, 'batches-360.png');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    await page.getByRole('link', { name: 'Models' }).click();
    const mockChat = page.getByRole('row').filter({ hasText: 'mock-chat' });
    await mockChat.waitFor();
    expect(await mockChat.innerText()).toMatch(/mock-chat\s+mock\s+mock\s+\$0\.15\s+\$0\.60\s+128,000/);
    await shots.shoot(page, 'models.png');

    await page.getByRole('link', { name: 'Files' }).click();
    const input = page.getByRole('row').filter({ hasText: 'gated-chat-10.jsonl' });
    await input.waitFor();
    expect(await input.innerText()).toContain('batch');
    const rows = await page.locator('tbody tr').count();
    await input.getByRole('button', { name: /^Delete gated-chat-10\.jsonl/ }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(rows - 1);
    expect(await page.getByRole('row').filter({ hasText: 'gated-chat-10.jsonl' }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shots.shoot(page, 'files.png');
    expectHealthy(watched);
    await watched.context.close();
  });
});
