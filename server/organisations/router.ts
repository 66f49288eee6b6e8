// Organisations and contract customers (CONTRACT.md "Organisations and contract customers"): registration by
// the unified social credit code and the legal representative, review by the regulators of the organisation's
// region (with history and audit), the list (flagged ones findable) and one organisation with its flags and
// parcels. Couriers and supervisors read approved organisations only, without the legal representative.
import { and, desc, eq, ilike, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ORGANISATION_STATUSES, organisations, users } from '../../models/schema.js';
import { assertMayUnmask, isOutletBound, regionScope, type AuthUser } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { isIssuingState } from '../geo/countries.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { ForbiddenError, NotFoundError, ValidationError, withMessage, type FieldError } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { checkDocument, ID_TYPES } from '../identity/documents.js';
import { maskIdNumber } from '../identity/masking.js';
import { isPlausibleName, isPlausibleOrganisationName, normalizeName, normalizeSpaces } from '../identity/names.js';
import { checkPhone, maskPhone } from '../identity/phones.js';
import type { PiiVault } from '../privacy/pii.js';
import { ORG_MESSAGES } from './messages.js';
import { flagsOf, historyOf, latestParcelsOf, parcelCountsOf, regionLabel, registerOrganisation, reviewOrganisation, type OrganisationRow } from './store.js';
import { checkUscc } from './uscc.js';

const REGISTER_ROLES = ['courier', 'outlet_supervisor', 'postal_regulator', 'admin'] as const;
const REVIEW_ROLES = ['postal_regulator', 'admin'] as const;
const READ_ROLES = ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);

export const registrationSchema = z
  .strictObject({
    name: text(100),
    uscc: text(40).meta({ description: '统一社会信用代码, 18 characters (GB 32100-2015)', example: '91350100M000100Y43' }),
    legalRepresentative: z.strictObject({
      idType: z.enum(ID_TYPES),
      idNumber: text(40),
      name: text(100),
      /** Passports: the issuing state (ICAO alpha-3). */
      idIssuingCountry: z.string().trim().toUpperCase().optional(),
      mrz: z.string().max(60).optional(),
    }),
    address: text(300),
    phone: text(40),
  })
  .meta({ id: 'OrganisationRegistration' });

const fieldCodes = {
  name: { REQUIRED: 'NAME_REQUIRED', '*': 'NAME_INVALID' },
  uscc: { REQUIRED: 'USCC_REQUIRED', '*': 'USCC_INVALID' },
  legalRepresentative: { REQUIRED: 'LEGAL_REPRESENTATIVE_REQUIRED' },
  'legalRepresentative.idType': { REQUIRED: 'ID_TYPE_REQUIRED', INVALID_VALUE: 'ID_TYPE_UNKNOWN' },
  'legalRepresentative.idNumber': { REQUIRED: 'ID_REQUIRED', '*': 'ID_INVALID' },
  'legalRepresentative.name': { REQUIRED: 'NAME_REQUIRED', '*': 'NAME_INVALID' },
  address: { REQUIRED: 'ADDRESS_REQUIRED' },
  phone: { REQUIRED: 'PHONE_REQUIRED', '*': 'PHONE_INVALID' },
};

const statusSchema = z.enum(ORGANISATION_STATUSES);
const flagSchema = z.object({
  id: z.string(),
  kind: z.enum(['seizure', 'alert_confirmed']),
  waybillNo: z.string().nullable().meta({ description: 'The seized parcel, or the organisation’s first parcel in the alert' }),
  alertId: z.string().nullable(),
  at: z.string(),
  cleared: z.boolean(),
  clearedByReviewId: z.string().nullable(),
});

/** What couriers and supervisors see (the handheld's sender picker): approved organisations, no legal representative. */
export const organisationBriefSchema = z.object({ id: z.string(), uscc: z.string(), name: z.string(), status: statusSchema }).meta({ id: 'OrganisationBrief' });

export const organisationSchema = organisationBriefSchema
  .extend({
    regionCode: z.string(),
    regionName: z.string(),
    legalRepresentative: z.object({ idType: z.string(), idNumber: z.string().meta({ description: 'Masked unless ?unmask=true' }), name: z.string() }),
    address: z.string(),
    phone: z.string(),
    registeredAtOutletId: z.string().nullable(),
    registeredBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** Set while a seizure or a confirmed alert on its parcels waits for a review. */
    reviewFlaggedAt: z.string().nullable(),
    openFlags: z.array(flagSchema),
  })
  .meta({ id: 'Organisation' });

