// Real Chromium for browser tests, driven by playwright-core (never a downloaded browser): found at
// CHROMIUM_PATH or the usual system paths; tests skip, saying why, when there is none. Each page is
// watched for script errors, console errors and any request that leaves the gateway's origin.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary to drive, or null when none is installed. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** Why browser tests are skipped here, printed so a skip is never silent; null when they run. */
export function browserSkipReason(): string | null {
  if (findChromium()) return null;
  const reason = `no Chromium found (tried CHROMIUM_PATH, ${CANDIDATES.join(', ')}): browser tests skipped; install it with 'apt-get install -y chromium'`;
  console.warn(`⚠ ${reason}`);
  return reason;
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless Chromium with no network of its own (no background services, no update checks); each
 * launch gets a fresh, temporary profile (playwright-core makes one and removes it on close).
 */
export async function launchChromium(): Promise<TestBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error messages (resource loads the test expects to fail can be filtered by the caller). */
  consoleErrors: string[];
  /** Requests to anywhere but `origin` (blocked, so nothing leaves). */
  foreignRequests: string[];
}

/** A new context and page whose requests outside `origin` are recorded and refused. */
export async function watchedPage(
  browser: Browser,
  origin: string,
  options: { width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    acceptDownloads: true,
  });
  const watched: WatchedPage = {
    context,
    page: await context.newPage(),
    pageErrors: [],
    consoleErrors: [],
    foreignRequests: [],
  };
  await context.route(
    (url) => url.origin !== origin && (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:'),
    (route) => {
      watched.foreignRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  watched.page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  watched.page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  return watched;
}
