// The GraphiQL playground works offline: GET /graphql in real Chromium renders the editor from
// assets the gateway serves itself, runs a query with an API key, throws no script error, and no
// request leaves the gateway's origin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium, type TestBrowser, watchedPage } from '../support/browser.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const skip = browserSkipReason();

/** Replace a Monaco editor's text; what its bracket auto-closing appends after the cursor is deleted. */
async function replaceEditorText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
}

describe.skipIf(skip)('GraphiQL offline, in Chromium', () => {
  let gw: TestGateway;
  let chromium: TestBrowser;
  const shots = mkdtempSync(join(tmpdir(), 'batchgate-graphiql-'));

  beforeAll(async () => {
    [gw, chromium] = await Promise.all([startGateway(), launchChromium()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
  });

  it('renders the editor and runs a query with a key, fetching nothing from outside the gateway', async () => {
    const { key } = await gw.tenant();
    const watched = await watchedPage(chromium.browser, new URL(gw.url).origin);
    const { page } = watched;
    await page.goto(`${gw.url}/graphql`);
    const execute = page.getByRole('button', { name: /Execute query/ });
    await execute.waitFor({ timeout: 30_000 });
    const editors = page.locator('.monaco-editor');
    await expect.poll(() => editors.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

    // The headers editor holds a placeholder key: replace it, then the query.
    await page.getByRole('button', { name: 'Headers' }).click();
    await replaceEditorText(
      page,
      '.graphiql-editor-tool .monaco-editor >> nth=-1',
      JSON.stringify({ authorization: `Bearer ${key}` }),
    );
    await replaceEditorText(page, '.graphiql-query-editor .monaco-editor', '{ models { id provider } }');
    await execute.click();

    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 30_000 }).toContain('mock-chat');
    expect(await response.innerText()).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: join(shots, 'graphiql.png') });

    expect(watched.pageErrors).toEqual([]);
    // The page's first schema fetch carries the placeholder key and is refused (401): that is the
    // only console error allowed.
    expect(watched.consoleErrors.filter((m) => !m.includes('status of 401'))).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await watched.context.close();
  });
});
