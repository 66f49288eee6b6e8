// Organisations (协议客户) in the database: registration with the archive row its parcels point at, reviews
// with history and flags cleared, and the views each role reads.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { organisationFlags, organisationReviews, organisations, parcels, users, type OrganisationStatus } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { queryRows, type Queryable } from '../db/database.js';
import { ConflictError, withMessage } from '../http/errors.js';
import { maskIdNumber } from '../identity/masking.js';
import { normalizeName } from '../identity/names.js';
import { maskPhone } from '../identity/phones.js';
import { bilingual } from '../i18n/messages.js';
import type { NormalizedName } from '../identity/names.js';
import { describeRegion } from '../outlets/regions.js';
import type { PiiVault } from '../privacy/pii.js';
import { ORG_MESSAGES } from './messages.js';

export type Sealed = { blind: string; sealed: string; masked: string };
export type OrganisationRow = typeof organisations.$inferSelect;
export type Decision = 'approve' | 'suspend' | 'revoke';

export const STATUS_ZH: Record<OrganisationStatus, string> = { pending: '待审核', approved: '已核准', suspended: '已暂停', revoked: '已撤销' };
const DECISION_ZH: Record<Decision, string> = { approve: '核准', suspend: '暂停', revoke: '撤销' };
const DECISION_TO: Record<Decision, OrganisationStatus> = { approve: 'approved', suspend: 'suspended', revoke: 'revoked' };

/**
 * pending → approved | suspended | revoked; approved ↔ suspended; revoked is final. A decision that would leave
 * the status as it is (approving an approved one) is refused too: the history records changes, not repeats.
 */
export function nextStatus(from: OrganisationStatus, decision: Decision): OrganisationStatus | null {
  const to = DECISION_TO[decision];
  if (from === 'revoked' || from === to) return null;
  if (decision === 'approve' && from !== 'pending' && from !== 'suspended') return null;
  return to;
}

export function transitionInvalid(from: OrganisationStatus, decision: Decision) {
  return withMessage(
    new ConflictError('', 'ORGANISATION_TRANSITION_INVALID'),
    bilingual(ORG_MESSAGES.ORGANISATION_TRANSITION_INVALID, { from, decision, fromZh: STATUS_ZH[from], decisionZh: DECISION_ZH[decision] }),
  );
}

export type Registration = {
  uscc: string;
  regionCode: string;
  name: NormalizedName;
  legalRep: { idType: string; id: Sealed; name: string };
  address: string;
  phone: Sealed;
  registeredAtOutletId: string | null;
};

/**
 * The organisation, its archive row in `senders` (id_type USCC, the code blind-indexed and sealed like any ID
 * number, shown in full: a USCC is public) and its first history entry; 409 ORGANISATION_EXISTS on a taken code.
 */
/** Who registers or reviews, as the history keeps them. */
export type Actor = Pick<AuthUser, 'id' | 'username' | 'role' | 'jurisdiction'>;

export async function registerOrganisation(tx: Queryable, vault: PiiVault, r: Registration, by: Actor, now: Date): Promise<OrganisationRow> {
  const [taken] = await tx.select().from(organisations).where(eq(organisations.uscc, r.uscc));
  if (taken) throw exists(taken);
  const [archived] = await queryRows<{ id: string }>(tx, sql`
    insert into senders (id_type, id_blind, id_sealed, id_masked, name, name_simplified, name_pinyin,
                         phone_blind, phone_sealed, phone_masked, address, first_seen_at, last_seen_at, parcel_count)
    values ('USCC', ${vault.blind('id_number', r.uscc)}, ${vault.seal('id_number', r.uscc)}, ${r.uscc}, ${r.name.display},
            ${r.name.simplified}, ${r.name.pinyin}, ${r.phone.blind}, ${r.phone.sealed}, ${r.phone.masked}, ${r.address}, ${now}, ${now}, 0)
    on conflict (id_type, id_blind) do update set
      name = excluded.name, name_simplified = excluded.name_simplified, name_pinyin = excluded.name_pinyin,
      phone_blind = excluded.phone_blind, phone_sealed = excluded.phone_sealed, phone_masked = excluded.phone_masked,
      address = excluded.address
    returning id`);
  // A registration racing this one on the same code: the unique index decides, and the loser is told who won.
  const [row] = await tx
    .insert(organisations)
    .values({
      uscc: r.uscc,
      name: r.name.display,
      nameSimplified: r.name.simplified,
      regionCode: r.regionCode,
      legalRepIdType: r.legalRep.idType,
      legalRepIdBlind: r.legalRep.id.blind,
      legalRepIdSealed: r.legalRep.id.sealed,
      legalRepIdMasked: r.legalRep.id.masked,
      legalRepName: r.legalRep.name,
      address: r.address,
      phoneBlind: r.phone.blind,
      phoneSealed: r.phone.sealed,
      phoneMasked: r.phone.masked,
      status: 'pending',
      senderId: archived!.id,
      registeredBy: by.id,
      registeredAtOutletId: r.registeredAtOutletId,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: organisations.uscc })
    .returning();
  if (!row) {
    const [winner] = await tx.select().from(organisations).where(eq(organisations.uscc, r.uscc));
    throw exists(winner ?? { uscc: r.uscc, name: r.name.display, status: 'pending' });
  }
  await tx.insert(organisationReviews).values({
    organisationId: row.id,
    decision: 'register',
    fromStatus: null,
    toStatus: 'pending',
    reason: '',
    byUserId: by.id,
    byName: by.username,
    byRole: by.role,
    byJurisdiction: by.jurisdiction,
    at: now,
  });
  return row;
}

