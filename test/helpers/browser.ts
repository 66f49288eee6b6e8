// Debian's Chromium through playwright-core, for the browser tests of the web clients.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** SCREENSHOTS=docs/screenshots writes the screens the README shows. */
export const SHOTS = process.env.SCREENSHOTS;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let built = false;
/** Builds dist/web once per test run: the tests exercise what `npm start` serves. */
export function buildWebClients() {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'pipe' });
  built = true;
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extraArgs] });
}

/** `height`: a taller window for the shot (not a full-page capture, which paints a sticky header mid-page). */
export async function screenshot(page: Page, name: string, height?: number) {
  if (!SHOTS) return;
  const before = page.viewportSize();
  if (height && before) await page.setViewportSize({ width: before.width, height });
  // Animations finished (a row that just changed flashes for 4 s), so the picture shows the settled page.
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
  if (height && before) await page.setViewportSize(before);
}

/** Polls an element's text from the test side: the page's CSP forbids the eval a string predicate would need. */
export async function textUntil(page: { textContent(selector: string, options?: { timeout?: number }): Promise<string | null> }, selector: string, ok: (text: string | null) => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await page.textContent(selector, { timeout: 1000 }).catch(() => null);
    if (ok(text)) return text;
    if (Date.now() > until) throw new Error(`${selector}: text still ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A console page logged in as `username`, live. Page errors and console errors (other than 4xx answers the page
 * handles) are pushed to `errors`, which a test asserts empty; dialogs are accepted.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  username: string,
  errors: string[],
  viewport = { width: 1366, height: 860 },
  /** What shows the console is ready: the live connection, or for a role without one (the auditor) its first page. */
  ready = '.live-state.live',
): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${url}/console/`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', 'parcelguard-demo');
  await page.press('input[name="password"]', 'Enter');
  await page.waitForSelector(ready);
  return page;
}
