import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundleWeb } from '../../scripts/build-web';
import { type WebAssets, webAssets } from '../../src/api/web-assets';

/**
 * Headless Chromium for the web page tests and the page bench: Debian's own binary
 * (apt-get install chromium), never a browser download. Each launch gets a fresh
 * profile directory, removed on close.
 */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const haveChromium = (): boolean => existsSync(CHROMIUM);
export const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM_BIN): the web page tests are skipped`;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  /** A new tab: its own sessionStorage, so each tab signs in as its own user. */
  page(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(opts: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {}): Promise<Browser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    ...(opts.deviceScaleFactor ? { deviceScaleFactor: opts.deviceScaleFactor } : {}),
    // Loopback only: anything else the page tried to fetch would be a bug.
    offline: false,
  });
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
  return {
    context,
    page: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let bundled: Promise<WebAssets> | undefined;

/** The page bundled from the tree in this process (once): tests never serve a stale build. */
export function testWebAssets(): Promise<WebAssets> {
  bundled ??= bundleWeb().then(webAssets);
  return bundled;
}

/** Signs in on a fresh tab at `url` with `token`, and waits until the page is live. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
}
