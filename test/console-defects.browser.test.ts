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

  it('"加载更多" shows only while there is more, and appends the next page (not the first again)', async () => {
    const token = await s.login('regulator1');
    const entries = Array.from({ length: 53 }, (_, i) => ({ type: 'phone', value: `1391234${String(7000 + i)}`, note: `more-${i}` }));
    const made = await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${token}`).send({ entries }).expect(201);
    assert.equal(made.body.created, 53);
    const page = await openConsole('regulator1');
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist?q=more-'));
    const rows = page.locator('#entries tr[data-id]');
    await rows.nth(49).waitFor();
    assert.equal(await rows.count(), 50);
    assert.equal(await page.isVisible('#more'), true);
    await page.click('#more');
    await rows.nth(52).waitFor();
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as El).getAttribute('data-id')));
    assert.equal(ids.length, 53);
    assert.equal(new Set(ids).size, 53, 'no entry twice');
    assert.equal(await page.isVisible('#more'), false, 'nothing more to load');
    // A search with fewer than a page never offers more.
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist?q=more-1'));
    await textUntil(page, '#entries', (x) => !!x && !x.includes('more-2'));
    assert.equal(await page.isVisible('#more'), false);
    await page.context().close();
  });

  it('the import report counts a bad row once, and the file input is labelled', async () => {
    const page = await openConsole('regulator1');
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist'));
    const file = page.locator('#import input[type="file"]');
    await file.waitFor({ state: 'attached' });
    assert.equal(await file.evaluate((e) => (e as unknown as El).labels?.length ?? 0), 1, 'the file input has a label');
    assert.match((await page.getByLabel(/选择文件/).getAttribute('type')) ?? '', /file/);
    // One good row and one row wrong twice over (an unknown type and an empty value).
    const csv = 'type,value,note\nphone,13912348001,ok\nplanet,,bad\n';
    await file.setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#import button[type="submit"]');
    const report = await textUntil(page, '#import-report', (x) => !!x?.includes('1'));
    assert.match(report ?? '', /新增\D*1\D.*未导入的行\D*1(\D|$)/s);
    assert.equal(await page.locator('#import-report tbody tr').count(), 1, 'one row, however many problems it has');
    await page.context().close();
  });

  it('no form control takes the name of a form property (an input named "matches" hid form.matches)', async () => {
    const page = await openConsole('regulator1');
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/watchlist'));
    await page.waitForSelector('#import');
    const shadowing = await page.evaluate(() => {
      const g = globalThis as unknown as Dom;
      const found: string[] = [];
      for (const form of Array.from(g.document.querySelectorAll('form')))
        for (const el of Array.from(form.elements)) if (el.name && el.name in g.HTMLFormElement.prototype) found.push(el.name);
      return found;
    });
    assert.deepEqual(shadowing, []);
    await page.context().close();
  });

  it('at 320 px the main pages do not scroll sideways', async () => {
    const page = await openConsole('regulator1', { width: 320, height: 640 });
    for (const hash of ['#/alerts', '#/watchlist', '#/routes', '#/cases', '#/holds', '#/reports']) {
      await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
      await page.waitForTimeout(800);
      const { scrollWidth, clientWidth } = await page.evaluate(() => {
        const e = (globalThis as unknown as Dom).document.documentElement;
        return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
      });
      assert.ok(scrollWidth <= clientWidth, `${hash}: ${scrollWidth} px wide in a ${clientWidth} px window`);
    }
    await page.context().close();
  });

  it('the held verdict draws its pause sign itself: no font needs to have ⏸', async () => {
    const ctx = await browser.newContext({ locale: 'zh-CN', serviceWorkers: 'block' });
    const page: Page = await ctx.newPage();
    await page.goto(`${s.url}/handheld/`);
    await page.waitForSelector('#login-form');
    // The verdict as the handheld writes it (handheld-web/src/main.ts verdictView), styled by the handheld's sheet.
    const drawn = await page.evaluate(() => {
      const g = globalThis as unknown as Dom;
      const box = g.document.createElement('div');
      box.innerHTML = '<section class="verdict v-held" data-verdict="held"><div class="verdict-head"><span class="icon" aria-hidden="true">⏸</span><h1>扣留</h1></div></section>';
      g.document.body.append(box);
      const icon = g.document.querySelector('.v-held .icon')!;
      const glyph = g.getComputedStyle(icon);
      const bars = g.getComputedStyle(icon, '::before');
      return { fontSize: glyph.fontSize, content: bars.content, width: bars.width };
    });
    assert.equal(drawn.fontSize, '0px', 'the ⏸ character is not what shows');
    assert.notEqual(drawn.content, 'none');
    assert.ok(parseFloat(drawn.width) > 10, `the bars are drawn: ${JSON.stringify(drawn)}`);
    await ctx.close();
  });
});
