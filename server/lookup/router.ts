// POST /api/lookup: the investigative look-up, for regulators, customs officers and administrators, inside their
// jurisdiction, with a reason; every look-up is in the audit trail with its query (as a keyed hash or masked) and reason.
import { and, eq } from 'drizzle-orm';
import { cases } from '../../models/schema.js';
import { assertMayUnmask, LOOKUP_ROLES } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import { caseScope, recordCaseEvent } from '../cases/cases.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { ValidationError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { LOOKUP_MESSAGES, lookUp, lookupRequestSchema, lookupResponseSchema } from './lookup.js';

export function registerLookupRoutes(api: Api, { db, vault }: AppContext) {
  api.route({
    method: 'post',
    path: '/api/lookup',
    tag: 'Look-up',
    summary: 'Investigative look-up (溯源查询) of the sender archive and your jurisdiction’s parcels by one criterion, with a reason; masked unless unmask; audited',
    access: { roles: LOOKUP_ROLES },
    body: lookupRequestSchema,
    fieldCodes: { reason: { REQUIRED: 'REASON_REQUIRED' } },
    responses: {
      200: { description: 'Senders (archive records with a parcel you may see) and parcels that match, best and newest first', schema: lookupResponseSchema },
      400: { description: 'REASON_REQUIRED, LOOKUP_CRITERION_REQUIRED, LOOKUP_ONE_CRITERION' },
      422: { description: 'ID_INVALID, PHONE_INVALID, LOOKUP_CASE_NOT_FOUND, LOOKUP_ADDRESS_TOO_VAGUE' },
    },
    handler: async ({ req, body, user }) => {
      if (body.unmask) assertMayUnmask(user);
      const [kase] = body.caseId ? await db.select().from(cases).where(and(eq(cases.id, body.caseId), caseScope(user))) : [];
      if (body.caseId && !kase) {
        throw new ValidationError([{ path: 'caseId', code: 'LOOKUP_CASE_NOT_FOUND', ...bilingual(LOOKUP_MESSAGES.LOOKUP_CASE_NOT_FOUND, { id: body.caseId }) }]);
      }
      const { result, queryRecord } = await lookUp(db, vault, user, body);
      await db.transaction(async (tx) => {
        await recordAudit(tx, {
          actor: user,
          action: body.unmask ? 'lookup.unmask' : 'lookup.masked',
          subjectType: kase ? 'case' : 'lookup',
          subjectId: kase?.id,
          requestId: String(req.id),
          details: {
            criterion: result.criterion,
            query: queryRecord,
            reason: body.reason,
            caseId: kase?.id ?? null,
            unmasked: body.unmask,
            results: { senders: result.senders.length, parcels: result.parcels.length, truncated: result.truncated },
            // What was shown: the archive records and parcels, by id and waybill (never their contents).
            senderIds: result.senders.map((s) => s.id),
            waybills: result.parcels.map((p) => p.waybillNo),
          },
        });
        // A look-up made for an open case shows on its timeline (without the query itself).
        if (kase?.status === 'open') {
          await recordCaseEvent(tx, kase.id, 'lookup', user, {
            criterion: result.criterion,
            reason: body.reason,
            senders: result.senders.length,
            parcels: result.parcels.length,
            unmasked: body.unmask,
          });
        }
      });
      return { status: 200, body: result };
    },
  });
}
