// Slow rings (issue 16): a parcel or two a week never fills the 24 h, 7 d or 30 d windows. The long windows
// (90 and 365 days) are scored from day totals, the annual per-identity totals from a row per identity and year;
// a year is driven through the intake clock seam, so nothing waits.
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../server/config.js';
import { runHousekeeping } from '../server/housekeeping.js';
import { createLogger } from '../server/logging.js';
import { dayAt, yearAt, type LongTotals } from '../server/rings/aggregates.js';
import { annualIndicator, assessLongWindows, longIndicators, maskedName } from '../server/rings/long-windows.js';
import { aConsignee, aParcel, aResidentId } from './helpers/factories.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
const policy = loadConfig({}).ring;

type Evidence = { code: string; message: string; messageZh: string };
const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;

const totals = (over: Partial<LongTotals> = {}): LongTotals => ({
  parcels: 8, valueCny: 8 * 950, underLimit: 8, justUnder: 8, hmt: 0, implausible: 0, vague: 0, mismatch: 0, watchlistHits: 0, seized: 0,
  brands: {}, categories: {}, senders: 1, weeks: 8, ...over,
});

describe('slow rings: long windows and annual totals (pure)', () => {
  const now = new Date('2026-06-01T04:00:00Z');

  it('configures the long windows, the annual limits and links for the longest window', () => {
    assert.deepEqual(policy.longWindows.map((w) => [w.name, w.minParcels]), [['90d', 8], ['365d', 12]]);
    assert.equal(policy.linkMs, 365 * DAY);
    assert.equal(policy.annualLimitCny, 26000);
    const c = loadConfig({ RING_LONG_WINDOWS: '180d:10, 60d:6', RING_ANNUAL_LIMIT_CNY: '5000', RING_ANNUAL_LIMIT_PARCELS: '20' }).ring;
    assert.deepEqual(c.longWindows.map((w) => w.name), ['60d', '180d'], 'shortest first');
    assert.equal(c.linkMs, 180 * DAY);
    assert.throws(() => loadConfig({ RING_LONG_WINDOWS: '90h:8' }), (e: unknown) => e instanceof ConfigError && /RING_LONG_WINDOWS/.test(e.message));
  });

  it('days and years are Asia/Shanghai calendar ones', () => {
    assert.equal(dayAt(new Date('2026-12-31T16:30:00Z')), '2027-01-01');
    assert.equal(yearAt(new Date('2026-12-31T15:59:00Z')), 2026);
    assert.equal(yearAt(new Date('2026-12-31T16:00:00Z')), 2027);
  });

  it('a steady ring declaring just under the limit qualifies over 90 days with its 8th parcel, in both languages', () => {
    const a = assessLongWindows([totals(), totals()], null, [], now, policy)!;
    assert.equal(a.qualifies, true);
    assert.equal(a.window.name, '90d', 'the shorter window on a tie');
    assert.deepEqual(a.indicators.map((i) => i.code).sort(), ['SLOW_RING', 'TOTAL_FAR_ABOVE_LIMIT', 'VALUES_JUST_UNDER_LIMIT']);
    for (const i of a.indicators) assert.ok(i.message && /[\u4e00-\u9fff]/.test(i.messageZh), i.code);
    assert.match(a.indicators.find((i) => i.code === 'SLOW_RING')!.message, /8 parcels in 8 different weeks over 90 days/);
    assert.equal(assessLongWindows([totals({ parcels: 7, justUnder: 7, underLimit: 7 }), totals({ parcels: 7 })], null, [], now, policy)!.qualifies, false, 'seven parcels are not enough');
  });

  it('needs goods evidence: steady cheap unbranded gifts to family, or one burst, do not qualify', () => {
    const family = totals({ parcels: 14, valueCny: 14 * 200, justUnder: 0, underLimit: 14, vague: 3, weeks: 14 });
    const a = assessLongWindows([family, family], null, [], now, policy)!;
    assert.equal(a.qualifies, false);
    assert.deepEqual(a.indicators.map((i) => i.code).sort(), ['SLOW_RING']);
    // The same family over the annual limits has more score, still no goods evidence.
    const rich = assessLongWindows([family, family], { year: 2026, senderKey: 'x', senderName: '王芳', parcels: 60, valueCny: 30000 }, [], now, policy)!;
    assert.equal(rich.qualifies, false);
    // One burst (a move abroad): just under the limit, but in one week; the short windows judge bursts.
    const burst = longIndicators(totals({ weeks: 1 }), policy.longWindows[0]!, policy).map((i) => i.code);
    assert.ok(!burst.includes('SLOW_RING'));
  });

  it('a protected brand, priority goods and implausible values read from counts', () => {
    const codes = longIndicators(totals({ justUnder: 0, valueCny: 8 * 60, brands: { gucci: 6 }, categories: { bags: 7 }, implausible: 6 }), policy.longWindows[1]!, policy).map((i) => i.code);
    assert.deepEqual(codes.sort(), ['IMPLAUSIBLE_VALUES', 'PROTECTED_BRAND_REPEATED', 'SAME_PRIORITY_GOODS', 'SLOW_RING']);
  });

  it('an identity over the annual limits is evidence this year and next, not after', () => {
    const top = { year: 2026, senderKey: 'k', senderName: '陈静', parcels: 9, valueCny: 27900 };
    const i = annualIndicator(top, now, policy)!;
    assert.equal(i.code, 'ANNUAL_TOTAL_OVER_LIMIT');
    assert.match(i.message, /\(陈\*\) sent 9 cross-border parcels declared CNY 27,900 in 2026: over the CNY 26,000/);
    assert.match(i.messageZh, /2026 年寄出 9 件跨境邮件，申报合计 27,900 元/);
    assert.ok(annualIndicator(top, new Date('2027-03-01T00:00:00Z'), policy));
    assert.equal(annualIndicator(top, new Date('2028-03-01T00:00:00Z'), policy), null);
    assert.equal(annualIndicator({ ...top, valueCny: 25000 }, now, policy), null);
    assert.ok(annualIndicator({ ...top, valueCny: 500, parcels: 53 }, now, policy), 'more parcels than one a week');
    assert.equal(maskedName('Olga Petrova'), 'Olga *');
  });
});

