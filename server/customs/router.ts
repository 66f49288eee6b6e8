// Customs' lever on the routes where rings run (CONTRACT.md "Routes and inspection rates"): the routes of a
// jurisdiction ranked by risk, raising or restoring a route's inspection rate (audited, with history), the
// parcels selected and waiting, the outcome of an inspection (a seizure feeds the ring's alert), and the
// selection keys.
import type { EventEmitter } from 'node:events';
import { and, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { CUSTOMS_OUTCOMES, customsInspections, customsSelectionKeys, parcels, ringMembers } from '../../models/schema.js';
import { coversRegion, regionScope, type AuthUser } from '../accounts/access.js';
import type { AlertChange } from '../alerts/alerts.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { lockRings } from '../rings/store.js';
import { ringSeizure } from '../rings/step.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { effectiveRate, parseRouteKey, prefixRange, type EffectiveRate, type RouteParts } from './routes.js';
import { reproduceSelection, SELECTION_GROUNDS, SelectionKeyUnavailable, selectionDraw, usableBy, type SelectionGround, type SelectionKeyring } from './selection.js';
import { changeSettingRate, checkExpiry, emptyCounts, rateRestoreBody, rateSettingBody, rateSettingFieldCodes, loadRoutes, rateChangeSchema, rateHistory, routeExists, routeSchema, routeViewOf, type RateDecision } from './store.js';
import { auditSeizureNotices, createSeizureNotices, IP_MESSAGES, noticeSchema, noticesOfParcel, presentNotice, seizedBrandKeys } from './ip.js';
import { registerCustomsIpRoutes } from './ip-router.js';
import { CUSTOMS_MESSAGES } from './messages.js';
import { flagOrganisationsOfParcels } from '../organisations/flags.js';
import { retryOnDeadlock } from '../intake/service.js';

const READ_ROLES = ['customs_officer', 'postal_regulator', 'admin'] as const;
const CUSTOMS_ROLES = ['customs_officer', 'admin'] as const;

const routeParams = z.strictObject({ routeKey: z.string().max(40) });

/** The route a key names, if the user may see it: 400 for a malformed key, 403 outside the jurisdiction. */
function routeFor(user: AuthUser, routeKey: string): RouteParts {
  const parts = parseRouteKey(routeKey);
  if (!parts) {
    const text = bilingual(CUSTOMS_MESSAGES.ROUTE_KEY_INVALID, { routeKey });
    throw withMessage(new BadRequestError('', [{ path: 'routeKey', code: 'ROUTE_KEY_INVALID', ...text }], 'ROUTE_KEY_INVALID'), text);
  }
  if (!coversRegion(user, parts.originCity)) {
    throw withMessage(
      new ForbiddenError('', 'OUTSIDE_JURISDICTION'),
      bilingual(CUSTOMS_MESSAGES.ROUTE_OUTSIDE_JURISDICTION, { routeKey, originCity: parts.originCity, jurisdiction: user.jurisdiction ?? '—' }),
    );
  }
  return parts;
}

export const inspectionSchema = z
  .object({
    waybillNo: z.string(),
    routeKey: z.string(),
    outletId: z.string(),
    verdict: z.string(),
    selected: z.boolean(),
    /** The rate that applied: the route's, or a goods rule's when higher (goodsRuleKey). */
    rate: z.number(),
    /** Why it was selected (empty when it was not): RANDOM, RING_ALERT, WATCHLIST_HIT, GOODS_RULE. */
    grounds: z.array(z.enum(SELECTION_GROUNDS)),
    routeRate: z.number(),
    goodsRuleKey: z.string().nullable(),
    selectedAt: z.string(),
    declared: z.object({ description: z.string(), category: z.string(), quantity: z.number(), valueCny: z.number(), brand: z.string().nullable() }),
    recipientCountry: z.string(),
    outcome: z.enum(CUSTOMS_OUTCOMES).nullable(),
    note: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .meta({ id: 'CustomsInspection' });

type InspectionRow = { ci: typeof customsInspections.$inferSelect; p: typeof parcels.$inferSelect };

function presentInspection({ ci, p }: InspectionRow): z.output<typeof inspectionSchema> {
  return {
    waybillNo: ci.waybillNo,
    routeKey: ci.routeKey,
    outletId: p.outletId,
    verdict: p.verdict,
    selected: ci.selected,
    rate: ci.rate,
    grounds: ci.grounds as SelectionGround[],
    // Rows from before goods rules had one rate, the route's.
    routeRate: ci.routeRate ?? ci.rate,
    goodsRuleKey: ci.goodsRuleKey,
    selectedAt: ci.createdAt.toISOString(),
    declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity, valueCny: p.declaredValueCny, brand: p.declaredBrand },
    recipientCountry: p.recipientCountry,
    outcome: ci.outcome,
    note: ci.outcomeNote,
    decidedBy: ci.decidedByName,
    decidedAt: ci.decidedAt?.toISOString() ?? null,
  };
}

export function registerCustomsRoutes(api: Api, ctx: AppContext, keyring: SelectionKeyring) {
  const { db, bus, config, clock } = ctx;
  const baseRate = config.customs.baseRate;
  registerCustomsIpRoutes(api, ctx);
  /** The route as the user's list shows it (its risk is relative to the routes in view), or quiet. */
  const routeView = async (user: AuthUser, parts: RouteParts) => {
    const now = clock();
    const view = (await loadRoutes(db, regionScope(user), baseRate, now)).find((r) => r.routeKey === parts.routeKey);
    return view ?? routeViewOf(parts, effectiveRate(null, baseRate, now), emptyCounts(), { alertsPerParcel: 0, seizureShare: 0 }, baseRate);
  };

  /** Changes a route's rate in one transaction (the route must exist): store.ts changeSettingRate, as for goods rules. */
  const changeRouteRate = (user: AuthUser, parts: RouteParts, requestId: string, decide: (before: EffectiveRate) => RateDecision) =>
    db.transaction(async (tx) => {
      if (!(await routeExists(tx, parts.routeKey, parts.originCity))) throw unknownRoute(parts.routeKey);
      return changeSettingRate(tx, { subject: 'route', key: parts.routeKey, baseRate, user, requestId, auditAction: 'route.rate', now: clock(), decide });
    });
  const withHistory = routeSchema.extend({ history: z.array(rateChangeSchema) });

  api.route({
    method: 'get',
    path: '/api/routes',
    tag: 'Routes',
    summary: 'Routes leaving your jurisdiction, riskiest first: traffic, alerts, seizures, the rate in force and a suggestion where one stands out',
    access: { roles: READ_ROLES },
    query: z.object({
      suggested: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
      country: z.string().regex(/^[A-Z]{2}$/).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
    responses: { 200: { description: 'Routes, riskiest first', schema: z.array(routeSchema) } },
    handler: async ({ query, user }) => {
      const routes = (await loadRoutes(db, regionScope(user), baseRate, clock()))
        .filter((r) => query.suggested === undefined || r.risk.suggested === query.suggested)
        .filter((r) => !query.country || r.destinationCountry === query.country)
        .slice(0, query.limit);
      return { status: 200, body: routes };
    },
  });

  api.route({
    method: 'get',
    path: '/api/routes/:routeKey',
    tag: 'Routes',
    summary: 'One route with its risk and the history of its rate',
    access: { roles: READ_ROLES },
    params: routeParams,
    responses: {
      200: { description: 'The route and its history, newest change first', schema: withHistory },
      404: { description: 'ROUTE_UNKNOWN: no outlet in that city and no traffic on the route' },
    },
    handler: async ({ params, user }) => {
      const parts = routeFor(user, params.routeKey);
      if (!(await routeExists(db, parts.routeKey, parts.originCity))) throw unknownRoute(parts.routeKey);
      return { status: 200, body: { ...(await routeView(user, parts)), history: await rateHistory(db, parts.routeKey) } };
    },
  });

  api.route({
    method: 'put',
    path: '/api/routes/:routeKey/inspection-rate',
    tag: 'Routes',
    summary: 'Set the share of the route’s cross-border parcels selected for customs inspection, with a reason and an optional expiry (audited)',
    access: { roles: CUSTOMS_ROLES },
    params: routeParams,
    body: rateSettingBody,
    fieldCodes: rateSettingFieldCodes,
    responses: {
      200: { description: 'The route with the new rate in force, and the change as written to its history', schema: routeSchema.extend({ change: rateChangeSchema }) },
      404: { description: 'ROUTE_UNKNOWN' },
      422: { description: 'EXPIRY_IN_PAST or EXPIRY_TOO_FAR' },
    },
    handler: async ({ params, body, user, req }) => {
      const parts = routeFor(user, params.routeKey);
      const expiresAt = checkExpiry(body.expiresAt, clock());
      const change = await changeRouteRate(user, parts, String(req.id), () => ({ action: 'set', rate: body.rate, reason: body.reason, expiresAt }));
      return { status: 200, body: { ...(await routeView(user, parts)), change } };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/routes/:routeKey/inspection-rate',
    tag: 'Routes',
    summary: 'Restore the base rate on a route before its set rate expires (audited); nothing changes if the base rate is in force',
    access: { roles: CUSTOMS_ROLES },
    params: routeParams,
    body: rateRestoreBody,
    fieldCodes: { reason: rateSettingFieldCodes.reason },
    responses: {
      200: { description: 'The route at its base rate; `change` is null when nothing was set', schema: routeSchema.extend({ change: rateChangeSchema.nullable() }) },
      404: { description: 'ROUTE_UNKNOWN' },
    },
    handler: async ({ params, body, user, req }) => {
      const parts = routeFor(user, params.routeKey);
      const change = await changeRouteRate(user, parts, String(req.id), (before) =>
        before.raised ? { action: 'restore', rate: baseRate, reason: body.reason, expiresAt: null } : null,
      );
      return { status: 200, body: { ...(await routeView(user, parts)), change } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/customs/inspections',
    tag: 'Routes',
    summary: 'Parcels selected for customs inspection in your jurisdiction: pending (no outcome yet), decided, or all; newest first',
    access: { roles: CUSTOMS_ROLES },
    query: z.object({
      status: z.enum(['pending', 'decided', 'all']).default('pending'),
      routeKey: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of selected parcels', schema: z.object({ inspections: z.array(inspectionSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const scope = regionScope(user);
      const [lo, hi] = scope ? prefixRange(scope) : [null, null];
      const rows = await db
        .select({ ci: customsInspections, p: parcels })
        .from(customsInspections)
        .innerJoin(parcels, eq(parcels.id, customsInspections.parcelId))
        .where(
          and(
            eq(customsInspections.selected, true),
            lo ? and(gte(customsInspections.originCity, lo), lt(customsInspections.originCity, hi!)) : undefined,
            query.status === 'pending' ? sql`${customsInspections.outcome} is null` : query.status === 'decided' ? sql`${customsInspections.outcome} is not null` : undefined,
            query.routeKey ? eq(customsInspections.routeKey, query.routeKey) : undefined,
            cursor
              ? or(lt(customsInspections.createdAt, cursor.at), and(eq(customsInspections.createdAt, cursor.at), lt(customsInspections.parcelId, cursor.id)))
              : undefined,
          ),
        )
        .orderBy(desc(customsInspections.createdAt), desc(customsInspections.parcelId))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (r) => ({ at: r.ci.createdAt, id: r.ci.parcelId }));
      return { status: 200, body: { inspections: page.map(presentInspection), nextCursor } };
    },
  });

  const waybillParams = z.strictObject({ waybillNo: z.string().min(1).max(60) });

  /** The parcel's customs record, locked when asked; 404 when there is no such parcel the user may see. */
  async function inspectionOf(tx: Queryable, user: AuthUser, waybillNo: string, lock: boolean) {
    const q = tx
      .select({ p: parcels, ci: customsInspections })
      .from(parcels)
      .leftJoin(customsInspections, eq(customsInspections.parcelId, parcels.id))
      .where(eq(parcels.waybillNo, normalizeWaybill(waybillNo)));
    const [row] = lock ? await q.for('update', { of: parcels }) : await q;
    if (!row || !row.p.crossBorder || !coversRegion(user, row.p.regionCode)) {
      throw withMessage(new NotFoundError('', 'PARCEL_NOT_FOUND'), bilingual(IP_MESSAGES.CUSTOMS_PARCEL_NOT_FOUND, { waybillNo }));
    }
    return row;
  }

  api.route({
    method: 'post',
    path: '/api/parcels/:waybillNo/customs-outcome',
    tag: 'Routes',
    summary:
      'Record what customs inspection of a selected parcel found; a seizure feeds its ring’s alert and its route’s risk, and makes a notice to the right holder of each protected brand found (or, without `brands`, declared) (audited)',
    access: { roles: CUSTOMS_ROLES },
    params: waybillParams,
    body: z
      .strictObject({
        outcome: z.enum(CUSTOMS_OUTCOMES),
        note: z.string().trim().max(2000).default(''),
        brands: z
          .array(z.string().trim().min(1).max(100))
          .max(20)
          .optional()
          .meta({ description: 'Brands inspection found, as written on the goods (any alias: 劳力士, ROLEX); default: the brands the declaration names. [] for none' }),
      })
      .superRefine((b, ctx) => {
        if (b.outcome !== 'cleared' && !b.note)
          ctx.addIssue({
            code: 'custom',
            path: ['note'],
            message: `Say what was found: a ${b.outcome} parcel needs a note.`,
            params: { messageZh: `请填写查验发现：${b.outcome === 'seized' ? '扣留' : '退运'}的邮件须附说明。` },
          });
      }),
    fieldCodes: {
      outcome: { REQUIRED: 'OUTCOME_REQUIRED', '*': 'OUTCOME_UNKNOWN' },
      note: { TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_REQUIRED' },
      brands: { TOO_LONG: 'BRANDS_TOO_MANY', '*': 'BRANDS_INVALID' },
    },
    responses: {
      200: {
        description:
          'The inspection with its outcome, the alerts it changed, the right-holder notices a seizure made, and the brands named that have no right holder on record (the same answer again for a repeated identical request)',
        schema: z.object({
          inspection: inspectionSchema,
          alerts: z.array(z.object({ id: z.string(), type: z.string(), severity: z.string() })),
          notices: z.array(noticeSchema),
          unregisteredBrands: z.array(z.string()),
        }),
      },
      404: { description: 'PARCEL_NOT_FOUND: no such cross-border parcel in your jurisdiction' },
      409: { description: 'NOT_SELECTED_FOR_INSPECTION, or OUTCOME_ALREADY_RECORDED (a different outcome was recorded before)' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      // A seizure locks the parcel, then its rings; a split of the same ring locks the rings, then the parcels' orders:
      // PostgreSQL breaks such a deadlock by aborting one, which is run again whole (nothing of it survived).
      const { view, changes, notices, unregistered } = await retryOnDeadlock(() => db.transaction(async (tx) => {
        const { p, ci } = await inspectionOf(tx, user, params.waybillNo, true);
        if (!ci?.selected) {
          throw withMessage(
            new ConflictError('', 'NOT_SELECTED_FOR_INSPECTION'),
            bilingual(CUSTOMS_MESSAGES.NOT_SELECTED_FOR_INSPECTION, { waybillNo: p.waybillNo, rate: ci?.rate ?? '—' }),
          );
        }
        if (ci.outcome) {
          if (ci.outcome === body.outcome && (ci.outcomeNote ?? '') === body.note) {
            const notices = await noticesOfParcel(tx, p.id);
            const named = ci.outcome === 'seized' ? seizedBrandKeys(body.brands, { brand: p.declaredBrand, description: p.declaredDescription }) : [];
            return { view: presentInspection({ ci, p }), changes: [] as AlertChange[], notices, unregistered: named.filter((k) => !notices.some((n) => n.brandKey === k)) };
          }
          throw withMessage(
            new ConflictError('', 'OUTCOME_ALREADY_RECORDED'),
            bilingual(CUSTOMS_MESSAGES.OUTCOME_ALREADY_RECORDED, { waybillNo: p.waybillNo, outcome: ci.outcome, by: ci.decidedByName ?? '—', at: ci.decidedAt?.toISOString() ?? '—' }),
          );
        }
        const seized = body.outcome === 'seized';
        // A seizure changes the parcel's ring: its lock first, before the member's row and the ring's day (as a
        // split takes them: ring, then members), so the two take turns instead of deadlocking.
        if (seized) {
          const [member] = await tx.select({ ringId: ringMembers.ringId }).from(ringMembers).where(eq(ringMembers.parcelId, p.id));
          if (member) await lockRings(tx, [member.ringId]);
        }
        const [updated] = await tx
          .update(customsInspections)
          .set({ outcome: body.outcome, outcomeNote: body.note || null, decidedBy: user.id, decidedByName: user.username, decidedAt: now })
          .where(eq(customsInspections.parcelId, p.id))
          .returning();
        const changes = seized ? await ringSeizure(tx, p.id, config.ring, now) : [];
        // Seized branded goods: the right holders are to be told (知识产权海关保护), one notice per protected brand.
        const source = body.brands ? 'inspection' : 'declaration';
        const made = seized
          ? await createSeizureNotices(tx, {
              parcelId: p.id,
              waybillNo: p.waybillNo,
              originCity: ci.originCity,
              brandKeys: seizedBrandKeys(body.brands, { brand: p.declaredBrand, description: p.declaredDescription }),
              now,
            })
          : { notices: [], unregistered: [] };
        // A seizure puts the parcel's organisation sender (协议客户) up for review.
        if (seized) await flagOrganisationsOfParcels(tx, 'seizure', { parcelIds: [p.id] }, now);
        // The audit rows last: the first takes the audit chain's lock (audit_chain_head) until commit, which every
        // audited write in the system then waits for; taken before the ring's lock, a seizure waiting behind a
        // busy ring would stall them all, and deadlock with a split (ring, then audit).
        await recordAudit(tx, {
          actor: user,
          action: 'customs.outcome',
          subjectType: 'parcel',
          subjectId: p.waybillNo,
          requestId: String(req.id),
          details: { outcome: body.outcome, note: body.note, routeKey: ci.routeKey, ...(body.brands ? { brands: body.brands } : {}) },
        });
        await auditSeizureNotices(tx, made.notices, { source, by: user, requestId: String(req.id) });
        return { view: presentInspection({ ci: updated!, p }), changes, ...made };
      }));
      for (const c of changes) bus.emit('alert', c);
      return {
        status: 200,
        body: {
          inspection: view,
          alerts: changes.map((c) => ({ id: c.alert.id, type: c.alert.type, severity: c.alert.severity })),
          notices: notices.map((n) => presentNotice(n, now)),
          unregisteredBrands: unregistered,
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/api/parcels/:waybillNo/customs-inspection',
    tag: 'Routes',
    summary: 'How a cross-border parcel was selected or not, reproduced from the stored key id for audit',
    access: { roles: CUSTOMS_ROLES },
    params: waybillParams,
    responses: {
      200: {
        description: 'The stored selection and whether recomputing it with its key gives the same draw and decision',
        schema: inspectionSchema.extend({ keyId: z.string(), draw: z.number(), goodsKeys: z.array(z.string()), reproduced: z.boolean() }),
      },
      404: { description: 'PARCEL_NOT_FOUND' },
      409: { description: 'SELECTION_KEY_UNAVAILABLE: its key is sealed under an encryption key not configured here' },
    },
    handler: async ({ params, user }) => {
      const { p, ci } = await inspectionOf(db, user, params.waybillNo, false);
      if (!ci) throw withMessage(new NotFoundError('', 'PARCEL_NOT_FOUND'), bilingual(CUSTOMS_MESSAGES.CUSTOMS_SELECTION_RECORD_NOT_FOUND, { waybillNo: p.waybillNo }));
      const key = await keyring.key(db, ci.keyId).catch((err: unknown) => {
        if (err instanceof SelectionKeyUnavailable) {
          throw withMessage(new ConflictError('', 'SELECTION_KEY_UNAVAILABLE'), bilingual(CUSTOMS_MESSAGES.SELECTION_KEY_UNAVAILABLE, { keyId: ci.keyId }));
        }
        throw err;
      });
      const draw = selectionDraw(key, ci.waybillNo);
      // The draw from the key, the grounds from it, the rates and the parcel's own findings, as stored.
      const reproduced = draw === ci.draw && reproduceSelection(ci, draw, p.verdict, p.reasons.map((r) => r.code));
      return { status: 200, body: { ...presentInspection({ ci, p }), keyId: ci.keyId, draw: ci.draw, goodsKeys: ci.goodsKeys, reproduced } };
    },
  });

  const keySchema = z
    .object({ id: z.string(), createdAt: z.string(), current: z.boolean(), usable: z.boolean().meta({ description: 'Sealed under the configured encryption key' }) })
    .meta({ id: 'SelectionKey' });

  api.route({
    method: 'get',
    path: '/api/customs/selection-keys',
    tag: 'Routes',
    summary: 'The selection keys by id, newest (the one selecting now) first; never their material',
    access: { roles: ['admin'] },
    responses: { 200: { description: 'Keys', schema: z.array(keySchema) } },
    handler: async () => {
      const rows = await db
        .select({ id: customsSelectionKeys.id, createdAt: customsSelectionKeys.createdAt, usable: usableBy(keyring.sealedPrefix).mapWith(Boolean) })
        .from(customsSelectionKeys)
        .orderBy(desc(customsSelectionKeys.createdAt), desc(customsSelectionKeys.id));
      const current = rows.find((r) => r.usable)?.id;
      return { status: 200, body: rows.map((r) => ({ id: r.id, createdAt: r.createdAt.toISOString(), current: r.id === current, usable: r.usable })) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/customs/selection-keys',
    tag: 'Routes',
    summary: 'Rotate the selection key: a new key selects from now on; old ones stay to reproduce past selections (audited)',
    access: { roles: ['admin'] },
    responses: { 201: { description: 'The new key', schema: keySchema } },
    handler: async ({ user, req }) => {
      const key = await db.transaction(async (tx) => {
        const made = await keyring.rotate(tx, user.id);
        await recordAudit(tx, { actor: user, action: 'customs.key.rotate', subjectType: 'selection_key', subjectId: made.id, requestId: String(req.id) });
        return made;
      });
      return { status: 201, body: { id: key.id, createdAt: key.createdAt.toISOString(), current: true, usable: true } };
    },
  });
}

function unknownRoute(routeKey: string) {
  return withMessage(new NotFoundError('', 'ROUTE_UNKNOWN'), bilingual(CUSTOMS_MESSAGES.ROUTE_UNKNOWN, { routeKey, originCity: routeKey.slice(0, 4) }));
}
