// Alerts: the list (filtered), the unresolved counts, one alert, the parcels behind it, and taking it in hand
// and resolving it — each person sees and acts on what their role and jurisdiction allow.
import { and, desc, eq, gt, gte, lt, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { alertParcels, alerts, parcels } from '../../models/schema.js';
import { assertMayUnmask } from '../accounts/access.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { ConflictError, ForbiddenError, NotFoundError, withMessage } from '../http/errors.js';
import { recordAudit } from '../audit/audit.js';
import { ALERT_ROLES } from '../realtime/socket.js';
import { ringOfAlertGroup } from '../rings/movement.js';
import { dampRing, ringIdOfGroup } from '../rings/store.js';
import { alertParcelsSchema, loadAlertParcels } from './parcels.js';
import { announceWithdrawn, withdrawInterceptionSource } from '../interception/withdraw.js';
import { alertSchema, alertScope, presentAlert, resolveAlert, type AlertChange, type AlertRow } from './alerts.js';
import { addAlertNote, alertNoteSchema, listAlertNotes, MAX_NOTE_LENGTH, notOwnedMessage } from './notes.js';
import { mayDecide } from './ownership.js';
import { flagOrganisationsOfParcels, parcelIdsOfAlert } from '../organisations/flags.js';

/** One alert as its page reads it: with the notes every jurisdiction it touches added. */
const alertWithNotesSchema = alertSchema
  .extend({
    notes: z.array(alertNoteSchema),
    /** The ring of an ANT_MOVING or RING_MOVED alert (GET /api/rings/:ringId), else null. */
    ringId: z.string().uuid().nullable(),
  })
  .meta({ id: 'AlertWithNotes' });

const alertCountsSchema = z.object({ open: z.number().int(), acknowledged: z.number().int(), high: z.number().int() }).meta({ id: 'AlertCounts' });

export function registerAlertRoutes(api: Api, { db, bus, config, vault, clock }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/alerts',
    tag: 'Alerts',
    summary: 'Alerts in your jurisdiction, most recently changed first; ?since= for what changed after a time',
    access: { roles: ALERT_ROLES },
    query: z.object({
      status: z.enum(['open', 'acknowledged', 'resolved', 'unresolved']).optional().meta({ description: 'unresolved: open or acknowledged' }),
      type: z.string().regex(/^[A-Z_]{2,40}$/).optional(),
      severity: z.enum(['low', 'medium', 'high']).optional(),
      routeKey: z.string().max(40).optional(),
      outletId: z.string().max(40).optional(),
      since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Changed after this time' }),
      createdFrom: z.iso.datetime({ offset: true }).optional().meta({ description: 'Opened at or after this time' }),
      createdTo: z.iso.datetime({ offset: true }).optional().meta({ description: 'Opened before this time' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of alerts', schema: z.object({ alerts: z.array(alertSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await db
        .select()
        .from(alerts)
        .where(
          and(
            alertScope(user),
            query.status === 'unresolved' ? ne(alerts.status, 'resolved') : query.status ? eq(alerts.status, query.status) : undefined,
            query.type ? eq(alerts.type, query.type) : undefined,
            query.severity ? eq(alerts.severity, query.severity) : undefined,
            query.routeKey ? eq(alerts.routeKey, query.routeKey) : undefined,
            query.outletId
              ? sql`exists (select 1 from ${alertParcels} ap join ${parcels} p on p.id = ap.parcel_id where ap.alert_id = ${alerts.id} and p.outlet_id = ${query.outletId})`
              : undefined,
            query.since ? gt(alerts.updatedAt, new Date(query.since)) : undefined,
            query.createdFrom ? gte(alerts.createdAt, new Date(query.createdFrom)) : undefined,
            query.createdTo ? lt(alerts.createdAt, new Date(query.createdTo)) : undefined,
            cursor ? or(lt(alerts.updatedAt, cursor.at), and(eq(alerts.updatedAt, cursor.at), lt(alerts.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(alerts.updatedAt), desc(alerts.id))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (a) => ({ at: a.updatedAt, id: a.id }));
      return { status: 200, body: { alerts: page.map(presentAlert), nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/alerts/counts',
    tag: 'Alerts',
    summary: 'How many alerts in your jurisdiction are open and acknowledged, and how many of them are high severity',
    access: { roles: ALERT_ROLES },
    responses: { 200: { description: 'Counts of unresolved alerts', schema: alertCountsSchema } },
    handler: async ({ user }) => {
      const [counts] = await db
        .select({
          open: sql<number>`count(*) filter (where ${alerts.status} = 'open')::int`,
          acknowledged: sql<number>`count(*) filter (where ${alerts.status} = 'acknowledged')::int`,
          high: sql<number>`count(*) filter (where ${alerts.severity} = 'high')::int`,
        })
        .from(alerts)
        .where(and(alertScope(user), ne(alerts.status, 'resolved')));
      return { status: 200, body: counts };
    },
  });

  api.route({
    method: 'get',
    path: '/api/alerts/:id',
    tag: 'Alerts',
    summary: 'One alert with its evidence',
    access: { roles: ALERT_ROLES },
    params: z.strictObject({ id: z.string().uuid() }),
    responses: { 200: { description: 'The alert, who owns it, and its notes', schema: alertWithNotesSchema }, 404: { description: 'No such alert in your jurisdiction' } },
    handler: async ({ params, user }) => {
      const [row] = await db.select().from(alerts).where(and(eq(alerts.id, params.id), alertScope(user)));
      if (!row) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
      return { status: 200, body: { ...presentAlert(row), notes: await listAlertNotes(db, row.id), ringId: ringOfAlertGroup(row.groupKey) } };
    },
  });

  const idParams = z.strictObject({ id: z.string().uuid() });

  api.route({
    method: 'get',
    path: '/api/alerts/:id/parcels',
    tag: 'Alerts',
    summary: 'The parcels an alert rests on (newest first, at most 500; customs officers: the cross-border ones), with what links them and the value limits; identities masked unless ?unmask=true by a role that may see them, for the parcels of their own jurisdiction (audited)',
    access: { roles: ALERT_ROLES },
    params: idParams,
    query: z.object({ unmask: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    responses: { 200: { description: 'The parcels and their links', schema: alertParcelsSchema }, 404: { description: 'No such alert in your jurisdiction' } },
    handler: async ({ params, query, user, req }) => {
      if (query.unmask) assertMayUnmask(user);
      const [row] = await db.select({ id: alerts.id }).from(alerts).where(and(eq(alerts.id, params.id), alertScope(user)));
      if (!row) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
      const { unmasked, ...result } = await loadAlertParcels(db, row.id, user, config.ring, query.unmask ? vault : null);
      // One audit row per read (as for one parcel): pii.unmask naming what was opened in full, else pii.read —
      // masked identities still show names and addresses, so a masked read is recorded too (issue 14.14).
      const shown = { parcels: result.parcels.length, masked: result.parcels.length - unmasked.length, total: result.total };
      if (result.parcels.length) {
        await recordAudit(db, {
          actor: user,
          action: unmasked.length ? 'pii.unmask' : 'pii.read',
          subjectType: 'alert',
          subjectId: row.id,
          requestId: String(req.id),
          details: unmasked.length ? { fields: ['sender.idNumber', 'sender.phone', 'recipient.phone'], waybills: unmasked, ...shown } : shown,
        });
      }
      return { status: 200, body: result };
    },
  });
  /** alert:updated to every room the alert touches, owner or not, with its notes: the others hear the outcome. */
  const published = async (row: AlertRow) => {
    const alert = { ...presentAlert(row), notes: await listAlertNotes(db, row.id), ringId: ringOfAlertGroup(row.groupKey) };
    const change: AlertChange = { event: 'alert:updated', alert, regionCodes: row.regionCodes };
    bus.emit('alert', change);
    return alert;
  };
  const withNotes = async (row: AlertRow) => ({ ...presentAlert(row), notes: await listAlertNotes(db, row.id), ringId: ringOfAlertGroup(row.groupKey) });
  /** Only the owning jurisdiction's officers (and admins) decide; the others see it and add notes. */
  const assertMayDecide = (user: Parameters<typeof mayDecide>[0], row: AlertRow) => {
    if (!mayDecide(user, row.ownerJurisdiction, row.regionCodes)) {
      throw withMessage(new ForbiddenError('', 'ALERT_NOT_OWNED'), notOwnedMessage(row.ownerJurisdiction));
    }
  };
  const resolvedAlready = (row: AlertRow) =>
    new ConflictError(
      `This alert was resolved (${row.resolution}) by ${row.resolvedByName ?? 'the system'} at ${row.resolvedAt?.toISOString()}.`,
      'ALERT_RESOLVED',
    );

  api.route({
    method: 'post',
    path: '/api/alerts/:id/acknowledge',
    tag: 'Alerts',
    summary: 'Take an open alert in hand: who and when are kept, and everyone watching sees it',
    access: { roles: ALERT_ROLES },
    params: idParams,
    responses: {
      200: { description: 'The acknowledged alert (unchanged if it was acknowledged before)', schema: alertWithNotesSchema },
      403: { description: 'ALERT_NOT_OWNED: another jurisdiction owns it (add a note instead)' },
      404: { description: 'No such alert in your jurisdiction' },
      409: { description: 'ALERT_RESOLVED: it is resolved already' },
    },
    handler: async ({ params, user, req }) => {
      const row = await db.transaction(async (tx) => {
        const [current] = await tx.select().from(alerts).where(and(eq(alerts.id, params.id), alertScope(user))).for('update');
        if (!current) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
        assertMayDecide(user, current);
        if (current.status === 'resolved') throw resolvedAlready(current);
        if (current.status === 'acknowledged') return { row: current, changed: false };
        const [updated] = await tx
          .update(alerts)
          .set({
            status: 'acknowledged',
            acknowledgedBy: user.id,
            acknowledgedByName: user.username,
            acknowledgedByJurisdiction: user.jurisdiction,
            acknowledgedAt: sql`now()`,
            updatedAt: sql`now()`,
          })
          .where(eq(alerts.id, current.id))
          .returning();
        await recordAudit(tx, { actor: user, action: 'alert.acknowledge', subjectType: 'alert', subjectId: current.id, requestId: String(req.id) });
        return { row: updated!, changed: true };
      });
      return { status: 200, body: row.changed ? await published(row.row) : await withNotes(row.row) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/alerts/:id/resolve',
    tag: 'Alerts',
    summary: 'Resolve an alert as confirmed or as a false positive; a false positive stops its ring alerting again on the same evidence',
    access: { roles: ALERT_ROLES },
    params: idParams,
    body: z
      .strictObject({
        resolution: z.enum(['confirmed', 'false_positive']),
        note: z.string().trim().max(2000).default(''),
      })
      .superRefine((b, ctx) => {
        if (b.resolution === 'false_positive' && !b.note) {
          ctx.addIssue({
            code: 'custom',
            path: ['note'],
            message: 'Say why this is a false positive: the next person to see the ring reads it.',
            params: { messageZh: '请说明为何判定为误报：下一位查看该团伙的人会读到这条说明。' },
          });
        }
      }),
    fieldCodes: { resolution: { REQUIRED: 'RESOLUTION_REQUIRED', '*': 'RESOLUTION_UNKNOWN' }, note: { '*': 'NOTE_REQUIRED' } },
    responses: {
      200: { description: 'The resolved alert', schema: alertWithNotesSchema },
      403: { description: 'ALERT_NOT_OWNED: another jurisdiction owns it (add a note instead)' },
      404: { description: 'No such alert in your jurisdiction' },
      409: { description: 'ALERT_RESOLVED: it is resolved already' },
      422: { description: 'No resolution, an unknown one, or a false positive without a note' },
    },
    handler: async ({ params, body, user, req }) => {
      const row = await db.transaction(async (tx) => {
        const [current] = await tx.select().from(alerts).where(and(eq(alerts.id, params.id), alertScope(user))).for('update');
        if (!current) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
        // Before damping: a false positive quiets the ring for every province, so only its owner may say so.
        assertMayDecide(user, current);
        if (current.status === 'resolved') throw resolvedAlready(current);
        const resolved = (await resolveAlert(tx, current.id, { by: user, resolution: body.resolution, note: body.note || null }))!;
        const ringId = ringIdOfGroup(current.groupKey);
        if (ringId && body.resolution === 'false_positive') {
          await dampRing(tx, ringId, current.evidence.map((e) => e.code), current.parcelCount, user.id);
        }
        // A false positive is no reason to stop a parcel: its interception orders lose it (withdrawn when none is left).
        const withdrawn =
          body.resolution === 'false_positive' ? await withdrawInterceptionSource(tx, { alertId: current.id, cause: 'alert_false_positive' }, user, clock(), String(req.id)) : [];
        // A confirmed alert puts the organisations whose parcels it rests on up for review.
        if (body.resolution === 'confirmed') {
          await flagOrganisationsOfParcels(tx, 'alert_confirmed', { parcelIds: await parcelIdsOfAlert(tx, current.id), alertId: current.id }, clock());
        }
        await recordAudit(tx, {
          actor: user,
          action: 'alert.resolve',
          subjectType: 'alert',
          subjectId: current.id,
          requestId: String(req.id),
          details: { resolution: body.resolution, note: body.note, parcelCount: current.parcelCount },
        });
        return { resolved, withdrawn };
      });
      announceWithdrawn(bus, row.withdrawn);
      return { status: 200, body: await published(row.resolved) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/alerts/:id/notes',
    tag: 'Alerts',
    summary: 'Add a note to an alert you can see, whoever owns it: kept with who and where, audited, and announced with the alert',
    access: { roles: ALERT_ROLES },
    params: idParams,
    body: z.strictObject({ text: z.string().trim().min(1).max(MAX_NOTE_LENGTH) }),
    fieldCodes: { text: { REQUIRED: 'NOTE_REQUIRED', TOO_LONG: 'NOTE_TOO_LONG', '*': 'NOTE_INVALID' } },
    responses: {
      201: { description: 'The note', schema: alertNoteSchema },
      400: { description: 'NOTE_REQUIRED: no text; NOTE_TOO_LONG: over 2,000 characters; NOTE_INVALID: not text' },
      404: { description: 'No such alert in your jurisdiction' },
    },
    handler: async ({ params, body, user, req }) => {
      const { note, row } = await db.transaction(async (tx) => {
        const [current] = await tx.select({ id: alerts.id }).from(alerts).where(and(eq(alerts.id, params.id), alertScope(user))).for('update');
        if (!current) throw new NotFoundError('No such alert in your jurisdiction.', 'ALERT_NOT_FOUND');
        const note = await addAlertNote(tx, current.id, user, body.text);
        // A note is a change: clients catching up with `since` and the live board see it.
        const [row] = await tx.update(alerts).set({ updatedAt: sql`now()` }).where(eq(alerts.id, current.id)).returning();
        await recordAudit(tx, {
          actor: user,
          action: 'alert.note',
          subjectType: 'alert',
          subjectId: current.id,
          requestId: String(req.id),
          details: { noteId: note.id, length: body.text.length },
        });
        return { note, row: row! };
      });
      await published(row);
      return { status: 201, body: note };
    },
  });
}
