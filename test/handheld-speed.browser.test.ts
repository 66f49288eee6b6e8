// The counter at full speed (issue 19), in Debian's Chromium at 360×640 against the real server: one intake
// has one Idempotency-Key whatever is tapped (a double tap, a tap after the answer, an outbox replay under
// another key all end on the stored verdict), taps per parcel counted in the page (every pointerdown: typing
// and scanning are not taps), a wedge scan from the verdict screen starting the next intake, a waybill taken in
// already caught at the scan, the draft kept through a reload and gone at logout, prohibited classes chosen at
// the counter. SCREENSHOTS=docs/screenshots writes the changed screens.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { queryRows } from '../server/db/database.js';
import { buildWebClients, launchChromium, screenshot } from './helpers/browser.js';
import { aParcel, anIdentity, aWaybill } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The sender step's fields in the order the form has them. */
const pick = (x: { idNumber: string; name: string; phone: string; address: string }) => ({ idNumber: x.idNumber, name: x.name, phone: x.phone, address: x.address });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Tap counts measured here, printed at the end for the closing note. */
const measured: Record<string, number> = {};

describe('handheld at full speed (Chromium)', function () {
  this.timeout(90_000);
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', RING_ALERT_SCORE: '100' });
    browser = await launchChromium();
  });
  after(async () => {
    console.log('taps per parcel:', JSON.stringify(measured));
    await browser?.close();
    await s?.close();
  });

  async function phone() {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    // Every finger on the screen, counted by the page itself (a keyboard's Enter or a scanner's code makes none).
    await ctx.addInitScript('window.__taps = 0; addEventListener("pointerdown", () => { window.__taps++; }, true);');
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { ctx, page, errors };
  }
  const taps = async (page: Page) => Number(await page.evaluate('window.__taps'));

  async function login(page: Page, username = 'courier1') {
    await page.goto(`${s.url}/handheld/`);
    await page.waitForSelector('#login-form');
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', 'parcelguard-demo');
    await page.press('input[name="password"]', 'Enter');
    await page.waitForSelector(username === 'courier1' ? 'input[name="waybillNo"]:focus' : '#holds-status');
  }

  /** A wedge scanner: the code typed at scanner speed, then Enter, into whatever has the focus. */
  const scan = async (page: Page, code: string) => {
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
  };
  const typeEnter = async (page: Page, ...values: string[]) => {
    for (const v of values) {
      if (v) await page.keyboard.type(v);
      await page.keyboard.press('Enter');
    }
  };

  /** A sender nobody has taken in yet (a known one would be filled in from the archive as the test types). */
  const newSender = () => ({ ...anIdentity('320102'), phone: '13912345678', address: '江苏省南京市玄武区中山路1号' });

  /** The recipient and contents step as a clerk does it: type, Enter to the next field, one tap for the class. */
  async function parcelStep(page: Page, description = '运动鞋', category = 'shoes') {
    await page.waitForSelector('input[name="rName"]:focus'); // the destination was remembered (US the first time)
    await typeEnter(page, 'John Smith', '', '1 Market St, San Francisco, CA', description);
    await page.waitForSelector('select[name="category"]:focus');
    await page.click(`.chips .chip[data-category="${category}"]`);
    await page.waitForSelector('input[name="quantity"]:focus');
    await typeEnter(page, '2', '300');
    await page.waitForSelector('input[name="inspection"]');
  }

  /** Inspection and screening: the defaults (inspected, matches, clear) are the common case; a tap each to go on. */
  async function finish(page: Page, matches: 'yes' | 'no' = 'yes') {
    if (matches === 'no') await page.click('input[name="contentsMatch"][value="no"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="screening"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#verdict');
  }

  it('takes a new sender’s parcel in ≤ 12 taps and a returning sender’s in ≤ 8 (found by ID number, or the same as last)', async () => {
    const { ctx, page, errors } = await phone();
    await login(page);
    const base = await taps(page);

    // A new sender: the cursor is on the ID number; Enter goes field to field and, the step complete, on.
    await scan(page, aWaybill());
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, '320102198001011238');
    await page.waitForSelector('input[name="senderName"]:focus');
    await typeEnter(page, '李四', '13912345678', '江苏省南京市玄武区中山路1号');
    await parcelStep(page);
    await finish(page);
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'accepted');
    measured.newSender = (await taps(page)) - base;
    assert.ok(measured.newSender <= 12, `new sender: ${measured.newSender} taps`);

    // A returning sender (taken in before on this device), found by the ID number typed: name, phone, address filled.
    const before = await taps(page);
    await scan(page, aWaybill()); // from the verdict screen: the next intake starts
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, '320102198001011238');
    await page.waitForSelector('#sender-found');
    assert.equal(await page.inputValue('input[name="senderName"]'), '李四');
    assert.equal(await page.inputValue('input[name="address"]'), '江苏省南京市玄武区中山路1号');
    await shot(page, 'sender-found');
    await page.keyboard.press('Enter'); // checked against the document: on
    await parcelStep(page, '羊毛衫', 'clothing');
    await finish(page);
    measured.returningSenderById = (await taps(page)) - before;
    assert.ok(measured.returningSenderById <= 8, `returning sender: ${measured.returningSenderById} taps`);

    // The same sender as the last parcel: one tap.
    const again = await taps(page);
    await scan(page, aWaybill());
    await page.click('#same-sender');
    await parcelStep(page, '手机壳', 'shoes');
    await finish(page);
    measured.sameSenderAsLast = (await taps(page)) - again;
    assert.ok(measured.sameSenderAsLast <= 8, `same sender: ${measured.sameSenderAsLast} taps`);

    const [row] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from parcels p join senders x on x.id = p.sender_id where x.name = '李四'`);
    assert.equal(row?.n, 3, 'three parcels, one sender archive record');
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("finds a returning sender in the outlet's archive on the server by ID number (another device took them in): name and address, the phone masked", async () => {
    const idNumber = '440106198505050014';
    const courier = `Bearer ${await s.login('courier1')}`;
    await s.http().post('/api/parcels').set('Authorization', courier).send(aParcel({ waybillNo: aWaybill(), sender: { idNumber, name: '陈六', phone: '13700137000', address: '广东省广州市越秀区北京路2号' } })).expect(201);
    // The route: exact type and number, the courier's outlet only, masked, audited; bad input a 422 at its field.
    const found = await s.http().post('/api/senders/returning').set('Authorization', courier).send({ idType: 'CN_RESIDENT_ID', idNumber }).expect(200);
    assert.deepEqual({ ...found.body.sender, lastSeenAt: undefined }, { idType: 'CN_RESIDENT_ID', idNumber: '440106********0014', name: '陈六', phone: found.body.sender.phone, address: '广东省广州市越秀区北京路2号', lastSeenAt: undefined });
    assert.ok(!found.body.sender.phone.includes('13700137000') && found.body.sender.phone.endsWith('7000'), found.body.sender.phone);
    assert.equal((await s.http().post('/api/senders/returning').set('Authorization', `Bearer ${await s.login('courier2')}`).send({ idType: 'CN_RESIDENT_ID', idNumber }).expect(200)).body.sender, null, "another outlet's courier");
    const bad = await s.http().post('/api/senders/returning').set('Authorization', courier).send({ idType: 'CN_RESIDENT_ID', idNumber: '440106198505050017' }).expect(422);
    assert.equal(bad.body.errors[0].path, 'idNumber');
    await s.http().post('/api/senders/returning').set('Authorization', `Bearer ${await s.login('regulator1')}`).send({ idType: 'CN_RESIDENT_ID', idNumber }).expect(403);
    const [audited] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log where action = 'pii.read' and subject_type = 'sender' and details->>'purpose' = 'returning_sender'`);
    assert.ok((audited?.n ?? 0) >= 1, 'the archive read is audited');
    // A miss too (courier2's, above): probing numbers leaves a trace, with no subject.
    const [missed] = await queryRows<{ n: number }>(s.ctx.db, sql`select count(*)::int as n from audit_log where action = 'pii.read' and details->>'purpose' = 'returning_sender' and details->>'found' = 'false' and subject_id is null`);
    assert.ok((missed?.n ?? 0) >= 1, 'a look-up that found nothing is audited');

    const { ctx, page, errors } = await phone();
    await login(page);
    const base = await taps(page);
    await scan(page, aWaybill());
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, idNumber);
    await page.waitForSelector('#sender-found');
    assert.equal(await page.inputValue('input[name="senderName"]'), '陈六');
    assert.equal(await page.inputValue('input[name="address"]'), '广东省广州市越秀区北京路2号');
    assert.equal(await page.inputValue('input[name="phone"]'), '', 'the phone is typed (a courier sees it masked)');
    assert.match((await page.getAttribute('input[name="phone"]', 'placeholder')) ?? '', /7000$/);
    await page.click('input[name="phone"]');
    await typeEnter(page, '13700137000');
    await parcelStep(page);
    await finish(page);
    measured.returningSenderFromArchive = (await taps(page)) - base;
    assert.ok(measured.returningSenderFromArchive <= 8, `returning sender (archive): ${measured.returningSenderFromArchive} taps`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('sends one parcel for a double tap on 提交并判定, and a tap after the answer; the verdict is the stored one', async () => {
    const { ctx, page, errors } = await phone();
    await login(page);
    const keys: string[] = [];
    // A slow link: the answer takes a second, so the second tap lands while the first is on its way.
    await page.route('**/api/parcels', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      await sleep(1000);
      await route.continue();
    });
    const wb = aWaybill();
    await scan(page, wb);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await parcelStep(page);
    await page.click('input[name="contentsMatch"][value="no"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="screening"]');
    const box = (await page.locator('button[type="submit"]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2); // as fast as a finger can
    await page.waitForSelector('#verdict');
    await sleep(1000);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2); // a second after the answer
    await sleep(1500);
    assert.equal(await page.locator('#form-problem').count(), 0, 'no banner about the waybill being taken');
    assert.equal(new Set(keys).size, 1, `one Idempotency-Key: ${JSON.stringify(keys)}`);
    const [row] = await queryRows<{ n: number; verdict: string }>(s.ctx.db, sql`select count(*)::int as n, max(verdict) as verdict from parcels where waybill_no = ${wb}`);
    assert.deepEqual({ ...row }, { n: 1, verdict: 'held' });
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('an intake that reached the server under another key (an outbox replay) shows its stored verdict, held stays held', async () => {
    const { ctx, page } = await phone();
    await login(page);
    const wb = aWaybill();
    // The first send arrives under another key and its answer is lost on the way back.
    let first = true;
    await page.route('**/api/parcels', async (route) => {
      if (!first) return route.continue();
      first = false;
      await route.fetch({ headers: { ...route.request().headers(), 'idempotency-key': crypto.randomUUID() } });
      await route.abort('failed');
    });
    await scan(page, wb);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await parcelStep(page);
    await finish(page, 'no');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'queued');
    await page.click('#queue-button');
    await page.click('[data-act="retry"]');
    // The resend meets WAYBILL_DUPLICATE: it is this intake (same sender, consignee, contents), so its verdict.
    await page.waitForSelector('#queue-list li[data-state="done"]');
    await page.click('#queue-list li[data-state="done"] [data-act="show"]');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'held');
    await page.waitForSelector('#verdict-recovered');
    await shot(page, 'verdict-recovered');

    // Another parcel under a label used already (by someone else's intake) is not "ours": a Chinese message.
    const taken = aWaybill();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(aParcel({ waybillNo: taken })).expect(201);
    await page.unroute('**/api/waybills/**');
    await page.route('**/api/waybills/**', (route) => route.abort('failed')); // the scan's check could not be made
    await page.click('[data-act="new"]');
    await scan(page, taken);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await parcelStep(page);
    await page.click('button[type="submit"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#form-problem');
    assert.match((await page.textContent('.field.invalid')) ?? '', /已被收寄|已收寄/);
    assert.equal(await page.inputValue('input[name="waybillNo"]'), taken, 'back at the waybill, to correct it');

    await ctx.close();
  });

  it('the same label, sender, consignee and goods as a parcel stored two days ago is a label used twice, not this intake', async () => {
    const reused = aWaybill();
    const who = newSender();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`)
      .send(aParcel({ waybillNo: reused, sender: pick(who), recipient: { name: 'John Smith', address: '1 Market St, San Francisco, CA', country: 'US' }, declared: { description: '运动鞋', category: 'shoes', brand: undefined } }))
      .expect(201);
    await s.ctx.db.execute(sql`update parcels set created_at = created_at - interval '2 days' where waybill_no = ${reused}`);
    const { ctx, page } = await phone();
    await login(page);
    await page.route('**/api/waybills/**', (route) => route.abort('failed')); // the scan's check could not be made
    await scan(page, reused);
    await page.waitForSelector('input[name="idNumber"]:focus');
    for (const [field, value] of [['idNumber', who.idNumber], ['senderName', who.name], ['phone', who.phone], ['address', who.address]] as const) await page.fill(`input[name="${field}"]`, value);
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="rName"]');
    for (const [field, value] of [['country', 'US'], ['rName', 'John Smith'], ['rAddress', '1 Market St, San Francisco, CA'], ['description', '运动鞋'], ['quantity', '2'], ['valueCny', '300']] as const) await page.fill(`input[name="${field}"]`, value);
    await page.selectOption('select[name="category"]', 'shoes');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="inspection"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="screening"]');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#form-problem');
    assert.equal(await page.locator('#verdict-recovered').count(), 0, 'not shown as submitted earlier');
    assert.match((await page.textContent('.field.invalid')) ?? '', /已被收寄|已收寄/);
    await ctx.close();
  });

  it('a scan on the verdict screen starts the next intake; the waybill field is replaced by a scan; a taken waybill is caught at the scan', async () => {
    const { ctx, page, errors } = await phone();
    await login(page);
    // The status route: taken or not, nothing else, for couriers only.
    const taken = aWaybill();
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(aParcel({ waybillNo: taken })).expect(201);
    const asked = await s.http().get(`/api/waybills/${taken.toLowerCase()}/status`).set('Authorization', `Bearer ${await s.login('courier2')}`).expect(200);
    assert.deepEqual(asked.body, { waybillNo: taken, taken: true }, 'any courier may ask, whatever outlet took it in');
    assert.equal((await s.http().get(`/api/waybills/${aWaybill()}/status`).set('Authorization', `Bearer ${await s.login('courier1')}`).expect(200)).body.taken, false);
    await s.http().get(`/api/waybills/${taken}/status`).set('Authorization', `Bearer ${await s.login('regulator1')}`).expect(403);

    // A second scan into a filled waybill field replaces it (the field selects its content on focus).
    await page.keyboard.type('EA000000000CN');
    await page.click('.steps'); // elsewhere: the field loses the focus
    await page.click('input[name="waybillNo"]');
    await scan(page, taken);
    await page.waitForSelector('#form-problem');
    assert.equal(await page.inputValue('input[name="waybillNo"]'), taken);
    assert.match((await page.textContent('.field.invalid')) ?? '', /已收寄过/);
    await shot(page, 'waybill-taken');

    // The verdict screen: the next scan is not lost on its buttons.
    const wb = aWaybill();
    await scan(page, wb);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await parcelStep(page);
    await finish(page);
    await shot(page, 'verdict-next');
    const next = aWaybill();
    await scan(page, next);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await page.click('[data-act="back"]');
    assert.equal(await page.inputValue('input[name="waybillNo"]'), next);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it('keeps the draft through a reload (in the outbox’s IndexedDB) and forgets it at logout', async () => {
    const { ctx, page } = await phone();
    await login(page);
    const wb = aWaybill();
    await scan(page, wb);
    await page.waitForSelector('input[name="idNumber"]:focus');
    const who = newSender();
    await typeEnter(page, who.idNumber, who.name);
    await sleep(600);
    await page.reload();
    await page.waitForSelector('input[name="idNumber"]');
    assert.equal(await page.inputValue('input[name="idNumber"]'), who.idNumber);
    assert.equal(await page.inputValue('input[name="senderName"]'), who.name);
    await page.click('[data-act="back"]');
    assert.equal(await page.inputValue('input[name="waybillNo"]'), wb);
    await page.click('[data-act="logout"]');
    await page.waitForSelector('#login-form');
    const left = await page.evaluate(`new Promise((ok) => { const r = indexedDB.open('parcelguard-handheld'); r.onsuccess = () => { const g = r.result.transaction('drafts').objectStore('drafts').count(); g.onsuccess = () => ok(g.result); }; })`);
    assert.equal(left, 0, 'no draft left on the device');
    await login(page);
    assert.equal(await page.inputValue('input[name="waybillNo"]'), '');
    await ctx.close();
  });

  it("a shared device: decided intakes leave it at logout, and no courier reuses another's sender", async () => {
    const { ctx, page } = await phone();
    await login(page);
    await scan(page, aWaybill());
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await page.waitForSelector('input[name="rName"]:focus');
    await parcelStep(page);
    await finish(page);
    // The next intake offers this courier their last sender.
    await scan(page, aWaybill());
    await page.waitForSelector('#same-sender');
    await page.click('[data-act="logout"]');
    await page.waitForSelector('#login-form');
    const decided = await page.evaluate(`new Promise((ok) => { const r = indexedDB.open('parcelguard-handheld'); r.onsuccess = () => { const g = r.result.transaction('intakes').objectStore('intakes').getAll(); g.onsuccess = () => ok(g.result.filter((i) => i.state === 'done').length); }; })`);
    assert.equal(decided, 0, 'no decided intake, with its identity and phone, left on the device');
    await login(page);
    await scan(page, aWaybill());
    await page.waitForSelector('input[name="idNumber"]:focus');
    assert.equal(await page.locator('#same-sender').count(), 0, 'nothing of the last session to reuse');
    await ctx.close();
  });

  it('prohibited classes are chosen at the counter from a list, Chinese first, and refused', async () => {
    const { ctx, page } = await phone();
    await login(page);
    const wb = aWaybill();
    await scan(page, wb);
    await page.waitForSelector('input[name="idNumber"]:focus');
    await typeEnter(page, ...Object.values(pick(newSender())));
    await page.waitForSelector('input[name="rName"]:focus');
    await typeEnter(page, 'John Smith', '', '1 Market St, San Francisco, CA', '金属零件');
    await page.click('#prohibited summary');
    await page.locator('#prohibited').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'prohibited-list');
    const first = await page.locator('.prohibited-choice').first().textContent();
    assert.match(first!, /^枪支/);
    await page.click('.prohibited-choice[data-category="firearms"]');
    await page.waitForSelector('#prohibited-chosen');
    assert.equal(await page.inputValue('select[name="category"]'), 'firearms');
    // The choice made, the list folds away and a red line says what will happen; the class field shows it too.
    await page.locator('#prohibited-chosen').scrollIntoViewIfNeeded();
    await shot(page, 'prohibited');
    await typeEnter(page, '1', '100');
    await finish(page);
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'rejected');
    const [row] = await queryRows<{ category: string; reasons: { code: string }[] }>(s.ctx.db, sql`select declared_category as category, reasons from parcels where waybill_no = ${wb}`);
    assert.equal(row?.category, 'firearms');
    assert.ok(row?.reasons.some((r) => r.code === 'PROHIBITED_ITEM'), JSON.stringify(row?.reasons));
    await ctx.close();
  });

  const shot = (page: Page, name: string, height?: number) => screenshot(page, `handheld-${name}`, height);
});
