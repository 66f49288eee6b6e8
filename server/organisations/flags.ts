// What puts an organisation up for review (DOMAIN.md "Organisations": carriers review their contract customers'
// qualifications): a customs seizure of one of its parcels, or an alert confirmed on its parcels. Called inside
// the transaction that records the seizure or the resolution, before its audit row (the audit row stays last).
import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidArray = (ids: string[]) => `{${ids.filter((id) => UUID.test(id)).join(',')}}`;

export type FlagKind = 'seizure' | 'alert_confirmed';

/**
 * One flag per organisation, kind and subject (a seizure: the parcel; an alert: the alert), however often it is
 * reported; a new flag sets organisations.review_flagged_at, which the next review clears. Parcels of no
 * organisation are ignored, and so are revoked organisations (no review can follow: revoked is final).
 */
export async function flagOrganisationsOfParcels(
  db: Queryable,
  kind: FlagKind,
  subject: { parcelIds: string[]; alertId?: string },
  now: Date,
): Promise<void> {
  if (!subject.parcelIds.length) return;
  const alertId = subject.alertId ?? null;
  const perParcel = kind === 'seizure' ? sql`p.id` : sql`p.organisation_id`;
  // A seizure flags per parcel; an alert once per organisation, naming the organisation's earliest parcel in it.
  await queryRows(db, sql`
    with candidates as (
      select distinct on (p.organisation_id, ${perParcel})
             p.organisation_id, p.id as parcel_id
        from parcels p
        join organisations o on o.id = p.organisation_id
       where p.id = any(${uuidArray(subject.parcelIds)}::uuid[]) and o.status <> 'revoked'
       order by p.organisation_id, ${perParcel}, p.created_at, p.id
    ), flagged as (
      insert into organisation_flags (organisation_id, kind, parcel_id, alert_id, subject_id, at)
      select organisation_id, ${kind}, parcel_id, ${alertId}::uuid,
             ${kind === 'alert_confirmed' && alertId ? sql`${alertId}` : sql`parcel_id::text`}, ${now}
        from candidates
      on conflict (organisation_id, kind, subject_id) do nothing
      returning organisation_id
    )
    update organisations set review_flagged_at = coalesce(review_flagged_at, ${now}), updated_at = ${now}
     where id in (select organisation_id from flagged)
    returning id`);
}

/** The parcels an alert rests on (alert_parcels), for flagging their organisations when it is confirmed. */
export async function parcelIdsOfAlert(db: Queryable, alertId: string): Promise<string[]> {
  const rows = await queryRows<{ parcel_id: string }>(db, sql`select parcel_id from alert_parcels where alert_id = ${alertId}::uuid`);
  return rows.map((r) => r.parcel_id);
}
