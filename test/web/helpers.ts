// What the dashboard's browser tests share: signing in through the form, JSONL payloads for the
// file input, screenshots kept in one temp dir per test file, and the page's health at the end.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { WatchedPage } from '../support/browser.js';
import { chatLine, toJsonl } from '../support/jsonl.js';

/** A JSONL file as the file input takes it: `n` chat lines for `model`, `extra` merged into chosen bodies. */
export function jsonlFile(n: number, model: string, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const lines = Array.from({ length: n }, (_, i) => chatLine(`line-${i}`, `hello ${i}`, extra(i), model));
  return { name: `${model}-${n}.jsonl`, mimeType: 'application/jsonl', buffer: Buffer.from(toJsonl(lines)) };
}

export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
}

/** Where this test file's screenshots go; printed so a person can look at them. */
export function screenshotDir(name: string): { dir: string; shoot(page: Page, file: string): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `batchgate-${name}-`));
  console.info(`screenshots: ${dir}`);
  return {
    dir,
    shoot: async (page, file) =>
      void (await page.screenshot({ path: join(dir, file), fullPage: true, animations: 'disabled' })),
  };
}

/** Nothing went wrong in the page: no script error, no console error, no request outside the gateway. */
export function expectHealthy(watched: WatchedPage, allowedConsoleErrors: RegExp[] = []): void {
  expect(watched.pageErrors).toEqual([]);
  expect(watched.consoleErrors.filter((m) => !allowedConsoleErrors.some((allowed) => allowed.test(m)))).toEqual([]);
  expect(watched.foreignRequests).toEqual([]);
}

/** The `progressbar` of the batch's row on the batches page, as [aria-valuenow, aria-valuemax]. */
export async function rowProgress(page: Page, batchId: string): Promise<[number, number]> {
  const bar = page.getByRole('row').filter({ hasText: batchId }).getByRole('progressbar');
  return [Number(await bar.getAttribute('aria-valuenow')), Number(await bar.getAttribute('aria-valuemax'))];
}

/** Drop a file on the create form's drop zone, as a drag from the desktop would. */
export async function dropFile(page: Page, file: ReturnType<typeof jsonlFile>): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, mimeType, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: mimeType }));
      return data;
    },
    { name: file.name, mimeType: file.mimeType, text: file.buffer.toString('utf8') },
  );
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: transfer });
}
