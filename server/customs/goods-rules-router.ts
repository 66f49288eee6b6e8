// Goods rules over HTTP (api.md "Goods rules"): the goods classes customs watch, riskiest first, and
// setting or restoring a class's inspection rate with a reason and expiry — the same store, history and
// audit as route rates. A rule is scoped like a route: it applies to parcels leaving the jurisdiction of the
// officer who set it (an admin's, or an officer's without jurisdiction, nationally), so customs of one
// province cannot change another's selection. The traffic and seizures shown are those of the caller's
// jurisdiction, the rate the highest in force throughout it.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { customsGoodsRules } from '../../models/schema.js';
import { regionScope, type AuthUser } from '../accounts/access.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ValidationError } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { emptyGoodsCounts, GOODS_BASE_RATE, goodsRuleSchema, goodsRuleScopeOf, goodsRuleViewOf, loadGoodsRules, parseGoodsRuleKey, rateInArea, type GoodsRuleParts } from './goods-rules.js';
import { changeSettingRate, checkExpiry, goodsRuleChangeSchema, goodsRuleHistory, rateRestoreBody, rateSettingBody, rateSettingFieldCodes } from './store.js';

const READ_ROLES = ['customs_officer', 'postal_regulator', 'admin'] as const;
const CUSTOMS_ROLES = ['customs_officer', 'admin'] as const;

defineMessages({
  GOODS_RULE_KEY_INVALID: {
    en: '"{ruleKey}" names no goods class: use category:<goods category> (e.g. category:watches) or brand:<a registered brand or any of its names> (e.g. brand:rolex, brand:劳力士).',
    zh: '“{ruleKey}”不是商品类别：请用 category:<商品类别>（如 category:watches）或 brand:<已登记品牌或其任一名称>（如 brand:rolex、brand:劳力士）。',
  },
});

const ruleParams = z.strictObject({ ruleKey: z.string().min(1).max(80) });

function ruleFor(ruleKey: string): GoodsRuleParts {
  const parts = parseGoodsRuleKey(ruleKey);
  if (!parts) throw new ValidationError([{ path: 'params.ruleKey', code: 'GOODS_RULE_KEY_INVALID', ...bilingual('GOODS_RULE_KEY_INVALID', { ruleKey }) }]);
  return parts;
}

