// From the in-process bus (after commit) to webhook deliveries: each event is given a stable id, matched against
// the active subscriptions' events and areas, and for each match a delivery row (the payload as sent) and a
// `webhook.deliver` job are written together. The delivery's unique (subscription, event) and the job key
// `webhook:<subscriptionId>:<eventId>` make an event emitted twice deliver once.
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { outlets, webhookDeliveries, webhookSubscriptions } from '../../models/schema.js';
import type { AlertChange } from '../alerts/alerts.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { HOLD_BUS_EVENT, type HoldChange } from '../holds/events.js';
import { enqueueJob } from '../jobs/store.js';

export const WEBHOOK_EVENTS = [
  'alert.opened',
  'alert.updated',
  'hold.created',
  'hold.decided',
  'hold.overdue',
  'customs.selected',
  'interception.ordered',
  'interception.answered',
  'interception.overdue',
  'interception.withdrawn',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number] | 'webhook.test';
/** Alerts belong to regions, not to one outlet: subscriptions narrowed to an outlet or carrier cannot take them. */
export const AREA_ONLY_EVENTS: readonly string[] = ['alert.opened', 'alert.updated'];

export const WEBHOOK_JOB_KIND = 'webhook.deliver';
export const WEBHOOK_MAX_ATTEMPTS = 8;

export type WebhookEvent = {
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  /** The 6-digit regions the event concerns, matched against a subscription's jurisdiction prefix. */
  regionCodes: string[];
  outletId: string | null;
  /** Whether the event concerns a cross-border parcel or route: a cross-border-only (customs) subscription takes no other. */
  crossBorder: boolean;
  /** What is sent: codes, waybill numbers, outlets, regions, times. Never a name, ID number, phone or address. */
  data: Record<string, unknown>;
};

/** The payload of 'customs:selected' (server/customs/step.ts, after commit). */
export type CustomsSelected = { waybillNo: string; routeKey: string; grounds: string[]; rate: number; regionCode: string; outletId: string; parcelId?: string; at?: string };

/** The payload of 'interception' (server/interception/, after commit). */
export type InterceptionChange = {
  event: 'interception:ordered' | 'interception:answered' | 'interception:overdue' | 'interception:withdrawn';
  order: { id: string; waybillNo: string; outletId: string; regionCode: string; crossBorder: boolean; status: string; orderedAt: string; dueAt: string; sources?: unknown };
};

const isoOf = (d: Date | string | null | undefined) => (d instanceof Date ? d.toISOString() : (d ?? null));

export function alertEvent(c: AlertChange): WebhookEvent {
  const a = c.alert;
  const type = c.event === 'alert:new' ? 'alert.opened' : 'alert.updated';
  return {
    // An update is told apart by the alert's updatedAt: the same change announced twice is one event.
    id: type === 'alert.opened' ? `alert:${a.id}:opened` : `alert:${a.id}:${a.updatedAt}`,
    type,
    occurredAt: type === 'alert.opened' ? a.createdAt : a.updatedAt,
    regionCodes: c.regionCodes.length ? c.regionCodes : a.regionCodes,
    outletId: null,
    crossBorder: a.crossBorder === true,
    // No summary, evidence text or acknowledger: a suspect-list summary may quote a listed name.
    data: {
      alertId: a.id,
      type: a.type,
      severity: a.severity,
      status: a.status,
      jurisdiction: a.jurisdiction,
      regionCodes: a.regionCodes,
      routeKey: a.routeKey,
      crossBorder: a.crossBorder,
      parcelCount: a.parcelCount,
      totalValueCny: a.totalValueCny,
      waybills: a.waybills,
      evidenceCodes: [...new Set(a.evidence.map((e) => e.code))],
      resolution: a.resolved?.resolution ?? null,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    },
  };
}

