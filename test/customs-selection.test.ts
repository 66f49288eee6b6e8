// Customs selection, rates and route risk as pure functions: the keyed draw is deterministic, uniform over
// sequential waybill numbers, uncorrelated between neighbours and changes entirely with the key; a set rate
// expires; jurisdictions; which routes stand out.
import assert from 'node:assert/strict';
import type { AuthUser } from '../server/accounts/access.js';
import { assessRouteRisk, baselineOf, type RouteActivity } from '../server/customs/risk.js';
import { effectiveRate, parseRouteKey } from '../server/customs/routes.js';
import { coversRegion } from '../server/accounts/access.js';
import { createSelectionKeyring, isSelected, SelectionKeyUnavailable, selectionDraw } from '../server/customs/selection.js';
import { s10CheckDigit } from '../server/waybill/waybills.js';
import { chiSquareUniform, lag1Autocorrelation } from '../scripts/lib/stats.js';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, type Database } from '../server/db/database.js';
import { createPiiVault } from '../server/privacy/pii.js';

const keyA = Buffer.alloc(32, 7);
const keyB = Buffer.alloc(32, 8);
const N = 100_000;
/** Consecutive S10 numbers, as a counter hands them out: the case where a weak hash would show a pattern. */
const waybills = Array.from({ length: N }, (_, i) => {
  const serial = String(31_400_000 + i).padStart(8, '0');
  return `EA${serial}${s10CheckDigit(serial)}CN`;
});

describe('customs selection (keyed draw)', () => {
  const drawsA = waybills.map((w) => selectionDraw(keyA, w));

  it('gives the same draw for the same key and waybill, in [0, 1)', () => {
    assert.equal(selectionDraw(keyA, 'EA123456785CN'), selectionDraw(Buffer.from(keyA), 'EA123456785CN'));
    assert.ok(drawsA.every((d) => d >= 0 && d < 1));
    assert.notEqual(selectionDraw(keyA, 'EA123456785CN'), selectionDraw(keyA, 'EA123456794CN'));
  });

  it('selects nothing at rate 0 and everything at rate 1', () => {
    assert.equal(drawsA.filter((d) => isSelected(d, 0)).length, 0);
    assert.equal(drawsA.filter((d) => isSelected(d, 1)).length, N);
  });

  it('selects the rate’s share of 100,000 consecutive waybills, within 4.5 standard deviations', () => {
    for (const rate of [0.01, 0.05, 0.2, 0.5, 0.9]) {
      const share = drawsA.filter((d) => isSelected(d, rate)).length / N;
      const bound = 4.5 * Math.sqrt((rate * (1 - rate)) / N); // 0.0031 at rate 0.05
      assert.ok(Math.abs(share - rate) <= bound, `rate ${rate}: selected ${share}, bound ±${bound.toFixed(4)}`);
    }
  });

  it('spreads draws evenly over 100 bins (chi-square below the 0.1% critical value)', () => {
    const chi2 = chiSquareUniform(drawsA, 100);
    assert.ok(chi2 < 148.2, `chi-square ${chi2.toFixed(1)} with 99 degrees of freedom`);
  });

  it('gives neighbouring waybill numbers unrelated draws (a sender cannot read the next from the last)', () => {
    const lag1 = lag1Autocorrelation(drawsA);
    assert.ok(Math.abs(lag1) < 4.5 / Math.sqrt(N), `lag-1 autocorrelation ${lag1.toFixed(5)}`);
  });

  it('selects independently after a key rotation, at the same rate', () => {
    const rate = 0.2;
    const drawsB = waybills.map((w) => selectionDraw(keyB, w));
    const a = drawsA.map((d) => isSelected(d, rate));
    const b = drawsB.map((d) => isSelected(d, rate));
    const shareB = b.filter(Boolean).length / N;
    const both = a.filter((x, i) => x && b[i]).length / N;
    assert.ok(Math.abs(shareB - rate) <= 4.5 * Math.sqrt((rate * (1 - rate)) / N), `new key selects ${shareB}`);
    // Independent selections overlap by rate² (4%); the same selection would overlap by 20%.
    assert.ok(Math.abs(both - rate * rate) <= 4.5 * Math.sqrt((rate * rate * (1 - rate * rate)) / N), `overlap ${both}`);
    // And the old key still reproduces every old decision.
    assert.deepEqual(waybills.slice(0, 1000).map((w) => isSelected(selectionDraw(keyA, w), rate)), a.slice(0, 1000));
  });
});

describe('selection keys in the database', () => {
  let database: Database;
  before(async () => {
    database = await openDatabase({});
  });
  after(() => database?.close());
  const vaultWith = (fill: number) => createPiiVault({ encryption: Buffer.alloc(32, fill), blindIndex: Buffer.alloc(32, 1) });

  it('makes a key on first use, keeps using it, and reads it back sealed', async () => {
    const ring = createSelectionKeyring(vaultWith(1));
    const id = await ring.currentId(database.db);
    assert.equal(await ring.currentId(database.db), id);
    const material = await ring.key(database.db, id);
    const fresh = createSelectionKeyring(vaultWith(1)); // another process, nothing cached
    assert.deepEqual(await fresh.key(database.db, id), material);
    const [row] = await queryRows<{ sealed: string }>(database.db, sql`select sealed from customs_selection_keys where id = ${id}`);
    assert.equal(row!.sealed.includes(material.toString('base64')), false, 'stored sealed, not in the clear');
  });

  it('keeps selecting after the encryption key is rotated: a new selection key, the old one reported unavailable', async () => {
    const before = await createSelectionKeyring(vaultWith(1)).currentId(database.db);
    const rotated = createSelectionKeyring(vaultWith(2));
    const after = await rotated.currentId(database.db);
    assert.notEqual(after, before);
    await assert.rejects(rotated.key(database.db, before), SelectionKeyUnavailable);
    assert.equal(await createSelectionKeyring(vaultWith(1)).currentId(database.db), before, 'the old encryption key still opens its own');
  });
});

