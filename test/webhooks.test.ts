// Outbound webhooks (issue 18): subscriptions by area, events from the bus delivered to a real local receiver,
// signed, retried with the job queue's backoff, logged per delivery, never duplicated, and never a secret, a
// signature or the address's query string in the server's log.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { eq, like } from 'drizzle-orm';
import { jobs, webhookDeliveries } from '../models/schema.js';
import { createJobRunner } from '../server/jobs/runner.js';
import { webhookFanOutsSettled, type CustomsSelected } from '../server/webhooks/events.js';
import { checkWebhookUrl, guardedLookup, isPrivateAddress } from '../server/webhooks/url.js';
import { aParcel, aResidentId, domestic, unlinkedParties } from './helpers/factories.js';
import { expectProblem, startTestServer, type TestServer } from './helpers/server.js';

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** A receiver on 127.0.0.1: records every request; `/flaky` answers 500 the first time it sees a delivery, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const seenFlaky = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const delivery = String(req.headers['x-parcelguard-delivery']);
      if (r.path.startsWith('/flaky') && !seenFlaky.has(delivery)) {
        seenFlaky.add(delivery);
        res.writeHead(500).end('not yet');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function verify(secret: string, r: Received): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-parcelguard-signature']));
  if (!m) return false;
  return createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex') === m[2];
}