function exists(o: { uscc: string; name: string; status: OrganisationStatus }) {
  return withMessage(new ConflictError('', 'ORGANISATION_EXISTS'), bilingual(ORG_MESSAGES.ORGANISATION_EXISTS, { uscc: o.uscc, name: o.name, status: o.status, statusZh: STATUS_ZH[o.status] }));
}

/** Applies a decision to a locked row: the new status, its history entry, and the open flags it deals with. */
export async function reviewOrganisation(
  tx: Queryable,
  current: OrganisationRow,
  decision: Decision,
  reason: string,
  by: Actor,
  now: Date,
): Promise<{ row: OrganisationRow; reviewId: string; clearedFlags: number }> {
  const to = nextStatus(current.status, decision);
  if (!to) throw transitionInvalid(current.status, decision);
  const [review] = await tx
    .insert(organisationReviews)
    .values({
      organisationId: current.id,
      decision,
      fromStatus: current.status,
      toStatus: to,
      reason,
      byUserId: by.id,
      byName: by.username,
      byRole: by.role,
      byJurisdiction: by.jurisdiction,
      at: now,
    })
    .returning({ id: organisationReviews.id });
  const cleared = await tx
    .update(organisationFlags)
    .set({ clearedByReviewId: review!.id })
    .where(and(eq(organisationFlags.organisationId, current.id), sql`${organisationFlags.clearedByReviewId} is null`))
    .returning({ id: organisationFlags.id });
  const [row] = await tx
    .update(organisations)
    .set({ status: to, reviewFlaggedAt: null, updatedAt: now })
    .where(eq(organisations.id, current.id))
    .returning();
  return { row: row!, reviewId: review!.id, clearedFlags: cleared.length };
}

export type FlagView = {
  id: string;
  kind: 'seizure' | 'alert_confirmed';
  waybillNo: string | null;
  alertId: string | null;
  at: string;
  cleared: boolean;
  clearedByReviewId: string | null;
};

/**
 * Flags of these organisations (open ones only unless asked), newest first, with the parcel's waybill and alert
 * when the parcel was taken in inside `scope` (a region prefix, null: everywhere), as the latest parcels are: an
 * organisation sends across provinces, and another province's parcels are not the viewer's to see.
 */
export async function flagsOf(db: Queryable, organisationIds: string[], openOnly: boolean, scope: string | null): Promise<Map<string, FlagView[]>> {
  const out = new Map<string, FlagView[]>();
  if (!organisationIds.length) return out;
  const seen = (col: SQL) => (scope === null ? col : sql`case when p.region_code like ${`${scope}%`} then ${col} end`);
  const rows = await queryRows<{ id: string; organisation_id: string; kind: FlagView['kind']; waybill_no: string | null; alert_id: string | null; at: Date | string; cleared_by_review_id: string | null }>(
    db,
    sql`select f.id, f.organisation_id, f.kind, ${seen(sql`p.waybill_no`)} as waybill_no, ${seen(sql`f.alert_id`)} as alert_id, f.at, f.cleared_by_review_id
          from organisation_flags f left join parcels p on p.id = f.parcel_id
         where f.organisation_id = any(${`{${organisationIds.join(',')}}`}::uuid[]) ${openOnly ? sql`and f.cleared_by_review_id is null` : sql``}
         order by f.at desc, f.id desc`,
  );
  for (const r of rows) {
    const list = out.get(r.organisation_id) ?? [];
    list.push({
      id: r.id,
      kind: r.kind,
      waybillNo: r.waybill_no,
      alertId: r.alert_id,
      at: new Date(r.at).toISOString(),
      cleared: r.cleared_by_review_id !== null,
      clearedByReviewId: r.cleared_by_review_id,
    });
    out.set(r.organisation_id, list);
  }
  return out;
}

