// Recording an intake: the sender archive (用户信息档案库), the parcel with its verdict, and its inspection
// and screening records. Runs in the intake's transaction, so none is ever stored without the others.
import { sql } from 'drizzle-orm';
import { parcelInspections, parcels, parcelScreenings, senders } from '../../models/schema.js';
import { ConflictError } from '../http/errors.js';
import { reasonsOf, type IntakeStep } from './pipeline.js';

export const archiveStep: IntakeStep = {
  name: 'archive',
  async record(s) {
    const { tx, request, courier, now } = s;
    const sender = s.sender!;
    const recipient = s.recipient!;
    const waybill = s.waybill!;

    // One record per identity: the latest name, phone and address win; counts, dates and outlets accumulate.
    const [archived] = await tx
      .insert(senders)
      .values({
        idType: sender.idType,
        idBlind: sender.id.blind,
        idSealed: sender.id.sealed,
        idMasked: sender.id.masked,
        name: sender.name.display,
        nameSimplified: sender.name.simplified,
        namePinyin: sender.name.pinyin,
        birthDate: sender.birthDate,
        phoneBlind: sender.phone.blind,
        phoneSealed: sender.phone.sealed,
        phoneMasked: sender.phone.masked,
        address: sender.address,
        firstSeenAt: now,
        lastSeenAt: now,
        parcelCount: 1,
        outletIds: [courier.outletId],
      })
      .onConflictDoUpdate({
        target: [senders.idType, senders.idBlind],
        set: {
          name: sql`excluded.name`,
          nameSimplified: sql`excluded.name_simplified`,
          namePinyin: sql`excluded.name_pinyin`,
          phoneBlind: sql`excluded.phone_blind`,
          phoneSealed: sql`excluded.phone_sealed`,
          phoneMasked: sql`excluded.phone_masked`,
          address: sql`excluded.address`,
          lastSeenAt: sql`greatest(${senders.lastSeenAt}, excluded.last_seen_at)`,
          parcelCount: sql`${senders.parcelCount} + 1`,
          outletIds: sql`case when ${courier.outletId} = any(${senders.outletIds}) then ${senders.outletIds} else array_append(${senders.outletIds}, ${courier.outletId}::text) end`,
        },
      })
      .returning({ id: senders.id });

    const { declared } = request;
    const [parcel] = await tx
      .insert(parcels)
      .values({
        waybillNo: waybill.normalized,
        carrier: waybill.carrier,
        channel: waybill.channel,
        outletId: courier.outletId,
        regionCode: courier.outletRegionCode,
        courierId: courier.id,
        senderId: archived!.id,
        senderName: sender.name.display,
        senderPhoneBlind: sender.phone.blind,
        senderPhoneSealed: sender.phone.sealed,
        senderPhoneMasked: sender.phone.masked,
        senderAddress: sender.address,
        recipientName: recipient.name.display,
        recipientNameSimplified: recipient.name.simplified,
        recipientNamePinyin: recipient.name.pinyin,
        recipientPhoneBlind: recipient.phone?.blind ?? null,
        recipientPhoneSealed: recipient.phone?.sealed ?? null,
        recipientPhoneMasked: recipient.phone?.masked ?? null,
        recipientAddress: recipient.address,
        recipientCountry: recipient.country,
        crossBorder: recipient.crossBorder,
        declaredDescription: declared.description,
        declaredCategory: declared.category,
        declaredQuantity: declared.quantity,
        declaredValueCny: declared.valueCny,
        declaredBrand: declared.brand ?? null,
        verdict: s.verdict!,
        status: s.verdict!,
        reasons: reasonsOf(s.findings),
        createdAt: now,
      })
      .onConflictDoNothing({ target: parcels.waybillNo })
      .returning({ id: parcels.id, createdAt: parcels.createdAt });
    if (!parcel) {
      throw new ConflictError(`Waybill ${waybill.normalized} has been taken in already; a waybill number is used once.`, 'WAYBILL_DUPLICATE');
    }
    s.parcel = parcel;

    const { inspection, screening } = request;
    // Both records in one round trip.
    await tx.execute(sql`
      with inspected as (
        insert into ${parcelInspections} (parcel_id, performed, refused, matches_declaration, notes, photo_ids, inspected_by, inspected_at)
        values (${parcel.id}, ${inspection.performed}, ${inspection.refused ?? false}, ${inspection.matchesDeclaration ?? null},
                ${inspection.notes}, ${`{${inspection.photoIds.join(',')}}`}::uuid[], ${courier.id}, ${now})
      )
      insert into ${parcelScreenings} (parcel_id, result, machine_id, screened_by, screened_at)
      values (${parcel.id}, ${screening.result}, ${screening.machineId ?? null}, ${courier.id}, ${now})`);
  },
};
