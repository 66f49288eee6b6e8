// Issue 19, "Chinese everywhere": every demo role walks every page of the console, and the courier every screen of
// the handheld, in zh-CN, with data on them (a ring alert, a suspect-list hit and its hold, a case, an organisation,
// a batch, an import with a bad row, a refused form, a network failure). What a person reads — the page's text and
// its placeholder, title and aria-label attributes — may hold Latin-script words only from a short allowlist (codes,
// brands, units, and the words of the data this file put in). On the same walk no form control hides a property of
// its form (name="action" made form.action the input, name="title" form.title…).
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildWebClients, launchChromium, openConsole } from './helpers/browser.js';
import { aHeldParcel, anIdentity, aParcel, aUscc, ringParcel } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Latin words a Chinese interface keeps. Codes with digits (waybill numbers, route keys, IDs) pass on their own;
 * upper-case abbreviations of 2 to 5 letters (ISO country codes, HS, USCC, EMS, CNY, UTC, CSV, XLSX) pass too.
 * UPPER_SNAKE codes (PROHIBITED_ITEM_SUSPECTED) never do: a person reads the code's message, not the code.
 */
const ALLOWED = new Set([
  'ParcelGuard', // the product's name
  'English', // the switch to English is labelled in the language it switches to
  'Excel', // the file format people know by this name (CSV/XLSX pass as abbreviations)
  'Bearer', // the machine-client page shows the HTTP header a client sends, verbatim
  'Authorization',
  'https', // example URLs on the webhook and machine-client forms
  'kg', // units
  'ms',
  'km',
  'Gucci', // brands named in the price-floor and goods-rule hints
  'Rolex',
  'Zhang', // the look-up's example of a name typed in pinyin (张伟、張偉、Zhang Wei 均可)
  'Wei',
  'admin', // the demo administrator's user name, shown as who is logged in (other user names carry digits)
]);

/** Words of a text that a Chinese reader should not meet: Latin words not allowed above nor part of the test's data. */
function foreignWords(text: string, data: Set<string>): string[] {
  const out: string[] = [];
  for (const token of text.split(/[^A-Za-z0-9_\-.@:/+*]+/)) {
    const word = token.replace(/^[-.:/]+|[-.:/]+$/g, '');
    if (!/[A-Za-z]/.test(word)) continue;
    const upperSnake = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(word);
    if (!upperSnake) {
      if (/\d/.test(word) || /[@/]/.test(word)) continue; // a code, a number with its unit, an address or path
      if (/^[A-Z]{2,5}$/.test(word) || ALLOWED.has(word) || data.has(word)) continue;
      // HTTP header names a machine client sends or checks (X-Outlet-Id, X-ParcelGuard-Signature): protocol, not prose
      if (/^X-[A-Za-z]+(-[A-Za-z]+)*$/.test(word)) continue;
      // dotted identifiers (customs.notice.create, the prefix case.*) are audit action codes: shown beside their
      // Chinese names, and typed as they are into the trail's filter
      if (/^[a-z]+(\.[a-z_*]+)+$/.test(word)) continue;
      if (word.split(/[-.]/).every((w) => !w || /^[A-Z]{2,5}$/.test(w) || ALLOWED.has(w) || data.has(w))) continue;
    }
    out.push(word);
  }
  return out;
}

type Dom = {
  location: { hash: string };
  document: {
    body: { innerText: string };
    querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null; name?: string; elements: ArrayLike<{ name?: string }> }>;
  };
  HTMLFormElement: { prototype: object };
};

/**
 * What a person reads on the page now: its visible text and the words of its attributes. Elements marked
 * translate="no" (HTML's "not language": brand names, job kinds, rule keys, configuration names, the audit trail's
 * raw record) are left out; the pages use it for those only.
 */
async function readableText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const g = globalThis as unknown as Dom;
    const hidden = Array.from(g.document.querySelectorAll('[translate="no"]')) as unknown as { style: { display: string } }[];
    const before = hidden.map((e) => e.style.display);
    for (const e of hidden) e.style.display = 'none';
    const text = g.document.body.innerText;
    hidden.forEach((e, i) => (e.style.display = before[i]!));
    const attrs: string[] = [];
    for (const el of Array.from(g.document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')))
      for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
        const v = el.getAttribute(a);
        if (v) attrs.push(v);
      }
    return `${text}\n${attrs.join('\n')}`;
  });
}

async function shadowedFormProperties(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as unknown as Dom;
    const found: string[] = [];
    for (const form of Array.from(g.document.querySelectorAll('form')))
      for (const el of Array.from(form.elements)) if (el.name && el.name in g.HTMLFormElement.prototype) found.push(el.name);
    return found;
  });
}

const go = (page: Page, hash: string) => page.evaluate((h) => ((globalThis as unknown as Dom).location.hash = h), hash);