export async function historyOf(db: Queryable, organisationId: string) {
  const rows = await db.select().from(organisationReviews).where(eq(organisationReviews.organisationId, organisationId))
    // Newest first; at one instant (the demo seed registers and approves at once) the registration is the older.
    .orderBy(desc(organisationReviews.at), sql`${organisationReviews.decision} = 'register'`, desc(organisationReviews.id));
  return rows.map((r) => ({
    id: r.id,
    decision: r.decision,
    fromStatus: r.fromStatus as OrganisationStatus | null,
    toStatus: r.toStatus as OrganisationStatus,
    reason: r.reason,
    by: r.byName,
    byRole: r.byRole,
    at: r.at.toISOString(),
  }));
}

/** Its parcels of the last 30 days by verdict (all of them: counts carry no one's data). */
export async function parcelCountsOf(db: Queryable, organisationId: string, now: Date) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const rows = await db
    .select({ verdict: parcels.verdict, n: sql<number>`count(*)::int` })
    .from(parcels)
    .where(and(eq(parcels.organisationId, organisationId), sql`${parcels.createdAt} >= ${since}`))
    .groupBy(parcels.verdict);
  const counts = { accepted: 0, held: 0, rejected: 0 };
  for (const r of rows) counts[r.verdict] = Number(r.n);
  return counts;
}

/** Its latest parcels taken in inside `scope` (a region prefix, null: everywhere): no personal data shown. */
export async function latestParcelsOf(db: Queryable, organisationId: string, scope: string | null, limit = 20) {
  const rows = await db
    .select({
      waybillNo: parcels.waybillNo,
      createdAt: parcels.createdAt,
      verdict: parcels.verdict,
      status: parcels.status,
      outletId: parcels.outletId,
      regionCode: parcels.regionCode,
      recipientCountry: parcels.recipientCountry,
      description: parcels.declaredDescription,
      valueCny: parcels.declaredValueCny,
    })
    .from(parcels)
    .where(and(eq(parcels.organisationId, organisationId), scope ? sql`${parcels.regionCode} like ${`${scope}%`}` : undefined))
    .orderBy(desc(parcels.createdAt), desc(parcels.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

export const regionLabel = (code: string) => describeRegion(code) || code;

/** The demo's contract customer in Guangdong (天河, 440106), approved, so the handheld has one to pick. */
export const DEMO_ORGANISATION = {
  uscc: '91440106MA9DEM01X6',
  name: '广州天河优选电子商务有限公司',
  legalRep: { idType: 'CN_RESIDENT_ID', idNumber: '440106197506061212', name: '林志远' },
  address: '广东省广州市天河区体育西路101号',
  phone: '+862038881234',
} as const;

/** Registered by the demo's regulator in Guangdong and approved by them, in the demo seed's transaction. */
export async function seedDemoOrganisation(tx: Queryable, vault: PiiVault, now: Date): Promise<void> {
  const [regulator] = await tx.select().from(users).where(eq(users.username, 'regulator1'));
  if (!regulator) return;
  const d = DEMO_ORGANISATION;
  const by: Actor = { id: regulator.id, username: regulator.username, role: regulator.role, jurisdiction: regulator.jurisdiction };
  const row = await registerOrganisation(
    tx,
    vault,
    {
      uscc: d.uscc,
      regionCode: d.uscc.slice(2, 8),
      name: normalizeName(d.name),
      legalRep: {
        idType: d.legalRep.idType,
        id: { blind: vault.blind('id_number', d.legalRep.idNumber), sealed: vault.seal('id_number', d.legalRep.idNumber), masked: maskIdNumber(d.legalRep.idNumber) },
        name: d.legalRep.name,
      },
      address: d.address,
      phone: { blind: vault.blind('phone', d.phone), sealed: vault.seal('phone', d.phone), masked: maskPhone(d.phone) },
      registeredAtOutletId: null,
    },
    by,
    now,
  );
  await reviewOrganisation(tx, row, 'approve', '演示数据：营业执照与法定代表人身份已核验', by, now);
}
