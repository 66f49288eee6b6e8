// Outbound webhooks: subscribe (admins anywhere; regulators and customs officers inside their jurisdiction),
// list, disable, rotate the signing secret, read the delivery log, send a test event. The secret is shown once
// and kept sealed (it has to be read to sign).
import { randomBytes } from 'node:crypto';
import { and, desc, eq, like, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { outlets, webhookDeliveries, webhookSubscriptions } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { NotFoundError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { defineJobKind } from '../jobs/registry.js';
import { isKnownRegion } from '../outlets/regions.js';
import { deliverWebhook } from './deliver.js';
import { AREA_ONLY_EVENTS, enqueueDelivery, subscribeWebhooks, testEvent, WEBHOOK_EVENTS, WEBHOOK_JOB_KIND } from './events.js';
import { checkWebhookUrl, urlWithoutQuery } from './url.js';
import './messages.js';

const ROLES = ['admin', 'postal_regulator', 'customs_officer'] as const;
const idParams = z.strictObject({ id: z.string().uuid() });

const newSubscriptionSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    url: z.string().trim().min(1).max(2000),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
    /** A province (2 digits) or city (4 digits) prefix; officers' subscriptions default to, and stay inside, their own. */
    jurisdiction: z.string().trim().regex(/^\d{2}(\d{2})?$/, 'a GB/T 2260 province (2 digits) or city (4 digits) code').optional(),
    carrier: z.string().trim().min(1).max(64).optional(),
    outletId: z.string().trim().min(1).max(64).optional(),
    /** Cross-border events only. Always so for a customs officer's subscription; an admin may ask for it. */
    crossBorderOnly: z.boolean().optional(),
  })
  .meta({ id: 'NewWebhookSubscription' });

const subscriptionSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    /** The address without its query string (shown as ?…), which may hold the receiver's token. */
    url: z.string(),
    events: z.array(z.string()),
    jurisdiction: z.string().nullable(),
    carrier: z.string().nullable(),
    outletId: z.string().nullable(),
    crossBorderOnly: z.boolean(),
    createdAt: z.string(),
    disabledAt: z.string().nullable(),
    deliveries: z.object({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int() }).optional(),
  })
  .meta({ id: 'WebhookSubscription' });

