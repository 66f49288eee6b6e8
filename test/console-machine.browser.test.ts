// Issue 18's console pages end to end in Debian's Chromium, against the real server: admin creates a service
// account and issues a key, which is shown once (with a copy button) and works on the API, and is gone from the
// page afterwards (only its prefix stays); then subscribes a local receiver to events, gets the signing secret
// once, sends a test event and sees it delivered in the log. Every test fails on any script error or CSP
// violation. SCREENSHOTS=docs/screenshots writes each page.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { buildWebClients, launchChromium, openConsole as openConsoleAs, screenshot, textUntil } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('console: machine clients and webhooks (Chromium)', function () {
  this.timeout(90_000);
  let s: TestServer;
  let browser: Browser;
  let receiver: http.Server;
  let receiverUrl = '';
  const received: { event: string; body: string }[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    buildWebClients();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ event: String(req.headers['x-parcelguard-event']), body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parcelguard`;
    s = await startTestServer({ JOBS_POLL_MS: '200' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });
  afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors or CSP violations in the page'));

  it('admin creates a service account and a key: shown once with a copy button, it works, and only its prefix stays', async () => {
    const page = await openConsoleAs(browser, s.url, 'admin', pageErrors);
    await page.click('.top nav a[href="#/service-accounts"]');
    await page.waitForSelector('#sa-form');
    await textUntil(page, 'main h1', (x) => x === '机器客户端');
    // A name already shaped wrong is refused at its field, in Chinese.
    await page.fill('#sa-form input[name="accountName"]', 'ems-dispatch');
    await page.fill('#sa-form input[name="outletId"]', 'NOPE-1');
    await page.click('#sa-form button[type="submit"]');
    await textUntil(page, '#sa-form .field-error', (x) => /不存在营业网点 NOPE-1/.test(x ?? ''));
    await page.fill('#sa-form input[name="outletId"]', 'GZ-TH-001');
    await page.click('#sa-form button[type="submit"]');
    await page.waitForSelector('#key-form');
    await textUntil(page, '#sa-keys h2', (x) => /ems-dispatch/.test(x ?? ''));
    await page.fill('#key-form input[name="label"]', '调度系统');
    await page.click('#key-form button[type="submit"]');
    const key = (await textUntil(page, '#key-once code', (x) => /^pgk_[a-z2-7]{12}_[a-z2-7]{40}$/.test(x ?? '')))!;
    await textUntil(page, '#key-once p', (x) => /只显示这一次/.test(x ?? ''));
    await page.click('#key-once [data-copy]');
    await textUntil(page, '#key-once [data-copied]', (x) => !!x);
    await textUntil(page, '#sa-table tbody tr td.num', (x) => x === '1');
    await screenshot(page, 'console-service-accounts', 900);

    // The key works on the API, as a courier of the outlet.
    const who = await s.http().get('/api/session').set('X-Api-Key', key).expect(200);
    assert.deepEqual(who.body.user, { username: 'ems-dispatch', role: 'courier', outletId: 'GZ-TH-001' });

    // Coming back, the key is not shown again: only its prefix, with its last use.
    await page.reload();
    await page.waitForSelector('#key-table');
    assert.equal(await page.$('#key-once'), null);
    const row = (await page.textContent('#key-table tbody tr'))!;
    assert.ok(row.includes(`pgk_${key.slice(4, 16)}_…`), row);
    assert.ok(!row.includes(key.slice(17)), 'the secret is not on the page');
    await page.close();
  });

  it('admin subscribes a receiver, gets the secret once, sends a test event and sees it delivered', async () => {
    const page = await openConsoleAs(browser, s.url, 'admin', pageErrors);
    await page.click('.top nav a[href="#/webhooks"]');
    await page.waitForSelector('#wh-form');
    await page.fill('#wh-form input[name="webhookName"]', '海关风险系统');
    await page.fill('#wh-form input[name="url"]', 'ftp://example.com/x');
    await page.click('#wh-form button[type="submit"]');
    await textUntil(page, '#wh-form .field-error', (x) => /http:\/\/ 或 https:\/\//.test(x ?? ''));
    await page.fill('#wh-form input[name="url"]', `${receiverUrl}?token=abc`);
    await page.check('#wh-form input[value="hold.created"]');
    await page.fill('#wh-form input[name="jurisdiction"]', '44');
    await page.click('#wh-form button[type="submit"]');
    await textUntil(page, '#secret-once code', (x) => /^whsec_/.test(x ?? ''));
    await textUntil(page, '#wh-table tbody', (x) => /海关风险系统/.test(x ?? '') && /\?…/.test(x ?? ''));
    await page.click('#wh-table [data-test]');
    await page.waitForSelector('#wh-deliveries:not([hidden])');
    await textUntil(page, '#delivery-table tbody', (x) => /已送达/.test(x ?? '') && /测试事件/.test(x ?? ''));
    assert.equal(await page.getAttribute('#delivery-table tbody tr', 'data-status'), 'delivered');
    assert.ok(received.some((r) => r.event === 'webhook.test'));
    await page.locator('#wh-list').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-webhooks', 900);

    // In English too.
    await page.click('#lang');
    await textUntil(page, '#delivery-table tbody', (x) => /Delivered/.test(x ?? '') && /Test event/.test(x ?? ''));
    await page.close();
  });
});
