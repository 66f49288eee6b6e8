// Analysts' tools on rings (issue 16): the ring view, splitting parcels or a sender out, allowlisting a
// legitimate pattern with an expiry, and the labels both leave for the evaluation. Regulators, customs
// officers and admins; a ring is theirs to see and act on when one of its parcels is in their jurisdiction.
import { and, eq } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ringMembers } from '../../models/schema.js';
import { ALERT_ROLES } from '../realtime/socket.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { coversRegion } from '../accounts/access.js';
import { bilingual } from '../i18n/messages.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { ALLOWLIST_KINDS, allowlistEntrySchema, allowlistKey, listAllowlist, presentEntry, revokeAllowlistEntry } from './allowlist.js';
import { findVisibleRing, labelSchema, loadLabels, loadRingView, memberNotFound, ringViewSchema, splitRing } from './analysis.js';
import { announceWithdrawn, withdrawInterceptionSource } from '../interception/withdraw.js';
import { retryOnDeadlock } from '../intake/service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * /api/rings/:ringId shares its first segment with other ring routes (/api/rings/price-floors, …) that may be
 * registered after this one: anything that is not a ring id goes on to them.
 */
const ringIdsOnly = (req: Request, _res: Response, next: NextFunction) => (UUID.test(String(req.params.ringId)) ? next() : next('route'));

const ringParams = z.strictObject({ ringId: z.string().uuid() });
const note = z.string().trim().min(1).max(2000);
const waybill = z.string().trim().min(1).max(40);