const reviewSchema = z.object({
  id: z.string(),
  decision: z.enum(['register', 'approve', 'suspend', 'revoke']),
  fromStatus: statusSchema.nullable(),
  toStatus: statusSchema,
  reason: z.string(),
  by: z.string(),
  byRole: z.string(),
  at: z.string(),
});

const detailSchema = organisationSchema
  .extend({
    history: z.array(reviewSchema),
    flags: z.array(flagSchema),
    parcels: z.object({
      last30Days: z.object({ accepted: z.number().int(), held: z.number().int(), rejected: z.number().int() }),
      latest: z.array(
        z.object({
          waybillNo: z.string(),
          createdAt: z.string(),
          verdict: z.string(),
          status: z.string(),
          outletId: z.string(),
          regionCode: z.string(),
          recipientCountry: z.string(),
          description: z.string(),
          valueCny: z.number(),
        }),
      ),
    }),
    unmasked: z.boolean(),
  })
  .meta({ id: 'OrganisationDetail' });

const seesFull = (user: AuthUser) => !isOutletBound(user.role);

/** Whether the user reads this organisation in full: its region in their jurisdiction (admins: all). */
function inScope(user: AuthUser, regionCode: string): boolean {
  const scope = regionScope(user);
  return scope === null || regionCode.startsWith(scope);
}

const notFound = () => withMessage(new NotFoundError('', 'ORGANISATION_NOT_FOUND'), bilingual(ORG_MESSAGES.ORGANISATION_NOT_FOUND));

const brief = (o: OrganisationRow) => ({ id: o.id, uscc: o.uscc, name: o.name, status: o.status });

function present(o: OrganisationRow, extra: { registeredBy: string | null; openFlags: z.output<typeof flagSchema>[] }, vault?: PiiVault): z.output<typeof organisationSchema> {
  return {
    ...brief(o),
    regionCode: o.regionCode,
    regionName: regionLabel(o.regionCode),
    legalRepresentative: { idType: o.legalRepIdType, idNumber: vault ? vault.open('id_number', o.legalRepIdSealed) : o.legalRepIdMasked, name: o.legalRepName },
    address: o.address,
    phone: vault ? vault.open('phone', o.phoneSealed) : o.phoneMasked,
    registeredAtOutletId: o.registeredAtOutletId,
    registeredBy: extra.registeredBy,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    reviewFlaggedAt: o.reviewFlaggedAt?.toISOString() ?? null,
    openFlags: extra.openFlags,
  };
}