describe('route rates', () => {
  const now = new Date('2026-11-23T08:00:00Z');
  const setting = (over: Partial<Parameters<typeof effectiveRate>[0] & object> = {}) => ({
    raisedRate: 0.4, reason: 'ring on route', setByName: 'customs1', setAt: new Date('2026-11-20T00:00:00Z'), expiresAt: new Date('2026-11-30T00:00:00Z'), ...over,
  });

  it('applies a set rate until it expires, then the base rate', () => {
    assert.equal(effectiveRate(setting(), 0.05, now).rate, 0.4);
    assert.equal(effectiveRate(setting(), 0.05, now).raisedUntil?.toISOString(), '2026-11-30T00:00:00.000Z');
    assert.deepEqual(effectiveRate(setting(), 0.05, new Date('2026-11-30T00:00:00Z')), { rate: 0.05, raised: false, raisedUntil: null, reason: null, setBy: null, setAt: null });
    assert.equal(effectiveRate(setting({ expiresAt: null }), 0.05, new Date('2030-01-01T00:00:00Z')).rate, 0.4);
    assert.equal(effectiveRate(setting({ raisedRate: null }), 0.05, now).rate, 0.05);
    assert.equal(effectiveRate(undefined, 0.05, now).rate, 0.05);
    assert.equal(effectiveRate(setting({ raisedRate: 0 }), 0.05, now).rate, 0, 'a rate of 0 is a rate, not "unset"');
  });

  it('reads route keys: an outlet city, a foreign country, a channel', () => {
    assert.deepEqual(parseRouteKey('4401-US-postal'), { routeKey: '4401-US-postal', originCity: '4401', destinationCountry: 'US', channel: 'postal' });
    for (const bad of ['4401-CN-postal', '4401-ZZ-postal', '440-US-postal', '4401-us-postal', '4401-US-air', '4401-US-postal ']) {
      assert.equal(parseRouteKey(bad), null, bad);
    }
  });

  it('lets officers see and change the routes leaving their jurisdiction only (coversRegion on the origin city)', () => {
    const user = (role: AuthUser['role'], jurisdiction: string | null) => ({ role, jurisdiction, outletRegionCode: role === 'courier' ? '440106' : null }) as AuthUser;
    assert.equal(coversRegion(user('customs_officer', '44'), '4401'), true);
    assert.equal(coversRegion(user('customs_officer', '44'), '3307'), false);
    assert.equal(coversRegion(user('customs_officer', '4401'), '4401'), true);
    assert.equal(coversRegion(user('customs_officer', '4401'), '4403'), false);
    assert.equal(coversRegion(user('postal_regulator', '33'), '3307'), true);
    assert.equal(coversRegion(user('courier', null), '4401'), false);
    assert.equal(coversRegion(user('admin', null), '6501'), true);
  });
});

describe('route risk', () => {
  const quiet: RouteActivity = { parcels7d: 400, alerts7d: 0, confirmedAlerts30d: 0, decided30d: 20, seized30d: 0 };
  const hot: RouteActivity = { parcels7d: 120, alerts7d: 4, confirmedAlerts30d: 1, decided30d: 10, seized30d: 3 };
  const busyButNormal: RouteActivity = { parcels7d: 4000, alerts7d: 2, confirmedAlerts30d: 0, decided30d: 200, seized30d: 1 };
  const baseline = baselineOf([quiet, hot, busyButNormal]);

  it('flags a route whose seizures and alerts stand out, with the evidence and a rate to start from', () => {
    const risk = assessRouteRisk(hot, baseline, 0.05, 0.05);
    assert.equal(risk.level, 'high');
    assert.equal(risk.suggested, true);
    assert.equal(risk.suggestedRate, 0.3);
    assert.deepEqual(risk.evidence.map((e) => e.code), ['CUSTOMS_SEIZURES', 'CONFIRMED_RINGS', 'ALERTS_ABOVE_PEERS']);
    assert.match(risk.evidence[0]!.message, /seized 3 of 10/);
    assert.match(risk.evidence[0]!.messageZh!, /查获 3 件/);
  });

  it('leaves quiet routes alone, and busy routes whose alerts are in proportion to their traffic', () => {
    assert.deepEqual(assessRouteRisk(quiet, baseline, 0.05, 0.05), { score: 0, level: 'normal', suggested: false, suggestedRate: null, evidence: [] });
    const busy = assessRouteRisk(busyButNormal, baseline, 0.05, 0.05);
    assert.equal(busy.evidence.find((e) => e.code.startsWith('ALERTS'))?.code, 'ALERTS', 'two alerts over 4,000 parcels do not stand out');
    assert.ok(busy.score < assessRouteRisk(hot, baseline, 0.05, 0.05).score);
  });

  it('stops suggesting once the rate is at the suggestion', () => {
    const risk = assessRouteRisk(hot, baseline, 0.3, 0.05);
    assert.equal(risk.level, 'high');
    assert.equal(risk.suggested, false);
  });
});
