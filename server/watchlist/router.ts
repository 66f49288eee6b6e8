// Suspect lists: add, list, delete, check (and import, in import.ts). Lists are national: intelligence
// flows between regions; deleting is for admins and the jurisdiction that listed the entry.
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { users, watchlistEntries } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { PiiVault } from '../privacy/pii.js';
import type { Api } from '../http/api.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../http/errors.js';
import { receiveOneFile } from '../http/upload.js';
import { normalizeDocumentNumber } from '../identity/documents.js';
import { checkPhone } from '../identity/phones.js';
import { normalizeWaybill } from '../waybill/waybills.js';
import { decodeCursor } from '../http/cursor.js';
import { createEntries, deleteEntry, entrySchema, listEntries } from './entries.js';
import { importList } from './import.js';
import { importTooLarge } from './import-limits.js';
import { ENTRY_TYPES } from './match.js';
import { startRetroScreening } from './retro.js';
import { loadRetroRun, retroRunSchema, retroScreeningSchema } from './retro-view.js';
import { screen } from './screen.js';
import { announceWithdrawn, withdrawInterceptionSource } from '../interception/withdraw.js';

export const LIST_ROLES = ['postal_regulator', 'customs_officer', 'admin'] as const;

export const reportSchema = z
  .object({
    created: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(
      z.object({
        index: z.number().int(),
        row: z.number().int().optional(),
        errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string(), messageZh: z.string().optional() })),
      }),
    ),
  })
  .meta({ id: 'WatchlistReport' });

const hitSchema = z.object({
  entryId: z.string(),
  listType: z.enum(ENTRY_TYPES),
  field: z.string(),
  score: z.number(),
  reason: z.string(),
  reasonZh: z.string(),
  entry: z.string(),
});

const checkSchema = z
  .strictObject({
    sender: z
      .strictObject({ idType: z.string().optional(), idNumber: z.string().max(40).optional(), name: z.string().max(100).optional(), phone: z.string().max(40).optional(), address: z.string().max(300).optional() })
      .optional(),
    recipient: z
      .strictObject({ name: z.string().max(100).optional(), phone: z.string().max(40).optional(), address: z.string().max(300).optional(), country: z.string().length(2).optional() })
      .optional(),
    waybillNo: z.string().max(40).optional(),
    // Other declared fields (category, value…) are accepted as intake sends them, and not screened.
    declared: z.object({ description: z.string().max(500).optional(), brand: z.string().max(100).optional() }).optional(),
  })
  .meta({ id: 'WatchlistCheck' });