/** Waits until the page has painted its data (no "加载中" left) and its lazy parts settled. */
async function settle(page: Page) {
  await page.waitForTimeout(300);
  const until = Date.now() + 10_000;
  while (Date.now() < until && /加载中/.test(await page.evaluate(() => (globalThis as unknown as Dom).document.body.innerText))) await page.waitForTimeout(150);
  await page.waitForTimeout(200);
}

describe('every page in Chinese (Chromium)', function () {
  this.timeout(300_000);
  let s: TestServer;
  let browser: Browser;
  const pageErrors: string[] = [];
  /** Latin words of the data this file put in (a recipient abroad, a brand): data, not interface. */
  const data = new Set<string>();
  const ids: { alert?: string; caseId?: string; org?: string; route?: string; crossBorder?: string } = {};
  const auth = async (user: string) => `Bearer ${await s.login(user)}`;
  const remember = <T extends object>(body: T): T => {
    for (const w of JSON.stringify(body).split(/[^A-Za-z]+/)) if (w) data.add(w);
    return body;
  };

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0' });
    browser = await launchChromium();
    const courier = await auth('courier1');
    const regulator = await auth('regulator1');
    // A ring alert (ANT_MOVING) and the route it runs on.
    for (let i = 0; i < 3; i++) {
      const body = remember(ringParcel('13912340077'));
      await s.http().post('/api/parcels').set('Authorization', courier).send(body).expect(201);
      ids.crossBorder = body.waybillNo;
    }
    // A suspect-list entry and a parcel that meets it: a WATCHLIST_HIT alert and a hold; a held parcel of the counter.
    await s.http().post('/api/watchlist/entries').set('Authorization', regulator).send({ entries: [{ type: 'phone', value: '13912340088', note: '线索' }] }).expect(201);
    await s.http().post('/api/parcels').set('Authorization', courier).send(remember(aParcel({ sender: { phone: '13912340088' } }))).expect(201);
    await s.http().post('/api/parcels').set('Authorization', courier).send(remember(aHeldParcel())).expect(201);
    // An import with a bad row (its report is on the page only after an upload: the walk uploads it below too).
    await s.http().post('/api/watchlist/import').set('Authorization', regulator).attach('file', Buffer.from('type,value\nphone,13912340099\nplanet,x\n'), 'list.csv').expect(201);
    const alerts = await s.http().get('/api/alerts').set('Authorization', regulator).expect(200);
    ids.alert = alerts.body.alerts.find((a: { type: string }) => a.type === 'ANT_MOVING')?.id ?? alerts.body.alerts[0].id;
    const due = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const made = await s.http().post('/api/cases').set('Authorization', regulator).send({ title: '蚂蚁搬家团伙督办', alertIds: [ids.alert], ownerUsername: 'regulator1', dueAt: due }).expect(201);
    ids.caseId = made.body.id;
    // A contract customer, approved, and a batch of its parcels.
    const rep = anIdentity();
    const org = await s.http().post('/api/organisations').set('Authorization', regulator).send({
      name: '广州市天河区示例贸易有限公司', uscc: aUscc(), legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: rep.idNumber, name: rep.name },
      address: '广东省广州市天河区体育西路2号', phone: '13812345678',
    });
    assert.equal(org.status, 201, JSON.stringify(org.body));
    ids.org = org.body.id;
    await s.http().post(`/api/organisations/${ids.org}/review`).set('Authorization', regulator).send({ decision: 'approve', reason: '材料齐全' }).expect(200);
    const routes = await s.http().get('/api/routes').set('Authorization', regulator).expect(200);
    ids.route = routes.body[0]?.routeKey ?? routes.body.routes?.[0]?.routeKey;
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors in the page'));

  /** The pages a role has in its navigation, their tabs, and the detail pages of the data made above. */
  async function pagesOf(page: Page): Promise<string[]> {
    const nav = await page.locator('.top nav a[data-nav]').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('data-nav')));
    const tabs: Record<string, string[]> = {
      '#/routes': ['#/goods-rules', ...(ids.route ? [`#/routes/${encodeURIComponent(ids.route)}`] : [])],
      '#/notices': ['#/disposals', '#/brands'],
      '#/allowlist': ['#/price-floors'],
      '#/audit': ['#/privacy'],
      '#/alerts': [`#/alerts/${ids.alert}`],
      '#/cases': [`#/cases/${ids.caseId}`],
      '#/organisations': [`#/organisations/${ids.org}`],
    };
    return nav.flatMap((h) => [h, ...(tabs[h] ?? [])]);
  }

  async function walk(page: Page, where: string, problems: string[]) {
    await settle(page);
    const words = foreignWords(await readableText(page), data);
    if (words.length) problems.push(`${where}: ${[...new Set(words)].join(', ')}`);
    const shadowing = await shadowedFormProperties(page);
    if (shadowing.length) problems.push(`${where}: form controls named ${shadowing.join(', ')}`);
  }

  for (const [username, ready] of [
    ['regulator1', undefined],
    ['customs1', undefined],
    ['admin', undefined],
    ['supervisor1', undefined],
    ['auditor1', '#page h1'],
  ] as const) {
    it(`the console as ${username}: every page reads in Chinese`, async () => {
      const page = await openConsole(browser, s.url, username, pageErrors, undefined, ready);
      const problems: string[] = [];
      await walk(page, `${username} ${await page.evaluate(() => (globalThis as unknown as Dom).location.hash)}`, problems);
      for (const hash of await pagesOf(page)) {
        await go(page, hash);
        await walk(page, `${username} ${hash}`, problems);
      }
      await page.context().close();
      assert.deepEqual(problems, []);
    });
  }

  it('the console: the login page, a refused form, an import report and a network failure read in Chinese', async () => {
    const problems: string[] = [];
    const ctx = await browser.newContext({ locale: 'zh-CN' });
    const login = await ctx.newPage();
    await login.goto(`${s.url}/console/`);
    await login.waitForSelector('form#login');
    await walk(login, 'login', problems);
    await login.fill('input[name="username"]', 'regulator1');
    await login.fill('input[name="password"]', 'wrong-password');
    await login.press('input[name="password"]', 'Enter');
    await login.waitForSelector('#login-error:not(:empty)');
    await walk(login, 'login refused', problems);
    await ctx.close();

    const page = await openConsole(browser, s.url, 'regulator1', pageErrors);
    // A suspect-list entry the server refuses (a phone that is no phone), and an import with bad rows.
    await go(page, '#/watchlist');
    await settle(page);
    const file = page.locator('#import input[type="file"]');
    await file.setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from('type,value,expiresAt\nphone,12,\nplanet,x,\nbrand,N,\nid_number,110105194912310021,\nphone,13912340111,2001-01-01\n') });
    await page.click('#import button[type="submit"]');
    await page.waitForSelector('#import-report tbody tr');
    await walk(page, 'watchlist import report', problems);
    // The server is unreachable for the list: said in Chinese, not the browser's "Failed to fetch".
    await page.route('**/api/watchlist/entries**', (route) => route.abort('internetdisconnected'));
    await go(page, '#/watchlist?q=x');
    await page.waitForSelector('#list-error:not(:empty)');
    await walk(page, 'watchlist offline', problems);
    pageErrors.splice(0); // the aborted request is logged by Chromium as a console error: that is the point here
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  it('a false positive or a seizure without a note is refused in Chinese too', async () => {
    const fp = await s.http().post(`/api/alerts/${ids.alert}/resolve`).set('Authorization', await auth('regulator1')).send({ resolution: 'false_positive' }).expect(400); // a schema refusal, as every NOTE_REQUIRED of a route's body
    assert.equal(fp.body.code, 'NOTE_REQUIRED');
    assert.equal(fp.body.errors[0].path, 'note');
    assert.match(fp.body.errors[0].messageZh, /请说明为何判定为误报/);
    const seized = await s.http().post(`/api/parcels/${ids.crossBorder}/customs-outcome`).set('Authorization', await auth('customs1')).send({ outcome: 'seized' });
    assert.equal(seized.status, 400, JSON.stringify(seized.body));
    assert.match(seized.body.errors[0].messageZh, /请填写查验发现：扣留的邮件须附说明/);
  });

  it('the handheld: login, intake, holds and queue read in Chinese', async () => {
    const problems: string[] = [];
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: 'zh-CN', serviceWorkers: 'block' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    await page.goto(`${s.url}/handheld/`);
    await page.waitForSelector('#login-form');
    await walk(page, 'handheld login', problems);
    await page.fill('#login-form input[name="username"]', 'courier1');
    await page.fill('#login-form input[name="password"]', 'parcelguard-demo');
    await page.press('#login-form input[name="password"]', 'Enter');
    await page.waitForSelector('input[name="waybillNo"]');
    await walk(page, 'handheld intake', problems);
    // A waybill that was taken in already: the banner that says so.
    const taken = (await s.http().get('/api/holds').set('Authorization', await auth('courier1')).expect(200)).body.holds[0]?.waybillNo;
    if (taken) {
      await page.fill('input[name="waybillNo"]', taken);
      await page.press('input[name="waybillNo"]', 'Enter');
      await page.waitForTimeout(1500);
      await walk(page, 'handheld duplicate waybill', problems);
    }
    await go(page, '#holds');
    await page.waitForTimeout(1500);
    await walk(page, 'handheld holds', problems);
    await ctx.close();
    assert.deepEqual(problems, []);
  });
});
