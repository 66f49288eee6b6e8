// Recording an intake: the sender archive (用户信息档案库), the parcel with its verdict, and its inspection
// and screening records. Runs in the intake's transaction, so none is ever stored without the others.
// One statement, one round trip, a named prepared one: the hot path of every counter (profiled in scripts/bench/intake.ts). An
// organisation's handler and the item lines are further parts of the same statement, present only when they are.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { preparedRows } from '../db/prepared.js';
import { ConflictError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { INTAKE_STEP_MESSAGES } from './steps.js';
import { reasonsOf, type IntakeStep } from './pipeline.js';

export const archiveStep: IntakeStep = {
  name: 'archive',
  async record(s) {
    const { tx, request, courier, now } = s;
    const sender = s.sender!;
    const recipient = s.recipient!;
    const waybill = s.waybill!;
    const { declared, inspection, screening } = request;
    const parcelId = randomUUID();
    const photoIds = `{${inspection.photoIds.join(',')}}`;
    const handler = s.handler;
    const items = s.items ?? [];

    // An organisation's handler keeps a person's archive row of their own (no address: theirs is not on the
    // waybill), where their private parcels and their organisations' meet; the parcel counts for the sender only.
    // One record per identity: the latest name, phone and address win; counts, dates and outlets accumulate.
    // The parcel insert does nothing on a taken waybill; the inspection and screening follow only a new parcel.
    // A batch's organisation parcel points at the organisation's archive row (organisations.sender_id, written at
    // registration) without touching it: an upsert per parcel would lock that one row until each parcel's group
    // commits and serialise the batch's workers on it. The batch job counts the group's parcels into the row once,
    // last in the group's transaction (server/batches/job.ts). At the counter the upsert stays: one parcel per
    // transaction, and one organisation's parcels are not handed over at many counters at once.
    const archived = s.batchId && s.organisation
      ? sql`select sender_id as id from organisations where id = ${s.organisation.id}::uuid and sender_id is not null`
      : sql`
        insert into senders (id_type, id_blind, id_sealed, id_masked, name, name_simplified, name_pinyin, birth_date,
                             phone_blind, phone_sealed, phone_masked, address, first_seen_at, last_seen_at, parcel_count, outlet_ids)
        values (${sender.idType}, ${sender.id.blind}, ${sender.id.sealed}, ${sender.id.masked}, ${sender.name.display},
                ${sender.name.simplified}, ${sender.name.pinyin}, ${sender.birthDate}, ${sender.phone.blind}, ${sender.phone.sealed},
                ${sender.phone.masked}, ${sender.address}, ${now}, ${now}, 1, array[${courier.outletId}::text])
        on conflict (id_type, id_blind) do update set
          name = excluded.name, name_simplified = excluded.name_simplified, name_pinyin = excluded.name_pinyin,
          phone_blind = excluded.phone_blind, phone_sealed = excluded.phone_sealed, phone_masked = excluded.phone_masked,
          address = excluded.address,
          last_seen_at = greatest(senders.last_seen_at, excluded.last_seen_at),
          parcel_count = senders.parcel_count + 1,
          outlet_ids = case when excluded.outlet_ids[1] = any(senders.outlet_ids) then senders.outlet_ids
                            else senders.outlet_ids || excluded.outlet_ids end
        returning id`;
    const [row] = await preparedRows<{ parcel_id: string | null }>(tx, sql`
      with archived as (${archived}
      ), ${handler ? sql`handled as (
        insert into senders (id_type, id_blind, id_sealed, id_masked, name, name_simplified, name_pinyin, birth_date,
                             phone_blind, phone_sealed, phone_masked, address, first_seen_at, last_seen_at, parcel_count, outlet_ids)
        values (${handler.idType}, ${handler.id.blind}, ${handler.id.sealed}, ${handler.id.masked}, ${handler.name.display},
                ${handler.name.simplified}, ${handler.name.pinyin}, ${handler.birthDate}, ${handler.phone.blind}, ${handler.phone.sealed},
                ${handler.phone.masked}, null, ${now}, ${now}, 0, array[${courier.outletId}::text])
        on conflict (id_type, id_blind) do update set
          name = excluded.name, name_simplified = excluded.name_simplified, name_pinyin = excluded.name_pinyin,
          phone_blind = excluded.phone_blind, phone_sealed = excluded.phone_sealed, phone_masked = excluded.phone_masked,
          last_seen_at = greatest(senders.last_seen_at, excluded.last_seen_at),
          outlet_ids = case when excluded.outlet_ids[1] = any(senders.outlet_ids) then senders.outlet_ids
                            else senders.outlet_ids || excluded.outlet_ids end
        returning id
      ), ` : sql``}parcel as (
        insert into parcels (id, waybill_no, carrier, channel, outlet_id, region_code, courier_id, sender_id, sender_name,
                             sender_phone_blind, sender_phone_sealed, sender_phone_masked, sender_address,
                             recipient_name, recipient_name_simplified, recipient_name_pinyin, recipient_phone_blind,
                             recipient_phone_sealed, recipient_phone_masked, recipient_address, recipient_country, cross_border,
                             declared_description, declared_category, declared_quantity, declared_value_cny, declared_brand,
                             verdict, status, reasons, created_at, organisation_id, handler_sender_id, batch_id)
        select ${parcelId}::uuid, ${waybill.normalized}, ${waybill.carrier}, ${waybill.channel}, ${courier.outletId},
               ${courier.outletRegionCode}, ${courier.id}::uuid, archived.id, ${sender.name.display},
               ${sender.phone.blind}, ${sender.phone.sealed}, ${sender.phone.masked}, ${sender.address},
               ${recipient.name.display}, ${recipient.name.simplified}, ${recipient.name.pinyin}, ${recipient.phone?.blind ?? null},
               ${recipient.phone?.sealed ?? null}, ${recipient.phone?.masked ?? null}, ${recipient.address}, ${recipient.country},
               ${recipient.crossBorder}, ${declared.description}, ${declared.category}, ${declared.quantity}, ${declared.valueCny},
               ${declared.brand ?? null}, ${s.verdict!}, ${s.verdict!}, ${JSON.stringify(reasonsOf(s.findings))}::jsonb, ${now},
               ${s.organisation?.id ?? null}::uuid, ${handler ? sql`(select id from handled)` : sql`null::uuid`}, ${s.batchId ?? null}::uuid
        from archived
        on conflict (waybill_no) do nothing
        returning id
      ), inspected as (
        insert into parcel_inspections (parcel_id, performed, refused, matches_declaration, notes, photo_ids, inspected_by, inspected_at)
        select parcel.id, ${inspection.performed}, ${inspection.refused ?? false}, ${inspection.matchesDeclaration ?? null},
               ${inspection.notes}, ${photoIds}::uuid[], ${courier.id}::uuid, ${now}
        from parcel
      ), screened as (
        insert into parcel_screenings (parcel_id, result, machine_id, screened_by, screened_at)
        select parcel.id, ${screening.result}, ${screening.machineId ?? null}, ${courier.id}::uuid, ${now}
        from parcel
      )${items.length ? sql`, itemised as (
        insert into parcel_items (parcel_id, line_no, description, hs_code, quantity, net_weight_kg, value_cny, origin_country)
        select parcel.id, line.*
        from parcel, (values ${sql.join(
          items.map((it, i) => sql`(${i + 1}::int, ${it.description}::text, ${it.hsCode}::text, ${it.quantity}::int, ${it.netWeightKg}::numeric, ${it.valueCny}::numeric, ${it.originCountry}::text)`),
          sql`, `,
        )}) as line
      )` : sql``}
      select (select id from parcel) as parcel_id`);
    if (!row?.parcel_id) {
      // The transaction rolls back, sender upsert included.
      throw withMessage(new ConflictError('', 'WAYBILL_DUPLICATE'), bilingual(INTAKE_STEP_MESSAGES.WAYBILL_DUPLICATE, { waybillNo: waybill.normalized }));
    }
    s.parcel = { id: parcelId, createdAt: now };
  },
};
