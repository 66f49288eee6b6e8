// The handheld with an organisation sender (协议客户, issue 18) in Chromium at 360×640: the courier picks an
// approved organisation from the server's list, records its handler, and a vague cross-border description is
// caught at the field with concrete descriptions to pick from. SCREENSHOTS=docs/screenshots writes the screens.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { buildWebClients, launchChromium, screenshot } from './helpers/browser.js';
import { aHandler, aResidentId, aUscc, aWaybill } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('handheld: organisation sender and vague descriptions (Chromium)', function () {
  // Building the clients and starting Chromium take a while on a busy machine.
  this.timeout(180_000);
  let s: TestServer;
  let browser: Browser;
  const uscc = aUscc();
  const orgName = '广州天河优选电子商务有限公司';

  before(async () => {
    buildWebClients();
    s = await startTestServer({ CUSTOMS_BASE_RATE: '0', RING_ALERT_SCORE: '100' });
    browser = await launchChromium();
    const admin = await s.login('admin');
    const reg = await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name: orgName,
      uscc,
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19800101', '321'), name: '王建国' },
      address: '广东省广州市天河区天河路100号',
      phone: '13900139000',
    });
    assert.equal(reg.status, 201, reg.text);
    await s.http().post(`/api/organisations/${reg.body.id}/review`).set('Authorization', `Bearer ${admin}`).send({ decision: 'approve', reason: '资质齐全' }).expect(200);
    // A pending one, which the picker must not offer.
    await s.http().post('/api/organisations').set('Authorization', `Bearer ${admin}`).send({
      name: '广州天河待审商贸有限公司', uscc: aUscc(),
      legalRepresentative: { idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19810101', '322'), name: '李建国' },
      address: '广东省广州市天河区天河路101号', phone: '13900139001',
    }).expect(201);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function login(page: Page) {
    await page.goto(`${s.url}/handheld/`);
    await page.waitForSelector('#login-form');
    await page.fill('input[name="username"]', 'courier1');
    await page.fill('input[name="password"]', 'parcelguard-demo');
    await page.press('input[name="password"]', 'Enter');
    await page.waitForSelector('input[name="waybillNo"]');
  }

  it("takes in an organisation's parcel with its handler; a vague description abroad is caught at the field", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    const page = await ctx.newPage();
    await login(page);
    const wb = aWaybill();
    await page.fill('input[name="waybillNo"]', wb);
    await page.press('input[name="waybillNo"]', 'Enter');

    // Sender: 单位（协议客户）. The picker lists approved organisations only; typing narrows it.
    await page.check('input[name="senderKind"][value="organisation"]');
    await page.waitForSelector('#org-list button');
    const listed = await page.locator('#org-list button').allTextContents();
    assert.ok(listed.some((t) => t.includes(orgName)), listed.join());
    assert.ok(!listed.some((t) => t.includes('待审')), 'a pending organisation is not offered');
    await page.fill('input[name="orgQuery"]', '优选');
    await page.waitForSelector(`#org-list button[data-uscc="${uscc}"]`);
    // Going on without picking one is refused at the picker.
    const handler = aHandler();
    await page.fill('input[name="idNumber"]', handler.idNumber);
    await page.fill('input[name="senderName"]', handler.name);
    await page.fill('input[name="phone"]', handler.phone);
    assert.equal(await page.locator('input[name="address"]').count(), 0, "the handler gives no address: the organisation's is on file");
    await page.click('button[type="submit"]');
    await page.waitForSelector('#org-picker.invalid >> text=/请选择寄件单位/');
    await page.click(`#org-list button[data-uscc="${uscc}"]`);
    await page.waitForSelector('#org-picked');
    await page.waitForSelector('#org-list button[aria-pressed="true"]');
    assert.match((await page.textContent('#org-picked'))!, new RegExp(orgName));
    assert.equal(await page.inputValue('input[name="senderName"]'), handler.name, 'picking keeps what was typed');
    await screenshot(page, 'handheld-organisation-sender', 900);
    await page.click('button[type="submit"]');

    // Contents: 礼品 to the US is caught when the field is left, with concrete descriptions by class.
    await page.waitForSelector('input[name="country"]');
    await page.fill('input[name="country"]', 'US');
    await page.fill('input[name="rName"]', 'John Smith');
    await page.fill('input[name="rAddress"]', '1 Market St, San Francisco, CA');
    await page.fill('input[name="description"]', '礼品');
    await page.press('input[name="description"]', 'Tab');
    await page.waitForSelector('.field.invalid >> text=/笼统品名/');
    await page.selectOption('select[name="category"]', 'clothing');
    await page.waitForSelector('#vague-help');
    await page.fill('input[name="quantity"]', '2');
    await page.fill('input[name="valueCny"]', '300');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#vague-help .chip');
    assert.ok(await page.isVisible('input[name="description"][aria-invalid="true"]'), 'still on the contents step, the field marked');
    const first = await page.locator('#vague-help .vh-cat').first().textContent();
    assert.match(first!, /服装/, 'the declared class comes first');
    await screenshot(page, 'handheld-vague-description', 1100);
    await page.click('#vague-help .chip[data-description="棉质T恤"]');
    await page.waitForFunction(`document.querySelector('input[name="description"]')?.value === '棉质T恤'`);
    assert.equal(await page.locator('#vague-help').count(), 0);
    await page.click('button[type="submit"]');

    await page.check('input[name="inspection"][value="performed"]');
    await page.check('input[name="contentsMatch"][value="yes"]');
    await page.click('button[type="submit"]');
    await page.check('input[name="screening"][value="clear"]');
    await page.fill('input[name="machineId"]', 'XR-01');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#verdict[data-verdict="accepted"]');

    const courier = await s.login('courier1');
    const stored = await s.http().get(`/api/parcels/${wb}`).set('Authorization', `Bearer ${courier}`).expect(200);
    assert.equal(stored.body.parcel.organisation.uscc, uscc);
    assert.equal(stored.body.parcel.handler.name, handler.name);
    assert.equal(stored.body.parcel.declared.description, '棉质T恤');
    assert.equal(stored.body.parcel.declared.category, 'clothing');
    await ctx.close();
  });
});