export function registerOrganisationRoutes(api: Api, ctx: AppContext) {
  const { db, vault, clock } = ctx;
  const idParams = z.strictObject({ id: z.string().uuid() });

  /** The row if the user may read it in full (jurisdiction), or approved for couriers; else 404. */
  async function visible(user: AuthUser, id: string, lock = false, tx: Queryable = db) {
    const q = tx.select().from(organisations).where(eq(organisations.id, id));
    const [row] = lock ? await q.for('update') : await q;
    if (!row) throw notFound();
    if (seesFull(user) ? !inScope(user, row.regionCode) : row.status !== 'approved') throw notFound();
    return row;
  }

  const usernameOf = async (id: string | null) => {
    if (!id) return null;
    const [u] = await db.select({ username: users.username }).from(users).where(eq(users.id, id));
    return u?.username ?? null;
  };

  api.route({
    method: 'post',
    path: '/api/organisations',
    tag: 'Organisations',
    summary:
      'Register an organisation sender (协议客户) by its unified social credit code and legal representative; it starts pending review by the regulators of its region (audited)',
    access: { roles: REGISTER_ROLES },
    body: registrationSchema,
    fieldCodes,
    responses: {
      201: { description: 'The organisation, pending review', schema: organisationSchema },
      403: { description: 'OUTSIDE_JURISDICTION: a regulator registering an organisation of another region' },
      409: { description: 'ORGANISATION_EXISTS: the code is registered already' },
      422: { description: 'USCC_INVALID (reason: LENGTH, CHARSET, AUTHORITY, DIVISION, ORG_CODE_CHECK, CHECK_CHARACTER), ID_INVALID, NAME_INVALID, PHONE_INVALID' },
    },
    handler: async ({ body, user, req }) => {
      const errors: FieldError[] = [];
      const uscc = checkUscc(body.uscc);
      if (!uscc.ok) errors.push({ path: 'uscc', code: uscc.code, reason: uscc.reason, message: uscc.message, messageZh: uscc.messageZh });
      const name = normalizeName(body.name);
      if (!isPlausibleOrganisationName(name.display)) errors.push({ path: 'name', code: 'NAME_INVALID', ...bilingual(ORG_MESSAGES.ORGANISATION_NAME_INVALID) });
      const rep = body.legalRepresentative;
      const doc = checkDocument(rep.idType, rep.idNumber, { mrz: rep.mrz, today: clock() });
      if (!doc.ok) {
        errors.push({ path: `legalRepresentative.${doc.code === 'MRZ_INVALID' ? 'mrz' : 'idNumber'}`, code: doc.code, reason: doc.reason, message: doc.message, messageZh: doc.messageZh });
      }
      if (rep.idType === 'PASSPORT') {
        if (!rep.idIssuingCountry) errors.push({ path: 'legalRepresentative.idIssuingCountry', code: 'ISSUING_COUNTRY_REQUIRED', ...bilingual(ORG_MESSAGES.ORG_ISSUING_COUNTRY_REQUIRED) });
        else if (!isIssuingState(rep.idIssuingCountry)) {
          errors.push({ path: 'legalRepresentative.idIssuingCountry', code: 'ISSUING_COUNTRY_INVALID', ...bilingual(ORG_MESSAGES.ORG_ISSUING_COUNTRY_INVALID, { country: rep.idIssuingCountry }) });
        }
      }
      const repName = normalizeName(rep.name);
      if (!isPlausibleName(repName.display)) errors.push({ path: 'legalRepresentative.name', code: 'NAME_INVALID', ...bilingual(ORG_MESSAGES.LEGAL_REP_NAME_INVALID) });
      const phone = checkPhone(body.phone, 'CN');
      if (!phone.ok) errors.push({ path: 'phone', code: 'PHONE_INVALID', message: phone.message, messageZh: phone.messageZh });
      if (errors.length || !uscc.ok || !doc.ok || !phone.ok) throw new ValidationError(errors);

      // Regulators register in their own jurisdiction; couriers and supervisors register for their outlet's
      // contract wherever the organisation sits (it is only pending until its own regulators review it).
      if (user.role === 'postal_regulator' && !inScope(user, uscc.regionCode)) {
        throw withMessage(
          new ForbiddenError('', 'OUTSIDE_JURISDICTION'),
          bilingual(ORG_MESSAGES.ORGANISATION_OUTSIDE_JURISDICTION, { region: regionLabel(uscc.regionCode), regionCode: uscc.regionCode, jurisdiction: user.jurisdiction ?? '—' }),
        );
      }
      const now = clock();
      const row = await db.transaction(async (tx) => {
        const row = await registerOrganisation(
          tx,
          vault,
          {
            uscc: uscc.normalized,
            regionCode: uscc.regionCode,
            name,
            legalRep: {
              idType: rep.idType,
              id: { blind: vault.blind('id_number', doc.normalized), sealed: vault.seal('id_number', doc.normalized), masked: maskIdNumber(doc.normalized) },
              name: repName.display,
            },
            address: normalizeSpaces(body.address),
            phone: { blind: vault.blind('phone', phone.e164), sealed: vault.seal('phone', phone.e164), masked: maskPhone(phone.e164) },
            registeredAtOutletId: isOutletBound(user.role) ? user.outletId : null,
          },
          user,
          now,
        );
        // Last in the transaction: the audit row locks the chain's head until commit (test/customs-audit-order.test.ts).
        await recordAudit(tx, {
          actor: user,
          action: 'organisation.register',
          subjectType: 'organisation',
          subjectId: row.id,
          requestId: String(req.id),
          details: { uscc: row.uscc, name: row.name, regionCode: row.regionCode, outletId: row.registeredAtOutletId },
        });
        return row;
      });
      return { status: 201, body: present(row, { registeredBy: user.username, openFlags: [] }) };
    },
  });

  api.route({
    method: 'post',
    path: '/api/organisations/:id/review',
    tag: 'Organisations',
    summary:
      'Approve, suspend or revoke an organisation, with a reason (regulators of its region): pending → approved | suspended | revoked, approved ↔ suspended, revoked is final; clears its open flags (audited)',
    access: { roles: REVIEW_ROLES },
    params: idParams,
    body: z.strictObject({ decision: z.enum(['approve', 'suspend', 'revoke']), reason: text(2000) }),
    fieldCodes: { decision: { REQUIRED: 'DECISION_REQUIRED', '*': 'DECISION_UNKNOWN' }, reason: { TOO_LONG: 'REASON_TOO_LONG', '*': 'REASON_REQUIRED' } },
    responses: {
      200: { description: 'The organisation after the decision, with its history', schema: detailSchema },
      404: { description: 'ORGANISATION_NOT_FOUND: none such in your jurisdiction' },
      409: { description: 'ORGANISATION_TRANSITION_INVALID' },
    },
    handler: async ({ params, body, user, req }) => {
      const now = clock();
      await db.transaction(async (tx) => {
        const current = await visible(user, params.id, true, tx);
        const { row, reviewId, clearedFlags } = await reviewOrganisation(tx, current, body.decision, body.reason, user, now);
        await recordAudit(tx, {
          actor: user,
          action: 'organisation.review',
          subjectType: 'organisation',
          subjectId: row.id,
          requestId: String(req.id),
          details: { uscc: row.uscc, decision: body.decision, from: current.status, to: row.status, reason: body.reason, reviewId, clearedFlags },
        });
      });
      return { status: 200, body: await detail(user, params.id, false) };
    },
  });

  api.route({
    method: 'get',
    path: '/api/organisations',
    tag: 'Organisations',
    summary:
      'Organisations in your jurisdiction, newest first (?flagged=true: those waiting for a review after a seizure or a confirmed alert); couriers and supervisors: approved ones only, {id, uscc, name, status}',
    access: { roles: READ_ROLES },
    query: z.object({
      status: statusSchema.optional(),
      flagged: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
      q: z.string().trim().max(100).optional().meta({ description: 'Part of the name, or the start of the code' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: {
      200: {
        description: 'A page of organisations',
        schema: z.object({ organisations: z.array(z.union([organisationSchema, organisationBriefSchema])), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ query, user }) => {
      const full = seesFull(user);
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const scope = regionScope(user);
      const q = query.q?.replace(/[\\%_]/g, '\\$&');
      const rows = await db
        .select()
        .from(organisations)
        .where(
          and(
            full ? (scope === null ? undefined : sql`${organisations.regionCode} like ${`${scope}%`}`) : eq(organisations.status, 'approved'),
            query.status ? eq(organisations.status, query.status) : undefined,
            query.flagged === undefined ? undefined : query.flagged ? sql`${organisations.reviewFlaggedAt} is not null` : sql`${organisations.reviewFlaggedAt} is null`,
            q ? or(ilike(organisations.name, `%${q}%`), ilike(organisations.nameSimplified, `%${q}%`), ilike(organisations.uscc, `${q.toUpperCase()}%`)) : undefined,
            cursor ? or(lt(organisations.createdAt, cursor.at), and(eq(organisations.createdAt, cursor.at), lt(organisations.id, cursor.id))) : undefined,
          ),
        )
        .orderBy(desc(organisations.createdAt), desc(organisations.id))
        .limit(query.limit + 1);
      const { page, nextCursor } = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
      if (!full) return { status: 200, body: { organisations: page.map(brief), nextCursor } };
      const flags = await flagsOf(db, page.filter((o) => o.reviewFlaggedAt).map((o) => o.id), true, regionScope(user));
      return { status: 200, body: { organisations: page.map((o) => present(o, { registeredBy: null, openFlags: flags.get(o.id) ?? [] })), nextCursor } };
    },
  });

  async function detail(user: AuthUser, id: string, unmask: boolean) {
    const row = await visible(user, id);
    const allFlags = (await flagsOf(db, [row.id], false, regionScope(user))).get(row.id) ?? [];
    return {
      ...present(row, { registeredBy: await usernameOf(row.registeredBy), openFlags: allFlags.filter((f) => !f.cleared) }, unmask ? vault : undefined),
      history: await historyOf(db, row.id),
      flags: allFlags,
      parcels: { last30Days: await parcelCountsOf(db, row.id, clock()), latest: await latestParcelsOf(db, row.id, regionScope(user)) },
      unmasked: unmask,
    };
  }

  api.route({
    method: 'get',
    path: '/api/organisations/:id',
    tag: 'Organisations',
    summary:
      'One organisation with its review history, flags, parcels by verdict over 30 days and latest parcels; the legal representative’s ID and the phone masked unless ?unmask=true (audited). Couriers and supervisors: an approved one, {id, uscc, name, status}',
    access: { roles: READ_ROLES },
    params: idParams,
    query: z.object({ unmask: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    responses: {
      200: { description: 'The organisation', schema: z.union([detailSchema, organisationBriefSchema]) },
      404: { description: 'ORGANISATION_NOT_FOUND: none such you may see' },
    },
    handler: async ({ params, query, user, req }) => {
      if (!seesFull(user)) return { status: 200, body: brief(await visible(user, params.id)) };
      if (query.unmask) assertMayUnmask(user);
      const body = await detail(user, params.id, query.unmask);
      if (query.unmask) {
        await recordAudit(db, {
          actor: user,
          action: 'pii.unmask',
          subjectType: 'organisation',
          subjectId: body.id,
          requestId: String(req.id),
          details: { uscc: body.uscc, fields: ['legalRepresentative.idNumber', 'phone'] },
        });
      }
      return { status: 200, body };
    },
  });
}