export function holdEvent(c: HoldChange): WebhookEvent {
  const h = c.row.hold;
  const d = c.row.decision;
  const type = c.event === 'hold:new' ? 'hold.created' : c.event === 'hold:overdue' ? 'hold.overdue' : 'hold.decided';
  const suffix = type === 'hold.created' ? 'created' : type === 'hold.overdue' ? 'overdue' : `decided:${d?.id ?? h.status}`;
  return {
    id: `hold:${h.parcelId}:${suffix}`,
    type,
    occurredAt: isoOf(type === 'hold.created' ? h.heldAt : type === 'hold.overdue' ? h.overdueAt : (d?.at ?? h.decidedAt)) ?? new Date().toISOString(),
    regionCodes: [h.regionCode],
    outletId: h.outletId,
    crossBorder: h.crossBorder === true,
    data: {
      waybillNo: h.waybillNo,
      outletId: h.outletId,
      regionCode: h.regionCode,
      reasons: h.reasons,
      crossBorder: h.crossBorder,
      status: h.status,
      heldAt: isoOf(h.heldAt),
      dueAt: isoOf(h.dueAt),
      overdueAt: isoOf(h.overdueAt),
      decision: d ? { action: d.action, disposition: d.disposition, byRole: d.byRole, at: isoOf(d.at) } : null,
    },
  };
}

export function customsEvent(c: CustomsSelected): WebhookEvent {
  return {
    id: `customs:${c.parcelId ?? c.waybillNo}:selected`,
    type: 'customs.selected',
    occurredAt: c.at ?? new Date().toISOString(),
    regionCodes: [c.regionCode],
    outletId: c.outletId,
    // Customs selection happens to cross-border parcels only.
    crossBorder: true,
    data: { waybillNo: c.waybillNo, routeKey: c.routeKey, grounds: c.grounds, rate: c.rate, regionCode: c.regionCode, outletId: c.outletId },
  };
}

export function interceptionEvent(c: InterceptionChange): WebhookEvent {
  const o = c.order;
  const type = c.event === 'interception:ordered' ? 'interception.ordered' : c.event === 'interception:answered' ? 'interception.answered' : c.event === 'interception:withdrawn' ? 'interception.withdrawn' : 'interception.overdue';
  return {
    id: `interception:${o.id}:${type.split('.')[1]}`,
    type,
    occurredAt: new Date().toISOString(),
    regionCodes: [o.regionCode],
    outletId: o.outletId,
    crossBorder: o.crossBorder === true,
    data: {
      orderId: o.id,
      waybillNo: o.waybillNo,
      outletId: o.outletId,
      regionCode: o.regionCode,
      crossBorder: o.crossBorder,
      status: o.status,
      orderedAt: o.orderedAt,
      dueAt: o.dueAt,
      sources: interceptionSourcesOf(o.sources),
    },
  };
}

/**
 * What a receiver learns of an order's sources: why (kind, the alert or list entry, the reason's code), never who
 * asked or their note — a note may quote a listed name. Whatever else the emitter puts in a source is dropped.
 */
export function interceptionSourcesOf(raw: unknown): Array<{ kind: string; alertId?: string; entryId?: string; reasonCode: string | null }> {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((x: unknown) => {
    if (typeof x !== 'object' || x === null) return [];
    const s = x as { kind?: unknown; alertId?: unknown; entryId?: unknown; reason?: unknown; reasonCode?: unknown };
    if (typeof s.kind !== 'string') return [];
    const reason = s.reason as { code?: unknown } | null | undefined;
    const reasonCode = typeof s.reasonCode === 'string' ? s.reasonCode : typeof reason?.code === 'string' ? reason.code : null;
    return [
      {
        kind: s.kind,
        ...(typeof s.alertId === 'string' ? { alertId: s.alertId } : {}),
        ...(typeof s.entryId === 'string' ? { entryId: s.entryId } : {}),
        reasonCode,
      },
    ];
  });
}

type Subscription = typeof webhookSubscriptions.$inferSelect;

/**
 * Whether an event lies in a subscription's area: region prefix on any of its regions, then outlet, then carrier;
 * a cross-border-only subscription (a customs officer's) takes cross-border events only.
 */