export function registerWatchlistRoutes(api: Api, ctx: AppContext) {
  const { db, vault } = ctx;
  const importLimits = ctx.config.import;
  const retro = ctx.config.watchlistRetro;

  api.route({
    method: 'post',
    path: '/api/watchlist/import',
    tag: 'Suspect lists',
    summary: 'Import a CSV (UTF-8, BOM or GBK) or XLSX list with header type,value,note,source,expiresAt (or 类型,值,备注,来源,过期时间)',
    access: { roles: LIST_ROLES },
    requestContent: { contentType: 'multipart/form-data', schema: z.object({ file: z.string().meta({ format: 'binary' }) }) },
    before: [receiveOneFile(importLimits.maxBytes, 'list file', () => importTooLarge(importLimits, importLimits.maxBytes))],
    responses: {
      201: {
        description: 'What was created, duplicated or rejected (with its row number), and warnings such as ignored columns',
        schema: reportSchema.extend({
          warnings: z.array(z.object({ code: z.string(), message: z.string(), messageZh: z.string().optional() })),
          rows: z.number().int(),
          retroScreening: retroScreeningSchema.describe('The new entries screening past parcels in the background: GET /api/watchlist/retro/:jobId'),
        }),
      },
    },
    handler: async ({ req, user }) => {
      const { entryIds, ...report } = await importList(db, vault, req.file!.buffer, user, importLimits);
      // After the batches: the run's job must see all of its entries. One transaction, so a run always has its job.
      const retroScreening = await db.transaction((tx) => startRetroScreening(tx, { entryIds, user, source: 'import', policy: retro, now: ctx.clock() }));
      await recordAudit(db, {
        actor: user,
        action: 'watchlist.import',
        requestId: String(req.id),
        details: {
          file: req.file!.originalname.slice(0, 200),
          rows: report.rows,
          created: report.created,
          duplicates: report.duplicates,
          rejected: report.rejected.length,
          retroJobId: retroScreening.jobId,
        },
      });
      return { status: 201, body: { ...report, retroScreening } };
    },
  });

  api.route({
    method: 'post',
    path: '/api/watchlist/entries',
    tag: 'Suspect lists',
    summary: 'Add entries; each is validated on its own, so a bad one never stops the good ones',
    access: { roles: LIST_ROLES },
    body: z.strictObject({ entries: z.array(z.unknown()).min(1).max(1000) }),
    responses: {
      201: {
        description: 'What was created, duplicated or rejected, and the background screening of past parcels against the new entries',
        schema: reportSchema.extend({ retroScreening: retroScreeningSchema }),
      },
    },
    handler: async ({ req, body, user }) => {
      // The entries and their retroactive screening commit together: no entry is listed without screening backwards.
      const { entryIds, retroScreening, ...report } = await db.transaction(async (tx) => {
        const created = await createEntries(tx, vault, body.entries, user);
        return { ...created, retroScreening: await startRetroScreening(tx, { entryIds: created.entryIds, user, source: 'entries', policy: retro, now: ctx.clock() }) };
      });
      await recordAudit(db, {
        actor: user,
        action: 'watchlist.add',
        requestId: String(req.id),
        details: { created: report.created, duplicates: report.duplicates, rejected: report.rejected.length, retroJobId: retroScreening.jobId },
      });
      return { status: 201, body: { ...report, retroScreening } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/watchlist/retro/:jobId',
    tag: 'Suspect lists',
    summary: 'Progress and counts of new entries screening the parcels of the look-back window (WATCHLIST_RETRO_DAYS)',
    access: { roles: LIST_ROLES },
    params: z.strictObject({ jobId: z.string().uuid() }),
    responses: { 200: { description: 'The screening', schema: retroRunSchema }, 404: { description: 'RETRO_NOT_FOUND: none such in your jurisdiction' } },
    handler: async ({ params, user }) => ({ status: 200, body: await loadRetroRun(db, params.jobId, user) }),
  });

  api.route({
    method: 'get',
    path: '/api/watchlist/entries',
    tag: 'Suspect lists',
    summary: 'Browse and search live entries, newest first (cursor paging)',
    access: { roles: LIST_ROLES },
    query: z.object({
      type: z.enum(ENTRY_TYPES).optional(),
      q: z.string().trim().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of entries', schema: z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ req, query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      // Browsing the lists is recorded with its filters (issue 14.14); the insert runs beside the read, not after
      // it, and a page is answered only once its record is written.
      const [page] = await Promise.all([
        listEntries(db, { type: query.type, q: query.q, limit: query.limit, cursor }),
        recordAudit(db, {
          actor: user,
          action: 'watchlist.browse',
          subjectType: 'watchlist',
          requestId: String(req.id),
          // A search term is often a name, phone or address, and the audit log can never be erased: it keeps a keyed
          // hash (an auditor with the key can tell whether X was searched, no one can read the term back).
          details: { type: query.type ?? null, q: query.q ? searchTermRecord(vault, query.q) : null, limit: query.limit, cursor: query.cursor ?? null },
        }),
      ]);
      return { status: 200, body: page };
    },
  });

  api.route({
    method: 'delete',
    path: '/api/watchlist/entries/:id',
    tag: 'Suspect lists',
    summary: 'Remove an entry (it stops matching; kept for audit)',
    access: { roles: LIST_ROLES },
    params: z.strictObject({ id: z.string().uuid() }),
    responses: { 204: { description: 'Removed' }, 404: { description: 'No such live entry' } },
    handler: async ({ req, params, user }) => {
      await assertMayDelete(ctx, params.id, user);
      await deleteEntry(db, params.id, user);
      await recordAudit(db, { actor: user, action: 'watchlist.delete', subjectType: 'watchlist_entry', subjectId: params.id, requestId: String(req.id) });
      // A deleted entry is no reason to stop a parcel: its interception orders lose it (withdrawn when none is left).
      const withdrawn = await db.transaction((tx) =>
        withdrawInterceptionSource(tx, { entryId: params.id, cause: 'watchlist_entry_deleted' }, user, ctx.clock(), String(req.id)),
      );
      announceWithdrawn(ctx.bus, withdrawn);
      return { status: 204 };
    },
  });

  api.route({
    method: 'post',
    path: '/api/watchlist/check',
    tag: 'Suspect lists',
    summary: 'Screen any of sender, recipient, waybill and declaration as intake does, storing nothing but its audit record',
    access: { roles: LIST_ROLES },
    body: checkSchema,
    responses: { 200: { description: 'Hits, best first', schema: z.object({ hits: z.array(hitSchema) }) } },
    handler: async ({ req, body, user }) => {
      const senderPhone = body.sender?.phone ? checkPhone(body.sender.phone, 'CN') : undefined;
      const recipientPhone = body.recipient?.phone ? checkPhone(body.recipient.phone, body.recipient.country ?? 'CN') : undefined;
      const errors = [
        ...(senderPhone && !senderPhone.ok ? [{ path: 'sender.phone', code: 'PHONE_INVALID', message: senderPhone.message }] : []),
        ...(recipientPhone && !recipientPhone.ok ? [{ path: 'recipient.phone', code: 'PHONE_INVALID', message: recipientPhone.message }] : []),
      ];
      if (errors.length) throw new ValidationError(errors);
      const hits = await screen(db, {
        idNumberBlind: body.sender?.idNumber ? vault.blind('id_number', normalizeDocumentNumber(body.sender.idNumber)) : undefined,
        senderName: body.sender?.name,
        senderPhoneBlind: senderPhone?.ok ? vault.blind('phone', senderPhone.e164) : undefined,
        senderAddress: body.sender?.address,
        recipientName: body.recipient?.name,
        recipientPhoneBlind: recipientPhone?.ok ? vault.blind('phone', recipientPhone.e164) : undefined,
        recipientAddress: body.recipient?.address,
        waybillNo: body.waybillNo ? normalizeWaybill(body.waybillNo) : undefined,
        declaredText: [body.declared?.brand, body.declared?.description].filter(Boolean).join(' ') || undefined,
      });
      // A check is a lookup of people against the lists, and its hits show list entries: recorded (issue 14.14),
      // with which fields were asked about and which entries answered, not the values asked about.
      await recordAudit(db, {
        actor: user,
        action: 'watchlist.check',
        subjectType: 'watchlist',
        requestId: String(req.id),
        details: { fields: givenFields(body), hits: hits.length, entryIds: [...new Set(hits.map((h) => h.entryId))] },
      });
      return { status: 200, body: { hits } };
    },
  });
}

/** `sender.name`, `waybillNo`…: the paths of the fields a check was given. */
function givenFields(body: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(body).flatMap(([k, v]) =>
    v && typeof v === 'object' ? givenFields(v as Record<string, unknown>, `${prefix}${k}.`) : v === undefined || v === '' ? [] : [`${prefix}${k}`],
  );
}

/** Admins delete anything; others what was listed from inside their own jurisdiction. */
async function assertMayDelete({ db }: AppContext, id: string, user: AuthUser) {
  const [row] = await db
    .select({ creatorJurisdiction: users.jurisdiction, creatorRole: users.role })
    .from(watchlistEntries)
    .leftJoin(users, eq(users.id, watchlistEntries.createdBy))
    .where(and(eq(watchlistEntries.id, id), isNull(watchlistEntries.deletedAt)));
  if (!row) throw new NotFoundError(`No live suspect-list entry ${id}.`, 'ENTRY_NOT_FOUND');
  if (user.role === 'admin') return;
  const theirs = row.creatorJurisdiction ?? '';
  if (!user.jurisdiction || !theirs.startsWith(user.jurisdiction)) {
    throw new ForbiddenError('This entry was listed by another jurisdiction; ask them or an admin to remove it.', 'OUTSIDE_JURISDICTION');
  }
}

/** How a search term is recorded: its length and a keyed hash of its trimmed, NFKC, lower-case form. */
export function searchTermRecord(vault: PiiVault, q: string): { length: number; blind: string } {
  const normalized = q.normalize('NFKC').trim().toLowerCase();
  return { length: normalized.length, blind: vault.blind('search_term', normalized) };
}