describe('slow rings through the API, over a simulated year', () => {
  let s: TestServer;
  let now = new Date('2026-01-05T02:00:00Z');
  let courier: string;
  before(async () => {
    s = await startTestServer({}, {}, undefined, { clock: () => now });
    courier = await s.login('courier1');
  });
  after(() => s?.close());

  const intake = (body: object) => s.http().post('/api/parcels').set('Authorization', `Bearer ${courier}`).send(body);
  const get = async (path: string) => s.http().get(path).set('Authorization', `Bearer ${await s.login('regulator1')}`);
  const sender = (n: number, name: string) => ({
    idType: 'CN_RESIDENT_ID', idNumber: aResidentId('440106', '19700305', String(100 + (n % 900))), name, phone: `1395556${String(n).padStart(4, '0')}`,
    address: `广东省广州市天河区天河北路${n}号`,
  });

  it('one sender declaring gifts just under the limit every 9 days: quiet in the short windows, alerted by its 8th parcel', async () => {
    now = new Date('2026-01-05T02:00:00Z');
    const body = () => aParcel({ sender: sender(1001, '陈静'), recipient: aConsignee(61), declared: { description: '礼品一份', category: 'gifts', quantity: 2, valueCny: 950, brand: undefined } });
    for (let i = 1; i <= 7; i++) {
      const res = await intake(body()).expect(201);
      assert.deepEqual(res.body.alerts, [], `parcel ${i} (day ${(i - 1) * 9}) is not enough`);
      now = new Date(now.getTime() + 9 * DAY);
    }
    const eighth = await intake(body()).expect(201);
    assert.equal(eighth.body.alerts.length, 1, 'the 8th parcel over 63 days alerts');
    assert.equal(eighth.body.verdict, 'held');
    const reason = eighth.body.reasons.find((r: { code: string }) => r.code === 'ANT_MOVING_SUSPECTED');
    assert.match(reason.message, /\(8 parcels\)/);
    const alert = (await get(`/api/alerts/${eighth.body.alerts[0].id}`)).body;
    assert.equal(alert.parcelCount, 8);
    assert.match(alert.summary, /8 parcels from 1 senders.*\(90d\)/);
    const codes = (alert.evidence as Evidence[]).map((e) => e.code);
    assert.equal(codes[0], 'LONG_WINDOW');
    for (const c of ['SLOW_RING', 'VALUES_JUST_UNDER_LIMIT', 'TOTAL_FAR_ABOVE_LIMIT', 'VAGUE_DESCRIPTIONS']) assert.ok(codes.includes(c), `${c} in ${codes}`);
    for (const e of alert.evidence as Evidence[]) assert.ok(e.message && /[\u4e00-\u9fff]/.test(e.messageZh), e.code);
    assert.match((alert.evidence as Evidence[])[0]!.message, /^8 cross-border parcels over 90 days from one sender identity, declared CNY 7,600 in all\./);
    assert.match((alert.evidence as Evidence[])[0]!.messageZh, /^90 天内 8 件跨境邮件/);
    assert.equal(alert.waybills.length, 8, 'the alert names all its parcels, not only the last 30 days');

    // Its parcels live in one ring with one row per day, not read back from the members.
    const days = rows<{ n: number; parcels: number }>(await s.database.db.execute(sql`
      select count(*)::int as n, sum(parcels)::int as parcels from ring_days
      where ring_id = (select ring_id from ring_members where waybill_no = ${eighth.body.parcel.waybillNo})`));
    assert.deepEqual(days[0], { n: 8, parcels: 8 });
  });

  it('look-alikes stay quiet for a year: a family sending tea and one branded gift, a steady sender of cheap household goods', async () => {
    now = new Date('2026-01-06T03:00:00Z');
    const family = sender(1002, '王芳');
    const shopper = sender(1003, '林强');
    for (let i = 0; i < 30; i++) {
      const branded = i === 5;
      const a = await intake(aParcel({
        sender: family, recipient: aConsignee(62),
        declared: branded ? { description: '运动鞋', category: 'shoes', quantity: 1, valueCny: 700, brand: 'Nike' } : { description: '茶叶', category: 'tea', quantity: 1, valueCny: 150 + i * 7, brand: undefined },
      })).expect(201);
      assert.deepEqual(a.body.alerts, [], `family parcel ${i}`);
      const b = await intake(aParcel({
        sender: shopper, recipient: { ...aConsignee(63 + (i % 5)), country: 'MY', phone: `+60 12 345 ${String(6700 + i).padStart(4, '0')}`, address: `${i + 1} Jalan Ampang, Kuala Lumpur` },
        declared: { description: '收纳盒', category: 'household', quantity: 3, valueCny: 80 + (i % 4) * 20, brand: undefined },
      })).expect(201);
      assert.deepEqual(b.body.alerts, [], `household parcel ${i}`);
      now = new Date(now.getTime() + 12 * DAY);
    }
  });

  it('one identity over CNY 26,000 in a calendar year: ANNUAL_TOTAL_OVER_LIMIT, kept per identity and year', async () => {
    now = new Date('2027-01-04T02:00:00Z');
    const who = sender(1004, '陈静');
    const body = () => aParcel({ sender: who, recipient: aConsignee(71), declared: { description: '运动鞋', category: 'shoes', quantity: 1, valueCny: 3100, brand: 'Nike' } });
    for (let i = 1; i <= 8; i++) {
      assert.deepEqual((await intake(body()).expect(201)).body.alerts, [], `parcel ${i}: CNY ${i * 3100} this year`);
      now = new Date(now.getTime() + 10 * DAY);
    }
    const ninth = await intake(body()).expect(201);
    assert.equal(ninth.body.alerts.length, 1, 'CNY 27,900 is over the annual limit');
    const alert = (await get(`/api/alerts/${ninth.body.alerts[0].id}`)).body;
    const annual = (alert.evidence as Evidence[]).find((e) => e.code === 'ANNUAL_TOTAL_OVER_LIMIT')!;
    assert.match(annual.message, /One sender identity \(陈\*\) sent 9 cross-border parcels declared CNY 27,900 in 2027/);
    assert.match(annual.messageZh, /2027 年寄出 9 件跨境邮件，申报合计 27,900 元/);
    assert.ok((alert.evidence as Evidence[]).some((e) => e.code === 'PROTECTED_BRAND_REPEATED'));
    const years = rows<{ year: number; parcels: number; value: number }>(await s.database.db.execute(sql`
      select year, parcels, value_cny::float8 as value from ring_sender_years
      where sender_key = (select sender_key from ring_members where waybill_no = ${ninth.body.parcel.waybillNo})`));
    assert.deepEqual(years, [{ year: 2027, parcels: 9, value: 27900 }]);
  });

  it('keys link for 365 days; housekeeping sweeps keys, members and day totals only past it', async () => {
    now = new Date('2027-06-01T02:00:00Z');
    const who = sender(1005, '周敏');
    const first = await intake(aParcel({ sender: who, recipient: aConsignee(72), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 120, brand: undefined } })).expect(201);
    now = new Date(now.getTime() + 300 * DAY);
    const later = await intake(aParcel({ sender: who, recipient: aConsignee(73), declared: { description: '茶叶', category: 'tea', quantity: 1, valueCny: 130, brand: undefined } })).expect(201);
    const ringOf = async (w: string) => rows<{ r: string }>(await s.database.db.execute(sql`select ring_id as r from ring_members where waybill_no = ${w}`))[0]?.r;
    const ring = await ringOf(first.body.parcel.waybillNo);
    assert.ok(ring);
    assert.equal(await ringOf(later.body.parcel.waybillNo), ring, '300 days apart, one ring');

    const db = s.database.db;
    const log = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));
    // 200 days after the later parcel: nothing of the ring is older than 365 days... except the first parcel.
    await runHousekeeping(db, { idempotencyTtlMs: DAY, ringWindowMs: policy.linkMs }, log, new Date(now.getTime() + 200 * DAY));
    assert.equal(await ringOf(first.body.parcel.waybillNo), undefined, 'a member 500 days old is swept');
    assert.equal(await ringOf(later.body.parcel.waybillNo), ring, 'one 200 days old stays');
    const left = rows<{ days: number; keys: number }>(await db.execute(sql`
      select (select count(*)::int from ring_days where ring_id = ${ring}) as days, (select count(*)::int from ring_keys where ring_id = ${ring}) as keys`))[0]!;
    assert.equal(left.days, 1, 'the first day is swept, the later one kept');
    assert.ok(left.keys >= 3, 'keys seen 200 days ago still link');
    const years = rows<{ y: number }>(await db.execute(sql`select distinct year as y from ring_sender_years order by 1`)).map((r) => r.y);
    assert.deepEqual(years, [2027, 2028], 'years before last year are gone');
  });
});