export function inArea(sub: Pick<Subscription, 'jurisdiction' | 'outletId' | 'carrier' | 'crossBorderOnly'>, e: WebhookEvent, carrierOfOutlet: string | null): boolean {
  if (sub.crossBorderOnly && !e.crossBorder) return false;
  if (sub.jurisdiction !== null && !e.regionCodes.some((r) => r.startsWith(sub.jurisdiction!))) return false;
  if (sub.outletId !== null && e.outletId !== sub.outletId) return false;
  if (sub.carrier !== null && (e.outletId === null || carrierOfOutlet !== sub.carrier)) return false;
  return true;
}

/** Writes the delivery and its job, once per (subscription, event); returns the delivery id when this call created it. */
export async function enqueueDelivery(tx: Queryable, subscriptionId: string, e: WebhookEvent): Promise<string | null> {
  const [row] = await tx
    .insert(webhookDeliveries)
    .values({ subscriptionId, eventId: e.id, eventType: e.type, payload: { id: e.id, type: e.type, occurredAt: e.occurredAt, data: e.data } })
    .onConflictDoNothing({ target: [webhookDeliveries.subscriptionId, webhookDeliveries.eventId] })
    .returning({ id: webhookDeliveries.id });
  if (!row) return null;
  await enqueueJob(tx, { kind: WEBHOOK_JOB_KIND, key: `webhook:${subscriptionId}:${e.id}`, payload: { deliveryId: row.id }, maxAttempts: WEBHOOK_MAX_ATTEMPTS });
  return row.id;
}

export async function fanOut(ctx: AppContext, e: WebhookEvent): Promise<number> {
  const subs = await ctx.db
    .select()
    .from(webhookSubscriptions)
    .where(and(isNull(webhookSubscriptions.disabledAt), sql`${e.type} = any(${webhookSubscriptions.events})`));
  if (subs.length === 0) return 0;
  let carrier: string | null = null;
  if (e.outletId && subs.some((s) => s.carrier !== null)) {
    [{ carrier } = { carrier: null }] = await ctx.db.select({ carrier: outlets.carrier }).from(outlets).where(eq(outlets.id, e.outletId));
  }
  const matching = subs.filter((s) => inArea(s, e, carrier));
  if (matching.length === 0) return 0;
  return ctx.db.transaction(async (tx) => {
    let n = 0;
    for (const s of matching) if (await enqueueDelivery(tx, s.id, e)) n++;
    return n;
  });
}

/** In flight fan-outs, so a test (or shutdown) can wait for them. */
const pending = new Set<Promise<unknown>>();
export const webhookFanOutsSettled = () => Promise.allSettled([...pending]);

/** Listens on the bus; a failed fan-out is logged (event type and id only) and does not disturb the emitter. */
export function subscribeWebhooks(ctx: AppContext): void {
  const run = (make: () => WebhookEvent) => {
    let e: WebhookEvent;
    try {
      e = make();
    } catch (err) {
      ctx.log.warn({ err }, 'webhook: an event could not be read; not delivered');
      return;
    }
    const p = fanOut(ctx, e)
      .catch((err) => ctx.log.error({ err, eventType: e.type, eventId: e.id }, 'webhook: fan-out failed; the event is not delivered'))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  ctx.bus.on('alert', (c: AlertChange) => run(() => alertEvent(c)));
  ctx.bus.on(HOLD_BUS_EVENT, (c: HoldChange) => run(() => holdEvent(c)));
  ctx.bus.on('customs:selected', (c: CustomsSelected) => run(() => customsEvent(c)));
  ctx.bus.on('interception', (c: InterceptionChange) => run(() => interceptionEvent(c)));
}

export function testEvent(): WebhookEvent {
  const id = randomUUID();
  return {
    id: `test:${id}`,
    type: 'webhook.test',
    occurredAt: new Date().toISOString(),
    regionCodes: [],
    outletId: null,
    crossBorder: false,
    data: { message: 'ParcelGuard webhook test · 测试事件' },
  };
}