export function registerGoodsRuleRoutes(api: Api, { db, config, clock }: AppContext) {
  const routeBaseRate = config.customs.baseRate;
  /** The class as the user's list shows it (its traffic in their jurisdiction), or quiet. */
  const ruleView = async (user: AuthUser, parts: GoodsRuleParts) => {
    const now = clock();
    const area = goodsRuleScopeOf(user);
    const view = (await loadGoodsRules(db, regionScope(user), area, routeBaseRate, now)).find((r) => r.ruleKey === parts.ruleKey);
    if (view) return view;
    const settings = await db.select().from(customsGoodsRules).where(eq(customsGoodsRules.ruleKey, parts.ruleKey));
    return goodsRuleViewOf(parts, rateInArea(settings, area, now), emptyGoodsCounts(), { alertsPerParcel: 0, seizureShare: 0 }, routeBaseRate);
  };
  /** Changes the caller's own rule on the class: in their jurisdiction, or national for an admin or an officer without one. */
  const change = (user: AuthUser, parts: GoodsRuleParts, requestId: string, decide: Parameters<typeof changeSettingRate>[1]['decide']) =>
    db.transaction((tx) =>
      changeSettingRate(tx, {
        subject: 'goods', key: parts.ruleKey, scope: goodsRuleScopeOf(user), baseRate: GOODS_BASE_RATE, user, requestId, auditAction: 'goods_rule.rate', now: clock(), decide,
      }),
    );

  api.route({
    method: 'get',
    path: '/api/customs/goods-rules',
    tag: 'Goods rules',
    summary:
      'Goods classes (category, protected brand) with a rule in a scope overlapping your jurisdiction or with cross-border traffic in 30 days, riskiest first: the highest rate in force throughout your jurisdiction (national or your own), the rules in force within it, and a suggested rate where one stands out',
    access: { roles: READ_ROLES },
    query: z.object({
      suggested: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
      kind: z.enum(['category', 'brand']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
    responses: { 200: { description: 'Goods classes, riskiest first', schema: z.object({ rules: z.array(goodsRuleSchema) }) } },
    handler: async ({ query, user }) => {
      const rules = (await loadGoodsRules(db, regionScope(user), goodsRuleScopeOf(user), routeBaseRate, clock()))
        .filter((r) => query.suggested === undefined || r.risk.suggested === query.suggested)
        .filter((r) => !query.kind || r.kind === query.kind)
        .slice(0, query.limit);
      return { status: 200, body: { rules } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/customs/goods-rules/:ruleKey',
    tag: 'Goods rules',
    summary: 'One goods class with its risk and the history of its rate (brand keys by any alias: brand:劳力士 is brand:rolex)',
    access: { roles: READ_ROLES },
    params: ruleParams,
    responses: {
      200: { description: 'The goods class and its changes, newest first', schema: goodsRuleSchema.extend({ changes: z.array(goodsRuleChangeSchema) }) },
      422: { description: 'GOODS_RULE_KEY_INVALID (path params.ruleKey)' },
    },
    handler: async ({ params, user }) => {
      const parts = ruleFor(params.ruleKey);
      return { status: 200, body: { ...(await ruleView(user, parts)), changes: await goodsRuleHistory(db, parts.ruleKey, goodsRuleScopeOf(user)) } };
    },
  });

  api.route({
    method: 'put',
    path: '/api/customs/goods-rules/:ruleKey/inspection-rate',
    tag: 'Goods rules',
    summary:
      'Set the share of a goods class’s cross-border parcels leaving your jurisdiction (nationally for an admin) selected for inspection, with a reason and an optional expiry (audited); the highest of route and goods rates applies',
    access: { roles: CUSTOMS_ROLES },
    params: ruleParams,
    body: rateSettingBody,
    fieldCodes: rateSettingFieldCodes,
    responses: {
      200: { description: 'The goods class with the new rate in force, and the change as written to its history', schema: goodsRuleSchema.extend({ change: goodsRuleChangeSchema }) },
      422: { description: 'GOODS_RULE_KEY_INVALID, EXPIRY_IN_PAST or EXPIRY_TOO_FAR' },
    },
    handler: async ({ params, body, user, req }) => {
      const parts = ruleFor(params.ruleKey);
      const expiresAt = checkExpiry(body.expiresAt, clock());
      const written = await change(user, parts, String(req.id), () => ({ action: 'set', rate: body.rate, reason: body.reason, expiresAt }));
      return { status: 200, body: { ...(await ruleView(user, parts)), change: written } };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/customs/goods-rules/:ruleKey/inspection-rate',
    tag: 'Goods rules',
    summary: 'End your jurisdiction’s rate on a goods class before it expires (audited); nothing changes when yours is not in force (a national rule stays)',
    access: { roles: CUSTOMS_ROLES },
    params: ruleParams,
    body: rateRestoreBody,
    fieldCodes: { reason: rateSettingFieldCodes.reason },
    responses: {
      200: { description: 'The goods class back at its base (no rate of its own); `change` is null when nothing was set', schema: goodsRuleSchema.extend({ change: goodsRuleChangeSchema.nullable() }) },
      422: { description: 'GOODS_RULE_KEY_INVALID' },
    },
    handler: async ({ params, body, user, req }) => {
      const parts = ruleFor(params.ruleKey);
      const written = await change(user, parts, String(req.id), (before) =>
        before.raised ? { action: 'restore', rate: GOODS_BASE_RATE, reason: body.reason, expiresAt: null } : null,
      );
      return { status: 200, body: { ...(await ruleView(user, parts)), change: written } };
    },
  });
}