export function registerRingRoutes(api: Api, { db, bus, config, clock }: AppContext) {
  const publish = (changes: { event: string }[]) => changes.forEach((c) => bus.emit('alert', c));

  api.route({
    method: 'get',
    path: '/api/rings/allowlist',
    tag: 'Rings',
    summary: 'Allowlisted patterns taken from parcels of your jurisdiction (in force only, unless ?active=false)',
    access: { roles: ALERT_ROLES },
    query: z.object({ active: z.enum(['true', 'false']).default('true').transform((v) => v === 'true') }),
    responses: { 200: { description: 'The entries, newest first', schema: z.object({ entries: z.array(allowlistEntrySchema) }) } },
    handler: async ({ query, user }) => {
      const now = clock();
      const rows = await listAllowlist(db, user, query.active, now);
      return { status: 200, body: { entries: rows.map((r) => presentEntry(r, now)) } };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/rings/allowlist/:id',
    tag: 'Rings',
    summary: 'Revoke an allowlisting: its key links again from the next intake (audited)',
    access: { roles: ALERT_ROLES },
    params: z.strictObject({ id: z.string().uuid() }),
    body: z.strictObject({ reason: z.string().trim().max(2000).optional() }),
    responses: {
      204: { description: 'Revoked' },
      404: { description: 'RING_ALLOWLIST_NOT_FOUND: no such entry in your jurisdiction' },
      409: { description: 'RING_ALLOWLIST_REVOKED: revoked before' },
    },
    handler: async ({ params, body, user, req }) => {
      await db.transaction(async (tx) => {
        const row = await revokeAllowlistEntry(tx, params.id, user, body.reason, clock());
        await recordAudit(tx, {
          actor: user,
          action: 'ring.allowlist.revoke',
          subjectType: 'ring_allowlist',
          subjectId: row.id,
          requestId: String(req.id),
          details: { kind: row.kind, ringId: row.ringId, reason: body.reason ?? null },
        });
      });
      return { status: 204 };
    },
  });

  api.route({
    method: 'get',
    path: '/api/rings/labels',
    tag: 'Rings',
    summary: 'Splits and allowlistings as labels for the ring evaluation, oldest first (admins)',
    access: { roles: ['admin'] },
    query: z.object({
      since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Labels after this time' }),
      limit: z.coerce.number().int().min(1).max(5000).default(1000),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of labels', schema: z.object({ labels: z.array(labelSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query }) => {
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const { rows, labels } = await loadLabels(db, query.since ? new Date(query.since) : undefined, after, query.limit);
      const { nextCursor } = pageOf(rows, query.limit, (e) => ({ at: e.at, id: e.id }));
      return { status: 200, body: { labels: labels.slice(0, query.limit), nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/rings/:ringId',
    tag: 'Rings',
    summary: 'A ring as an analyst reads it: per parcel which key linked it and to which parcels, its provinces, where it moved, what analysts did',
    access: { roles: ALERT_ROLES },
    params: ringParams,
    before: [ringIdsOnly],
    responses: { 200: { description: 'The ring', schema: ringViewSchema }, 404: { description: 'RING_NOT_FOUND: no such ring in your jurisdiction' } },
    handler: async ({ params, user }) => {
      const ring = await findVisibleRing(db, params.ringId, user);
      return { status: 200, body: await loadRingView(db, ring, user, clock()) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/rings/:ringId/split',
    tag: 'Rings',
    summary: 'Split wrongly linked parcels, or a sender with all their parcels, out of a ring: they stop counting and their own keys stop pulling parcels in (audited)',
    access: { roles: ALERT_ROLES },
    params: ringParams,
    body: z.strictObject({ waybillNos: z.array(waybill).min(1).max(500).optional(), senderOf: waybill.optional(), note }),
    fieldCodes: { note: { REQUIRED: 'NOTE_REQUIRED', '*': 'NOTE_INVALID' } },
    responses: {
      200: {
        description: 'The parcels split out, the key kinds released and kept, and the ring as it stands now',
        schema: z.object({ splitParcels: z.array(z.string()), keys: z.object({ released: z.array(z.string()), kept: z.array(z.string()) }), ring: ringViewSchema }),
      },
      404: {
        description:
          'RING_NOT_FOUND: no such ring in your jurisdiction; RING_MEMBER_NOT_FOUND (path waybillNos.N or senderOf): not in the ring, or outside your jurisdiction (for senderOf: any of the sender’s parcels in the ring, reason OUTSIDE_JURISDICTION)',
      },
      409: { description: 'RING_ALREADY_SPLIT: those parcels are split out already; RING_CHANGED: the ring was merged meanwhile' },
      422: { description: 'RING_SPLIT_TARGET_REQUIRED: neither or both of waybillNos and senderOf' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      // Run again whole if PostgreSQL aborts it to break a deadlock with a seizure on the same ring (server/customs/router.ts).
      const result = await retryOnDeadlock(() => db.transaction(async (tx) => {
        const ring = await findVisibleRing(tx, params.ringId, user);
        const split = await splitRing(tx, ring.id, body, user, config.ring, now);
        // Parcels out of the ring are no longer stopped for the ring's alert (orders left without a reason: withdrawn).
        const withdrawn = await withdrawInterceptionSource(tx, { ringId: ring.id, waybillNos: split.splitParcels, cause: 'ring_split' }, user, now, String(req.id));
        await recordAudit(tx, {
          actor: user,
          action: 'ring.split',
          subjectType: 'ring',
          subjectId: ring.id,
          requestId: String(req.id),
          details: { waybillNos: split.splitParcels, senderOf: body.senderOf ?? null, note: body.note, keys: split.keys },
        });
        return { ring, split, withdrawn };
      }));
      publish(result.split.changes);
      announceWithdrawn(bus, result.withdrawn);
      return {
        status: 200,
        body: { splitParcels: result.split.splitParcels, keys: result.split.keys, ring: await loadRingView(db, result.ring, user, clock()) },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/api/rings/:ringId/allowlist',
    tag: 'Rings',
    summary: 'Allowlist a legitimate pattern seen on a parcel of the ring (a registered seller’s identity, a family’s address) until a date: its key links nothing meanwhile (audited)',
    access: { roles: ALERT_ROLES },
    params: ringParams,
    body: z.strictObject({
      waybillNo: waybill,
      kind: z.enum(ALLOWLIST_KINDS),
      reason: note,
      expiresAt: z.iso.datetime({ offset: true }),
    }),
    fieldCodes: { kind: { '*': 'ALLOWLIST_KIND_UNKNOWN' }, reason: { REQUIRED: 'REASON_REQUIRED', '*': 'REASON_INVALID' }, expiresAt: { '*': 'EXPIRES_AT_INVALID' } },
    responses: {
      201: { description: 'The entry', schema: allowlistEntrySchema },
      404: { description: 'RING_NOT_FOUND: no such ring in your jurisdiction; RING_MEMBER_NOT_FOUND (waybillNo): not in the ring, or outside your jurisdiction' },
      409: { description: 'RING_ALLOWLIST_EXISTS: that key is allowlisted already' },
      422: { description: 'RING_ALLOWLIST_KEY_ABSENT (kind), RING_ALLOWLIST_EXPIRY_PAST / _TOO_FAR (expiresAt)' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      const entry = await db.transaction(async (tx) => {
        const ring = await findVisibleRing(tx, params.ringId, user);
        const waybillNo = normalizeWaybill(body.waybillNo);
        const [member] = await tx
          .select({ parcelId: ringMembers.parcelId, waybillNo: ringMembers.waybillNo, regionCode: ringMembers.regionCode, linkKeys: ringMembers.linkKeys })
          .from(ringMembers)
          .where(and(eq(ringMembers.ringId, ring.id), eq(ringMembers.waybillNo, waybillNo)));
        // The key is taken from a parcel of the caller's jurisdiction (the entry is filed under that parcel's region,
        // so its creator lists and revokes it); another province's parcel is answered as one not in the ring.
        if (!member || !coversRegion(user, member.regionCode)) {
          throw memberNotFound([{ path: 'waybillNo', code: 'RING_MEMBER_NOT_FOUND', ...bilingual('RING_MEMBER_NOT_FOUND', { waybillNo }) }]);
        }
        const row = await allowlistKey(tx, ring.id, member, { kind: body.kind, reason: body.reason, expiresAt: new Date(body.expiresAt) }, user, now);
        await recordAudit(tx, {
          actor: user,
          action: 'ring.allowlist',
          subjectType: 'ring',
          subjectId: ring.id,
          requestId: String(req.id),
          details: { entryId: row.id, kind: row.kind, waybillNo, reason: body.reason, expiresAt: row.expiresAt.toISOString() },
        });
        return row;
      });
      return { status: 201, body: presentEntry(entry, now) };
    },
  });
}
