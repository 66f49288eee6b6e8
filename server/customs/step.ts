// The intake step that selects cross-border parcels for customs inspection. A parcel is selected when any
// ground holds: its keyed draw falls below its route's rate (RANDOM) or below a higher goods rule's rate
// (GOODS_RULE), it belongs to a ring under alert (RING_ALERT), or it hit a suspect list (WATCHLIST_HIT).
// Every cross-border parcel gets a customs_inspections row (selected or not) with the rates, key id, draw,
// goods classes and grounds, so an audit can reproduce the decision. A refused parcel never leaves the
// counter and is never selected.
import type { EventEmitter } from 'node:events';
import { sql } from 'drizzle-orm';
import { customsInspections } from '../../models/schema.js';
import type { CustomsPolicy } from '../config.js';
import { preparedRows, textArray } from '../db/prepared.js';
import type { IntakeState, IntakeStep } from '../intake/pipeline.js';
import { applicableGoodsRule, goodsKeysOf, type ApplicableGoodsRule } from './goods-rules.js';
import { routeKeyOf } from './route-key.js';
import { effectiveRate, type RouteSetting } from './routes.js';
import { currentKeyIdSql, selectionDraw, selectionGrounds, type SelectionKeyring } from './selection.js';

type Plan = { routeKey: string; routeRate: number; goodsRule: ApplicableGoodsRule | null; goodsKeys: string[]; keyId: string; draw: number };
const plans = new WeakMap<IntakeState, Plan>();

type Row = {
  raised_rate: number | null;
  reason: string | null;
  expires_at: Date | string | null;
  key_id: string | null;
  goods: string | { k: string; s: string; r: number; e: string | null; why: string | null }[];
};

const settingOf = (raisedRate: number | null, reason: string | null, expiresAt: Date | string | null): RouteSetting => ({
  raisedRate: raisedRate === null ? null : Number(raisedRate),
  reason,
  setByName: null,
  setAt: null,
  expiresAt: expiresAt ? new Date(expiresAt) : null,
});

/** `bus`: a selection is announced after commit as 'customs:selected' (outbound webhooks, server/webhooks/). */
export function customsStep(keyring: SelectionKeyring, policy: CustomsPolicy, bus?: EventEmitter): IntakeStep {
  return {
    name: 'customs',
    async check(s) {
      if (!s.recipient?.crossBorder || !s.waybill) return;
      const routeKey = routeKeyOf(s.courier.outletRegionCode, s.recipient.country, s.waybill.channel);
      const { declared } = s.request;
      const goodsKeys = goodsKeysOf(declared.category, [declared.brand, declared.description].filter(Boolean).join(' '));
      // The route's setting, the goods rules set on the parcel's classes whose scope ('' national, else a region
      // prefix) contains the outlet's region, and the current key: one round trip, a named statement (one text whatever
      // the number of goods classes).
      const [row] = await preparedRows<Row>(
        s.tx,
        sql`select r.raised_rate, r.reason, r.expires_at,
                   ${currentKeyIdSql(keyring.sealedPrefix)} as key_id,
                   (select coalesce(json_agg(json_build_object('k', g.rule_key, 's', g.scope, 'r', g.raised_rate, 'e', g.expires_at, 'why', g.reason)), '[]'::json)
                      from customs_goods_rules g
                     where g.rule_key = any(${textArray(goodsKeys)}) and g.raised_rate is not null
                       and starts_with(${s.courier.outletRegionCode}, g.scope)) as goods
            from (select 1) one left join customs_routes r on r.route_key = ${routeKey}`,
      );
      const { rate: routeRate } = effectiveRate(row && settingOf(row.raised_rate, row.reason, row.expires_at), policy.baseRate, s.now);
      const goods = typeof row?.goods === 'string' ? (JSON.parse(row.goods) as Exclude<Row['goods'], string>) : (row?.goods ?? []);
      // Expiry is decided here, at the intake's own time: no job to miss.
      const goodsRule = applicableGoodsRule(goods.map((g) => ({ ruleKey: g.k, scope: g.s, setting: settingOf(g.r, g.why, g.e) })), s.now);
      const keyId = row?.key_id ?? (await keyring.currentId(s.tx));
      const draw = selectionDraw(await keyring.key(s.tx, keyId), s.waybill.normalized);
      plans.set(s, { routeKey, routeRate, goodsRule, goodsKeys, keyId, draw });
    },
    async record(s) {
      const plan = plans.get(s);
      if (!plan) return;
      // Where a route and a goods rate both apply, the higher one selects (a goods rule only when strictly higher).
      const goodsWins = !!plan.goodsRule && plan.goodsRule.rate > plan.routeRate;
      const rate = goodsWins ? plan.goodsRule!.rate : plan.routeRate;
      const grounds = selectionGrounds({
        draw: plan.draw,
        routeRate: plan.routeRate,
        goodsRate: plan.goodsRule?.rate ?? null,
        ringAlert: s.findings.some((f) => f.code === 'ANT_MOVING_SUSPECTED'),
        watchlistHit: s.watchlistHits.length > 0,
        rejected: s.verdict === 'rejected',
      });
      const selected = grounds.length > 0;
      await preparedRows(s.tx, s.tx.insert(customsInspections).values({
        parcelId: s.parcel!.id,
        waybillNo: s.waybill!.normalized,
        routeKey: plan.routeKey,
        originCity: plan.routeKey.slice(0, 4),
        rate,
        keyId: plan.keyId,
        draw: plan.draw,
        selected,
        createdAt: s.parcel!.createdAt,
        grounds,
        goodsRuleKey: goodsWins ? plan.goodsRule!.ruleKey : null,
        routeRate: plan.routeRate,
        goodsKeys: plan.goodsKeys,
      }).getSQL());
      if (selected && bus) {
        const selectedEvent = {
          waybillNo: s.waybill!.normalized,
          routeKey: plan.routeKey,
          grounds,
          rate,
          regionCode: s.courier.outletRegionCode,
          outletId: s.courier.outletId,
          parcelId: s.parcel!.id,
          at: s.parcel!.createdAt.toISOString(),
        };
        s.afterCommit.push(() => bus.emit('customs:selected', selectedEvent));
      }
      s.customsInspection = {
        selected,
        rate,
        routeKey: plan.routeKey,
        grounds,
        rateSource: goodsWins ? 'goods' : 'route',
        routeRate: plan.routeRate,
        ...(plan.goodsRule ? { goodsRule: plan.goodsRule } : {}),
      };
    },
  };
}