describe('outbound webhooks', () => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const log = capture();
  let admin: string;
  let regulator1: string;
  let regulator2: string;
  let clock = new Date();
  const runJobs = () => createJobRunner(s.ctx, { pollMs: 1000, now: () => clock, worker: 'webhook-test' }).runOnce();
  const settle = async () => {
    await webhookFanOutsSettled();
    clock = new Date(Math.max(clock.getTime(), Date.now()));
    await runJobs();
  };
  const secrets = new Map<string, string>();
  const QUERY_TOKEN = 'qtok-7f3a9c1e5b';

  before(async () => {
    receiver = await startReceiver();
    // Every cross-border parcel selected, so customs.selected is emitted; no ring alerts to muddle the counts.
    s = await startTestServer({ JOBS_ENABLED: 'false', LOG_LEVEL: 'debug', CUSTOMS_BASE_RATE: '1', RING_ALERT_SCORE: '100' }, {}, log.stream);
    admin = await s.login('admin');
    regulator1 = await s.login('regulator1');
    regulator2 = await s.login('regulator2');
  });
  after(async () => {
    await s?.close();
    await receiver?.close();
  });

  const subscribe = (token: string, body: object) => s.http().post('/api/webhooks').set('Authorization', `Bearer ${token}`).send(body);

  it('subscriptions are checked: address form, events, area inside the officer’s jurisdiction; couriers may not subscribe', async () => {
    const base = { name: 'risk system', url: `${receiver.url}/hook`, events: ['alert.opened'] };
    expectProblem(await subscribe(admin, { ...base, url: 'ftp://example.com/x' }), 422, 'WEBHOOK_URL_INVALID');
    expectProblem(await subscribe(admin, { ...base, url: 'https://user:pw@example.com/x' }), 422, 'WEBHOOK_URL_INVALID');
    expectProblem(await subscribe(admin, { ...base, events: ['alert.exploded'] }), 400);
    const outside = expectProblem(await subscribe(regulator2, { ...base, jurisdiction: '44' }), 422, 'WEBHOOK_JURISDICTION_OUTSIDE');
    assert.equal(outside.errors?.[0]?.path, 'jurisdiction');
    const area = expectProblem(await subscribe(admin, { ...base, carrier: 'EMS', events: ['hold.created', 'alert.opened'] }), 422, 'WEBHOOK_EVENT_NEEDS_AREA');
    assert.equal(area.errors?.[0]?.path, 'events.1');
    expectProblem(await subscribe(regulator1, { ...base, events: ['hold.created'], outletId: 'YW-CC-001' }), 422, 'WEBHOOK_OUTLET_UNKNOWN'); // Zhejiang's
    expectProblem(await subscribe(await s.login('courier1'), base), 403, 'ROLE_FORBIDDEN');
  });

  it('private addresses are refused in production only; the resolver is guarded at connection time too', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://10.1.2.3/x', 'http://192.168.1.1/', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://localhost/x', 'http://[::ffff:127.0.0.1]/']) {
      assert.equal((await checkWebhookUrl(url, true))?.code, 'WEBHOOK_URL_PRIVATE', url);
      assert.equal(await checkWebhookUrl(url, false), null, url);
    }
    assert.equal(await checkWebhookUrl('https://93.184.216.34/hook', true), null);
    assert.ok(!isPrivateAddress('8.8.8.8'));
    const refused = await new Promise<string | undefined>((resolve) => guardedLookup(true)('localhost', {}, (err) => resolve((err as NodeJS.ErrnoException | null)?.code)));
    assert.equal(refused, 'WEBHOOK_URL_PRIVATE');
  });

  it('events in the subscription’s area arrive signed, with masked data only; another province’s alert does not', async () => {
    const created = await subscribe(regulator1, { name: '广东风险系统', url: `${receiver.url}/hook?token=${QUERY_TOKEN}`, events: ['alert.opened', 'hold.created', 'customs.selected'] });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.subscription.jurisdiction, '44', 'forced inside the regulator’s own jurisdiction');
    assert.equal(created.body.subscription.url, `${receiver.url}/hook?…`, 'the query is not shown back');
    assert.match(created.body.secret, /^whsec_/);
    assert.equal(created.headers['cache-control'], 'no-store', 'the secret is not cached along the way');
    secrets.set(created.body.subscription.id, created.body.secret);
    const subId = created.body.subscription.id as string;

    await s.http().post('/api/watchlist/entries').set('Authorization', `Bearer ${admin}`)
      .send({ entries: [{ type: 'phone', value: '13600004411', note: 'GD' }, { type: 'phone', value: '13600003311', note: 'ZJ' }] })
      .expect(201);
    const gdIdentity = aResidentId('440106', '19810203', '771');
    const gd = aParcel({ ...unlinkedParties(), sender: { idNumber: gdIdentity, name: '欧阳明哲', phone: '13600004411' } });
    const gdRes = await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(gd).expect(201);
    assert.equal(gdRes.body.verdict, 'held');
    const zj = aParcel({ ...unlinkedParties(), sender: { idNumber: aResidentId('330782', '19820304', '662'), phone: '13600003311' } });
    const zjRes = await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier2')}`).send(zj).expect(201);
    assert.equal(zjRes.body.alerts.length, 1);
    await settle();

    const mine = receiver.received.filter((r) => r.path.startsWith('/hook'));
    const types = mine.map((r) => r.headers['x-parcelguard-event']).sort();
    assert.deepEqual(types, ['alert.opened', 'customs.selected', 'hold.created'], JSON.stringify(types));
    for (const r of mine) {
      assert.ok(verify(created.body.secret, r), `signature of ${r.headers['x-parcelguard-event']} verifies`);
      assert.ok(!verify('whsec_wrong', r));
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.path, `/hook?token=${QUERY_TOKEN}`, 'the receiver gets its own query back');
      const body = JSON.parse(r.body);
      assert.equal(body.type, r.headers['x-parcelguard-event']);
      // Masked data only: none of the sender's or recipient's particulars.
      for (const secret of [gdIdentity, '欧阳明哲', '13600004411', '136****4411', gd.recipient.name, gd.recipient.phone, gd.recipient.address, gd.sender.address]) {
        assert.ok(!r.body.includes(secret), `${secret} not in ${body.type}`);
      }
    }
    const alert = JSON.parse(mine.find((r) => r.headers['x-parcelguard-event'] === 'alert.opened')!.body);
    assert.deepEqual(alert.data.regionCodes, ['440106']);
    assert.ok(alert.data.waybills.includes(gd.waybillNo));
    const selected = JSON.parse(mine.find((r) => r.headers['x-parcelguard-event'] === 'customs.selected')!.body);
    assert.equal(selected.data.waybillNo, gd.waybillNo);
    assert.equal(selected.data.outletId, 'GZ-TH-001');
    assert.ok(!receiver.received.some((r) => r.body.includes(zj.waybillNo)), 'nothing of the Zhejiang parcel reached a Guangdong subscription');

    // The delivery log.
    const logRes = await s.http().get(`/api/webhooks/${subId}/deliveries`).set('Authorization', `Bearer ${regulator1}`).expect(200);
    assert.equal(logRes.body.deliveries.length, 3);
    assert.ok(logRes.body.deliveries.every((d: { status: string; attempts: number; lastStatusCode: number }) => d.status === 'delivered' && d.attempts === 1 && d.lastStatusCode === 204));
    // Officers of another province neither see it nor act on it.
    expectProblem(await s.http().get(`/api/webhooks/${subId}/deliveries`).set('Authorization', `Bearer ${regulator2}`), 404, 'WEBHOOK_NOT_FOUND');
    const list2 = await s.http().get('/api/webhooks').set('Authorization', `Bearer ${regulator2}`).expect(200);
    assert.ok(!list2.body.subscriptions.some((x: { id: string }) => x.id === subId));
    const listAdmin = await s.http().get('/api/webhooks').set('Authorization', `Bearer ${admin}`).expect(200);
    assert.deepEqual(listAdmin.body.subscriptions.find((x: { id: string }) => x.id === subId).deliveries, { pending: 0, delivered: 3, failed: 0 });
  });

  it('a receiver answering 500 then 200 gets the event twice, and the log shows both attempts', async () => {
    const created = await subscribe(admin, { name: 'carrier dispatch', url: `${receiver.url}/flaky`, events: ['hold.created'], carrier: 'EMS' });
    assert.equal(created.status, 201, created.text);
    const subId = created.body.subscription.id as string;
    const held = aParcel({ ...unlinkedParties(), inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } });
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(held).expect(201);
    await settle();
    let [d] = await s.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subId));
    assert.equal(d?.status, 'pending');
    assert.equal(d?.attempts, 1);
    assert.equal(d?.lastStatusCode, 500);
    assert.equal(d?.lastError, 'HTTP_500');
    assert.equal(await runJobs(), 0, 'not retried before its backoff');
    clock = new Date(clock.getTime() + 11_000); // the queue's first backoff is 10 s
    await runJobs();
    [d] = await s.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subId));
    assert.equal(d?.status, 'delivered');
    assert.equal(d?.attempts, 2);
    const got = receiver.received.filter((r) => r.path === '/flaky');
    assert.equal(got.length, 2);
    assert.equal(got[0]!.headers['x-parcelguard-delivery'], got[1]!.headers['x-parcelguard-delivery']);
    assert.equal(got[0]!.body, got[1]!.body, 'the same payload each attempt');
    assert.ok(got.every((r) => verify(created.body.secret, r)));
    const logRes = await s.http().get(`/api/webhooks/${subId}/deliveries`).set('Authorization', `Bearer ${admin}`).expect(200);
    assert.equal(logRes.body.deliveries[0].attempts, 2);
    assert.equal(logRes.body.deliveries[0].status, 'delivered');
    assert.equal(logRes.body.deliveries[0].payload.data.waybillNo, held.waybillNo);
    const text = log.text();
    assert.match(text, new RegExp(`"deliveryId":"${d!.id}"[^\\n]*"attempt":1[^\\n]*delivery failed; will retry`));
    assert.match(text, new RegExp(`"deliveryId":"${d!.id}"[^\\n]*"attempt":2[^\\n]*webhook: delivered`));
  });

  it('a hold decision reaches an outlet-scoped subscription as hold.decided, with the decision but not the note or the decider', async () => {
    const created = await subscribe(admin, { name: 'outlet desk', url: `${receiver.url}/decided`, events: ['hold.decided'], outletId: 'GZ-TH-001' });
    assert.equal(created.status, 201, created.text);
    const held = aParcel({ ...unlinkedParties(), inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } });
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(held).expect(201);
    const note = '开箱复核无异常，放行。核对人 司徒雅琴';
    await s.http().post(`/api/parcels/${held.waybillNo}/release`).set('Authorization', `Bearer ${await s.login('supervisor1')}`).send({ note }).expect(200);
    await settle();
    const got = receiver.received.filter((r) => r.path === '/decided');
    assert.equal(got.length, 1);
    const body = JSON.parse(got[0]!.body);
    assert.equal(body.type, 'hold.decided');
    assert.equal(body.data.waybillNo, held.waybillNo);
    assert.equal(body.data.status, 'released');
    assert.equal(body.data.decision.action, 'release');
    assert.ok(!got[0]!.body.includes('司徒雅琴') && !got[0]!.body.includes('supervisor1'), 'no note, no name');
    assert.ok(verify(created.body.secret, got[0]!));
  });

  it('a receiver that never answers is tried 8 times with growing waits, then the delivery is failed for good', async () => {
    // A port nothing listens on: bind one, note it, close it.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const created = await subscribe(admin, { name: 'gone', url: `http://127.0.0.1:${port}/gone`, events: ['customs.selected'] });
    const subId = created.body.subscription.id as string;
    await s.http().post(`/api/webhooks/${subId}/test`).set('Authorization', `Bearer ${admin}`).expect(202);
    await settle();
    for (let i = 0; i < 8; i++) {
      clock = new Date(clock.getTime() + 3_600_000);
      await runJobs();
    }
    const [d] = await s.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subId));
    assert.equal(d?.status, 'failed');
    assert.equal(d?.attempts, 8);
    assert.equal(d?.lastError, 'ECONNREFUSED');
    const [job] = await s.ctx.db.select().from(jobs).where(like(jobs.key, `webhook:${subId}:%`));
    assert.equal(job?.state, 'failed');
    assert.match(log.text(), new RegExp(`"deliveryId":"${d!.id}"[^\\n]*"attempt":8[^\\n]*delivery failed for good`));
  });

  it('an event emitted twice is delivered once; a test event goes through the same path', async () => {
    const created = await subscribe(admin, { name: 'customs risk', url: `${receiver.url}/once`, events: ['customs.selected'], jurisdiction: '44' });
    const subId = created.body.subscription.id as string;
    const event: CustomsSelected = { waybillNo: 'EA000000001CN', routeKey: '4401-US-express', grounds: ['RANDOM'], rate: 1, regionCode: '440106', outletId: 'GZ-TH-001', parcelId: '00000000-0000-4000-8000-000000000001' };
    s.ctx.bus.emit('customs:selected', event);
    s.ctx.bus.emit('customs:selected', event);
    await settle();
    const rows = await s.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subId));
    assert.equal(rows.length, 1);
    assert.equal((await s.ctx.db.select().from(jobs).where(like(jobs.key, `webhook:${subId}:%`))).length, 1);
    assert.equal(receiver.received.filter((r) => r.path === '/once').length, 1);

    const test = await s.http().post(`/api/webhooks/${subId}/test`).set('Authorization', `Bearer ${admin}`).expect(202);
    await settle();
    const got = receiver.received.filter((r) => r.headers['x-parcelguard-delivery'] === test.body.deliveryId);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.headers['x-parcelguard-event'], 'webhook.test');
    assert.ok(verify(created.body.secret, got[0]!));
  });

  it('interception orders reach subscriptions of their region and carrier; other provinces’ do not', async () => {
    const created = await subscribe(regulator2, { name: '浙江拦截', url: `${receiver.url}/intercept`, events: ['interception.ordered', 'interception.answered'], carrier: 'YTO' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.subscription.jurisdiction, '33');
    const order = (id: string, outletId: string, regionCode: string) => ({
      id, waybillNo: 'EA000000002CN', outletId, regionCode, crossBorder: true, status: 'requested',
      orderedAt: new Date().toISOString(), dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      sources: [
        { kind: 'alert', alertId: '33333333-3333-4333-8333-333333333333', entryId: null, by: '周督察', note: '线索', reason: { code: 'ALERT_RING', message: 'ring 周某', messageZh: '团伙 周某' }, at: new Date().toISOString() },
        { kind: 'manual', alertId: null, entryId: null, by: '吴科长', note: '电话举报', reason: { code: 'MANUAL_REQUEST', message: 'asked', messageZh: '要求' } },
      ],
    });
    s.ctx.bus.emit('interception', { event: 'interception:ordered', order: order('11111111-1111-4111-8111-111111111111', 'YW-CC-001', '330782') });
    s.ctx.bus.emit('interception', { event: 'interception:ordered', order: order('22222222-2222-4222-8222-222222222222', 'GZ-TH-001', '440106') });
    s.ctx.bus.emit('interception', { event: 'interception:overdue', order: order('11111111-1111-4111-8111-111111111111', 'YW-CC-001', '330782') }); // not subscribed
    await settle();
    const got = receiver.received.filter((r) => r.path === '/intercept');
    assert.equal(got.length, 1);
    const body = JSON.parse(got[0]!.body);
    assert.equal(body.type, 'interception.ordered');
    assert.equal(body.data.orderId, '11111111-1111-4111-8111-111111111111');
    assert.equal(body.data.outletId, 'YW-CC-001');
    assert.ok(!got[0]!.body.includes('线索'), 'the sources’ notes are not sent');
    // Why it was ordered, as codes: no asker's name, note or rendered reason text.
    assert.deepEqual(body.data.sources, [
      { kind: 'alert', alertId: '33333333-3333-4333-8333-333333333333', reasonCode: 'ALERT_RING' },
      { kind: 'manual', reasonCode: 'MANUAL_REQUEST' },
    ]);
    for (const word of ['周督察', '吴科长', '电话举报', '周某']) assert.ok(!got[0]!.body.includes(word), `${word} not sent`);
  });

  it('a customs officer’s subscription takes cross-border events only, and each service sees and manages only its own', async () => {
    const customs = await s.login('customs1');
    const c = await subscribe(customs, { name: '海关查验', url: `${receiver.url}/customs`, events: ['hold.created'] });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.subscription.crossBorderOnly, true);
    assert.equal(c.body.subscription.jurisdiction, '44');
    // Asking for everything does not widen a customs officer's subscription.
    const c2 = await subscribe(customs, { name: '海关查验2', url: `${receiver.url}/customs2`, events: ['hold.created'], crossBorderOnly: false });
    assert.equal(c2.body.subscription.crossBorderOnly, true);
    const p = await subscribe(regulator1, { name: '邮政管理', url: `${receiver.url}/postal`, events: ['hold.created'] });
    assert.equal(p.status, 201, p.text);
    assert.equal(p.body.subscription.crossBorderOnly, false);

    const courier = await s.login('courier1');
    const domesticHeld = aParcel({ ...unlinkedParties(), ...domestic, inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } });
    const crossHeld = aParcel({ ...unlinkedParties(), inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } });
    assert.equal((await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(domesticHeld).expect(201)).body.verdict, 'held');
    assert.equal((await s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(crossHeld).expect(201)).body.verdict, 'held');
    await settle();
    const waybillsAt = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body).data.waybillNo).sort();
    assert.deepEqual(waybillsAt('/customs'), [crossHeld.waybillNo], 'customs receives the cross-border hold only');
    assert.deepEqual(waybillsAt('/postal'), [domesticHeld.waybillNo, crossHeld.waybillNo].sort(), 'the regulator receives both');

    // The regulator neither sees nor touches the customs subscription, and the other way round; admins see both.
    const ids = async (token: string) => (await s.http().get('/api/webhooks').set('Authorization', `Bearer ${token}`).expect(200)).body.subscriptions.map((x: { id: string }) => x.id);
    const byRegulator = await ids(regulator1);
    const byCustoms = await ids(customs);
    assert.ok(byRegulator.includes(p.body.subscription.id) && !byRegulator.includes(c.body.subscription.id));
    assert.ok(byCustoms.includes(c.body.subscription.id) && !byCustoms.includes(p.body.subscription.id));
    const byAdmin = await ids(admin);
    assert.ok(byAdmin.includes(p.body.subscription.id) && byAdmin.includes(c.body.subscription.id));
    for (const [token, id] of [[regulator1, c.body.subscription.id], [customs, p.body.subscription.id]] as const) {
      expectProblem(await s.http().patch(`/api/webhooks/${id}`).set('Authorization', `Bearer ${token}`).send({ disabled: true }), 404, 'WEBHOOK_NOT_FOUND');
      expectProblem(await s.http().post(`/api/webhooks/${id}/secret`).set('Authorization', `Bearer ${token}`), 404, 'WEBHOOK_NOT_FOUND');
      expectProblem(await s.http().get(`/api/webhooks/${id}/deliveries`).set('Authorization', `Bearer ${token}`), 404, 'WEBHOOK_NOT_FOUND');
    }
    await s.http().patch(`/api/webhooks/${c.body.subscription.id}`).set('Authorization', `Bearer ${customs}`).send({ disabled: true }).expect(200);
    await s.http().patch(`/api/webhooks/${c2.body.subscription.id}`).set('Authorization', `Bearer ${customs}`).send({ disabled: true }).expect(200);
    await s.http().patch(`/api/webhooks/${p.body.subscription.id}`).set('Authorization', `Bearer ${regulator1}`).send({ disabled: true }).expect(200);
  });

  it('a rotated secret signs from then on; a disabled subscription receives nothing', async () => {
    const created = await subscribe(admin, { name: 'rotating', url: `${receiver.url}/rot`, events: ['hold.created'] });
    const subId = created.body.subscription.id as string;
    const rotated = await s.http().post(`/api/webhooks/${subId}/secret`).set('Authorization', `Bearer ${admin}`).expect(200);
    assert.notEqual(rotated.body.secret, created.body.secret);
    assert.equal(rotated.headers['cache-control'], 'no-store');
    await s.http().post(`/api/webhooks/${subId}/test`).set('Authorization', `Bearer ${admin}`).expect(202);
    await settle();
    const got = receiver.received.filter((r) => r.path === '/rot');
    assert.equal(got.length, 1);
    assert.ok(verify(rotated.body.secret, got[0]!));
    assert.ok(!verify(created.body.secret, got[0]!));
    secrets.set(subId, rotated.body.secret);
    secrets.set(`${subId}-old`, created.body.secret);

    await s.http().patch(`/api/webhooks/${subId}`).set('Authorization', `Bearer ${admin}`).send({ disabled: true }).expect(200);
    const held = aParcel({ ...unlinkedParties(), inspection: { matchesDeclaration: false, notes: '申报运动鞋，实为手机' } });
    await s.http().post('/api/parcels').set('Authorization', `Bearer ${await s.login('courier1')}`).send(held).expect(201);
    await settle();
    assert.equal(receiver.received.filter((r) => r.path === '/rot').length, 1);
    expectProblem(await s.http().post(`/api/webhooks/${subId}/test`).set('Authorization', `Bearer ${admin}`), 422, 'WEBHOOK_DISABLED');
  });

  it('no secret, signature or address query string in any log line', async () => {
    const text = log.text();
    assert.ok(text.includes('webhook: delivered'), 'the capture has the delivery lines');
    for (const [id, secret] of secrets) assert.ok(!text.includes(secret), `secret of ${id} not logged`);
    assert.ok(!text.includes(QUERY_TOKEN), 'the query string is not logged');
    for (const r of receiver.received) {
      const sig = String(r.headers['x-parcelguard-signature']);
      assert.ok(!text.includes(sig.split('v1=')[1]!), 'no signature logged');
    }
    assert.ok(!text.includes('whsec_'), 'no secret of any kind');
  });
});