const deliverySchema = z
  .object({
    id: z.string().uuid(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookDelivery' });

type Sub = typeof webhookSubscriptions.$inferSelect;
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const present = (s: Sub) => ({
  id: s.id,
  name: s.name,
  url: urlWithoutQuery(s.url),
  events: s.events,
  jurisdiction: s.jurisdiction,
  carrier: s.carrier,
  outletId: s.outletId,
  crossBorderOnly: s.crossBorderOnly,
  createdAt: s.createdAt.toISOString(),
  disabledAt: iso(s.disabledAt),
});

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * Officers see and manage subscriptions whose area lies inside their jurisdiction and that belong to their service:
 * customs officers the cross-border-only ones, postal regulators the others; admins all.
 */
function visible(user: AuthUser) {
  if (user.role === 'admin') return undefined;
  return and(
    like(webhookSubscriptions.jurisdiction, `${user.jurisdiction ?? '\u0000'}%`),
    eq(webhookSubscriptions.crossBorderOnly, user.role === 'customs_officer'),
  );
}

async function loadVisible(db: Queryable, user: AuthUser, id: string): Promise<Sub> {
  const [row] = await db.select().from(webhookSubscriptions).where(and(eq(webhookSubscriptions.id, id), visible(user)));
  if (!row) throw withMessage(new NotFoundError('', 'WEBHOOK_NOT_FOUND'), bilingual('WEBHOOK_NOT_FOUND', { id }));
  return row;
}

const fieldError = (path: string, code: string, params: Record<string, string> = {}): FieldError => ({ path, code, ...bilingual(code, params) });

export function registerWebhookRoutes(api: Api, ctx: AppContext) {
  const { db } = ctx;
  defineJobKind(WEBHOOK_JOB_KIND, deliverWebhook);
  subscribeWebhooks(ctx);
  const production = ctx.config.env === 'production';

  api.route({
    method: 'post',
    path: '/api/webhooks',
    tag: 'Webhooks',
    summary: 'Subscribe an address to events in an area; the signing secret is in this answer only',
    access: { roles: ROLES },
    body: newSubscriptionSchema,
    responses: {
      201: { description: 'Subscribed; `secret` signs every delivery (X-ParcelGuard-Signature)', schema: z.object({ subscription: subscriptionSchema, secret: z.string() }) },
      422: {
        description:
          'WEBHOOK_URL_INVALID, WEBHOOK_URL_PRIVATE (production), WEBHOOK_JURISDICTION_OUTSIDE, WEBHOOK_JURISDICTION_UNKNOWN, WEBHOOK_OUTLET_UNKNOWN, WEBHOOK_CARRIER_UNKNOWN, WEBHOOK_EVENT_NEEDS_AREA',
      },
    },
    handler: async ({ req, body, user }) => {
      const errors: FieldError[] = [];
      const urlProblem = await checkWebhookUrl(body.url, production);
      if (urlProblem) errors.push(fieldError('url', urlProblem.code, urlProblem.code === 'WEBHOOK_URL_PRIVATE' ? { host: urlProblem.host } : {}));
      let jurisdiction = body.jurisdiction ?? null;
      if (user.role !== 'admin') {
        // An officer's subscription lies inside their own area: their jurisdiction unless they name a part of it.
        const own = user.jurisdiction ?? '';
        if (jurisdiction === null) jurisdiction = own;
        else if (!jurisdiction.startsWith(own)) errors.push(fieldError('jurisdiction', 'WEBHOOK_JURISDICTION_OUTSIDE', { jurisdiction: own }));
      }
      if (body.jurisdiction !== undefined && !isKnownRegion(body.jurisdiction)) errors.push(fieldError('jurisdiction', 'WEBHOOK_JURISDICTION_UNKNOWN', { jurisdiction: body.jurisdiction }));
      const inArea = jurisdiction ? sql`starts_with(${outlets.regionCode}, ${jurisdiction})` : sql`true`;
      if (body.outletId !== undefined) {
        const [o] = await db.select({ id: outlets.id }).from(outlets).where(and(eq(outlets.id, body.outletId), inArea));
        if (!o) errors.push(fieldError('outletId', 'WEBHOOK_OUTLET_UNKNOWN', { outletId: body.outletId }));
      }
      if (body.carrier !== undefined) {
        const [o] = await db.select({ id: outlets.id }).from(outlets).where(and(eq(outlets.carrier, body.carrier), inArea)).limit(1);
        if (!o) errors.push(fieldError('carrier', 'WEBHOOK_CARRIER_UNKNOWN', { carrier: body.carrier }));
      }
      if (body.outletId !== undefined || body.carrier !== undefined) {
        body.events.forEach((e, i) => {
          if (AREA_ONLY_EVENTS.includes(e)) errors.push(fieldError(`events.${i}`, 'WEBHOOK_EVENT_NEEDS_AREA', { event: e }));
        });
      }
      if (errors.length) throw new ValidationError(errors);
      const secret = newSecret();
      const row = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(webhookSubscriptions)
          .values({
            name: body.name,
            url: body.url,
            secretSealed: ctx.vault.seal('webhook_secret', secret),
            events: [...new Set(body.events)],
            jurisdiction,
            carrier: body.carrier ?? null,
            outletId: body.outletId ?? null,
            createdBy: user.id,
            // Customs sees cross-border traffic only (as in holds and alerts): so does its subscription.
            crossBorderOnly: user.role === 'customs_officer' || body.crossBorderOnly === true,
          })
          .returning();
        await recordAudit(tx, {
          actor: user,
          action: 'webhook.create',
          subjectType: 'webhook',
          subjectId: row!.id,
          requestId: String(req.id),
          details: { name: row!.name, host: safeHost(row!.url), events: row!.events, jurisdiction, carrier: row!.carrier, outletId: row!.outletId, crossBorderOnly: row!.crossBorderOnly },
        });
        return row!;
      });
      // The secret is in this answer: no cache along the way may keep it (said here, whatever the API's default).
      return { status: 201, body: { subscription: present(row), secret }, headers: { 'Cache-Control': 'no-store' } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/webhooks',
    tag: 'Webhooks',
    summary: 'Subscriptions in your area, with their delivery counts',
    access: { roles: ROLES },
    responses: { 200: { description: 'Subscriptions, newest first', schema: z.object({ subscriptions: z.array(subscriptionSchema) }) } },
    handler: async ({ user }) => {
      const rows = await db
        .select({
          s: webhookSubscriptions,
          pending: sql<number>`(select count(*)::int from webhook_deliveries d where d.subscription_id = webhook_subscriptions.id and d.status = 'pending')`,
          delivered: sql<number>`(select count(*)::int from webhook_deliveries d where d.subscription_id = webhook_subscriptions.id and d.status = 'delivered')`,
          failed: sql<number>`(select count(*)::int from webhook_deliveries d where d.subscription_id = webhook_subscriptions.id and d.status = 'failed')`,
        })
        .from(webhookSubscriptions)
        .where(visible(user))
        .orderBy(desc(webhookSubscriptions.createdAt), desc(webhookSubscriptions.id));
      return {
        status: 200,
        body: { subscriptions: rows.map((r) => ({ ...present(r.s), deliveries: { pending: Number(r.pending), delivered: Number(r.delivered), failed: Number(r.failed) } })) },
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/webhooks/:id',
    tag: 'Webhooks',
    summary: 'Disable a subscription (nothing more is sent, pending deliveries are dropped) or enable it again',
    access: { roles: ROLES },
    params: idParams,
    body: z.strictObject({ disabled: z.boolean() }).meta({ id: 'WebhookPatch' }),
    responses: { 200: { description: 'The subscription as changed', schema: subscriptionSchema }, 404: { description: 'WEBHOOK_NOT_FOUND' } },
    handler: async ({ req, params, body, user }) => {
      const row = await db.transaction(async (tx) => {
        await loadVisible(tx, user, params.id);
        const [row] = await tx
          .update(webhookSubscriptions)
          .set({ disabledAt: body.disabled ? sql`coalesce(${webhookSubscriptions.disabledAt}, now())` : null })
          .where(eq(webhookSubscriptions.id, params.id))
          .returning();
        await recordAudit(tx, { actor: user, action: body.disabled ? 'webhook.disable' : 'webhook.enable', subjectType: 'webhook', subjectId: params.id, requestId: String(req.id) });
        return row!;
      });
      return { status: 200, body: present(row) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/webhooks/:id/secret',
    tag: 'Webhooks',
    summary: 'Rotate the signing secret: the new one is in this answer only and signs every delivery from now on',
    access: { roles: ROLES },
    params: idParams,
    responses: { 200: { description: 'The new secret, once', schema: z.object({ secret: z.string() }) }, 404: { description: 'WEBHOOK_NOT_FOUND' } },
    handler: async ({ req, params, user }) => {
      const secret = newSecret();
      await db.transaction(async (tx) => {
        await loadVisible(tx, user, params.id);
        await tx.update(webhookSubscriptions).set({ secretSealed: ctx.vault.seal('webhook_secret', secret) }).where(eq(webhookSubscriptions.id, params.id));
        await recordAudit(tx, { actor: user, action: 'webhook.rotate_secret', subjectType: 'webhook', subjectId: params.id, requestId: String(req.id) });
      });
      return { status: 200, body: { secret }, headers: { 'Cache-Control': 'no-store' } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/webhooks/:id/deliveries',
    tag: 'Webhooks',
    summary: 'The delivery log: each event sent to this subscription, its attempts and the last answer, newest first',
    access: { roles: ROLES },
    params: idParams,
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      /** createdAt of the last delivery of the previous page. */
      before: z.iso.datetime({ offset: true }).optional(),
    }),
    responses: { 200: { description: 'Deliveries', schema: z.object({ deliveries: z.array(deliverySchema) }) }, 404: { description: 'WEBHOOK_NOT_FOUND' } },
    handler: async ({ params, query, user }) => {
      await loadVisible(db, user, params.id);
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.subscriptionId, params.id),
            query.before ? lt(webhookDeliveries.createdAt, new Date(query.before)) : undefined,
          ),
        )
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(query.limit);
      return {
        status: 200,
        body: {
          deliveries: rows.map((d) => ({
            id: d.id,
            eventId: d.eventId,
            eventType: d.eventType,
            status: d.status,
            attempts: d.attempts,
            lastStatusCode: d.lastStatusCode,
            lastError: d.lastError,
            createdAt: d.createdAt.toISOString(),
            lastAttemptAt: iso(d.lastAttemptAt),
            deliveredAt: iso(d.deliveredAt),
            payload: d.payload,
          })),
        },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/api/webhooks/:id/test',
    tag: 'Webhooks',
    summary: 'Send a test event (webhook.test) to this subscription through the normal delivery, signature and retries',
    access: { roles: ROLES },
    params: idParams,
    responses: { 202: { description: 'Queued; follow it in the delivery log', schema: z.object({ deliveryId: z.string().uuid() }) }, 404: { description: 'WEBHOOK_NOT_FOUND' }, 422: { description: 'WEBHOOK_DISABLED' } },
    handler: async ({ req, params, user }) => {
      const sub = await loadVisible(db, user, params.id);
      if (sub.disabledAt) throw new ValidationError([fieldError('id', 'WEBHOOK_DISABLED')]);
      const deliveryId = await db.transaction(async (tx) => {
        const id = (await enqueueDelivery(tx, sub.id, testEvent()))!;
        await recordAudit(tx, { actor: user, action: 'webhook.test', subjectType: 'webhook', subjectId: sub.id, requestId: String(req.id) });
        return id;
      });
      return { status: 202, body: { deliveryId } };
    },
  });
}

/** The host alone, for the audit trail (never the path's or query's tokens). */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '[invalid]';
  }
}
