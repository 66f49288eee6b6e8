// The intake step that selects cross-border parcels for customs inspection at their route's rate. Every
// cross-border parcel gets a customs_inspections row (selected or not) with the rate, key id and draw, so
// an audit can reproduce the decision. A refused parcel never leaves the counter and is never selected.
import { sql } from 'drizzle-orm';
import { customsInspections } from '../../models/schema.js';
import type { CustomsPolicy } from '../config.js';
import { queryRows } from '../db/database.js';
import type { IntakeState, IntakeStep } from '../intake/pipeline.js';
import { routeKeyOf } from './route-key.js';
import { effectiveRate } from './routes.js';
import { currentKeyIdSql, isSelected, selectionDraw, type SelectionKeyring } from './selection.js';

type Plan = { routeKey: string; rate: number; keyId: string; draw: number };
const plans = new WeakMap<IntakeState, Plan>();

export function customsStep(keyring: SelectionKeyring, policy: CustomsPolicy): IntakeStep {
  return {
    name: 'customs',
    async check(s) {
      if (!s.recipient?.crossBorder || !s.waybill) return;
      const routeKey = routeKeyOf(s.courier.outletRegionCode, s.recipient.country, s.waybill.channel);
      // The route's setting and the current key in one round trip.
      const [row] = await queryRows<{ raised_rate: number | null; reason: string | null; expires_at: Date | string | null; key_id: string | null }>(
        s.tx,
        sql`select r.raised_rate, r.reason, r.expires_at,
                   ${currentKeyIdSql(keyring.sealedPrefix)} as key_id
            from (select 1) one left join customs_routes r on r.route_key = ${routeKey}`,
      );
      const setting = row && {
        raisedRate: row.raised_rate === null ? null : Number(row.raised_rate),
        reason: row.reason,
        setByName: null,
        setAt: null,
        expiresAt: row.expires_at ? new Date(row.expires_at) : null,
      };
      const { rate } = effectiveRate(setting, policy.baseRate, s.now);
      const keyId = row?.key_id ?? (await keyring.currentId(s.tx));
      const draw = selectionDraw(await keyring.key(s.tx, keyId), s.waybill.normalized);
      plans.set(s, { routeKey, rate, keyId, draw });
    },
    async record(s) {
      const plan = plans.get(s);
      if (!plan) return;
      const selected = s.verdict !== 'rejected' && isSelected(plan.draw, plan.rate);
      await s.tx.insert(customsInspections).values({
        parcelId: s.parcel!.id,
        waybillNo: s.waybill!.normalized,
        routeKey: plan.routeKey,
        originCity: plan.routeKey.slice(0, 4),
        rate: plan.rate,
        keyId: plan.keyId,
        draw: plan.draw,
        selected,
        createdAt: s.parcel!.createdAt,
      });
      s.customsInspection = { selected, rate: plan.rate, routeKey: plan.routeKey, grounds: selected ? ['RANDOM'] : [], rateSource: 'route', routeRate: plan.rate };
    },
  };
}
