// POST /api/senders/returning: the handheld's look-up of a returning sender (回头客) by the document in front of
// the courier — exact ID type and number, within the senders this courier's outlet has taken in before — so the
// name and address need not be typed again. A courier sees identities masked (server/accounts/access.ts
// UNMASK_ROLES): the phone comes masked, to be typed and so confirmed; every answer with a sender is audited
// as a read of that archive record. POST, so the ID number is in no URL or access log.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ID_TYPES, checkDocument, type IdType } from '../identity/documents.js';
import { senders } from '../../models/schema.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ValidationError } from '../http/errors.js';

export function registerReturningSenderRoutes(api: Api, { db, vault }: AppContext) {
  api.route({
    method: 'post',
    path: '/api/senders/returning',
    tag: 'Intake',
    summary: "A returning sender by exact ID type and number, among the senders the courier's outlet took in before: name, address, phone masked (audited)",
    access: { roles: ['courier'] },
    body: z.strictObject({ idType: z.enum(ID_TYPES), idNumber: z.string().trim().min(1).max(40) }),
    responses: {
      200: {
        description: 'sender: the archive record as the outlet last saw it, or null',
        schema: z.object({
          sender: z.object({ idType: z.string(), idNumber: z.string(), name: z.string(), phone: z.string().nullable(), address: z.string().nullable(), lastSeenAt: z.string() }).nullable(),
        }),
      },
      422: { description: 'ID_INVALID (and the document checks of intake), at idNumber' },
    },
    handler: async ({ req, body, user }) => {
      const doc = checkDocument(body.idType as IdType, body.idNumber);
      if (!doc.ok) throw new ValidationError([{ path: 'idNumber', code: doc.code, reason: doc.reason, message: doc.message, messageZh: doc.messageZh }]);
      // The outlet's own archive: a sender another outlet took in stays unknown here (the look-up is for the counter,
      // not an investigation: that is POST /api/lookup, with a reason, for other roles).
      const [row] = user.outletId
        ? await db
            .select()
            .from(senders)
            .where(and(eq(senders.idType, body.idType), eq(senders.idBlind, vault.blind('id_number', doc.normalized)), sql`${user.outletId} = any(${senders.outletIds})`))
        : [];
      if (!row) {
        // A miss is audited too: probing numbers against the archive leaves a trace (no subject, no number).
        await recordAudit(db, { actor: user, action: 'pii.read', subjectType: 'sender', requestId: String(req.id), details: { masked: true, purpose: 'returning_sender', found: false } });
        return { status: 200, body: { sender: null } };
      }
      await recordAudit(db, {
        actor: user,
        action: 'pii.read',
        subjectType: 'sender',
        subjectId: row.id,
        requestId: String(req.id),
        details: { masked: true, purpose: 'returning_sender' },
      });
      return {
        status: 200,
        body: { sender: { idType: row.idType, idNumber: row.idMasked, name: row.name, phone: row.phoneMasked, address: row.address, lastSeenAt: row.lastSeenAt.toISOString() } },
      };
    },
  });
}
