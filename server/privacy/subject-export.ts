// A person's own data (PIPL Art. 45): for one identity, what the system holds — the archive record, the parcels they
// sent, the parcels addressed to their phone — with their own data in full and other people's masked. Whose a phone is
// cannot be read from the archive (its phone is the latest parcel's, a borrower's when the ID was lent), so a phone is
// shown in full, and parcels addressed to it are listed, only when it is the one the person showed to be theirs (the
// request's `phone`); every other phone is masked. Investigative
// records (suspect lists, alerts, cases) are left out unless the administrator decides to include them: disclosing
// them can defeat an investigation (PIPL Art. 18, 35).
import { and, desc, eq, sql } from 'drizzle-orm';
import { customsInspections, holdDecisions, holds, parcelInspections, parcels, parcelScreenings, senders } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';
import { hasHan } from '../identity/names.js';
import { maskIdNumber } from '../identity/masking.js';
import type { Cell, Table } from '../reports/export.js';
import type { PiiVault } from './pii.js';

/** The most parcels of each kind one export lists (a person sending more is a business, and is told the total). */
export const SUBJECT_EXPORT_MAX_PARCELS = 5000;

/** Someone else's name: 张** / J*** S****. */
export function maskName(name: string): string {
  if (!name) return '';
  if (hasHan(name)) return [...name].map((ch, i) => (i === 0 ? ch : '*')).join('');
  return name
    .split(/\s+/)
    .map((w) => (w ? w[0] + '*'.repeat(Math.max(0, w.length - 1)) : w))
    .join(' ');
}

/** Someone else's address: the first few characters (a city, a district), the rest hidden. */
export function maskAddress(address: string): string {
  const chars = [...address];
  const keep = hasHan(address) ? 6 : 10;
  return chars.length <= keep ? '*'.repeat(chars.length) : chars.slice(0, keep).join('') + '****';
}

export type SubjectExport = {
  generatedAt: string;
  /** phone: the one the person showed to be theirs, or null (then every phone is masked and none is searched). */
  subject: { idType: string; idNumber: string; phone: string | null };
  /** The 用户信息档案库 record, or null when the archive holds none for this identity. */
  archive: {
    name: string;
    phone: string | null;
    address: string | null;
    birthDate: string | null;
    firstSeenAt: string;
    lastSeenAt: string;
    parcelCount: number;
    outletIds: string[];
  } | null;
  parcelsSent: Record<string, unknown>[];
  parcelsReceived: Record<string, unknown>[];
  totals: { parcelsSent: number; parcelsReceived: number };
  investigations: { included: boolean; alerts?: Record<string, unknown>[]; cases?: Record<string, unknown>[]; suspectListEntries?: number };
  notes: string[];
};

/** Two spellings of one name or address compare equal (width, case, spaces). */
const same = (v: string) => v.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

const open = (vault: PiiVault, purpose: 'id_number' | 'phone', sealed: string | null) => (sealed ? vault.open(purpose, sealed) : null);

export async function buildSubjectExport(
  db: Queryable,
  vault: PiiVault,
  subject: { idType: string; idNumber: string; phone: string | null },
  o: { includeInvestigations: boolean; now: Date },
): Promise<{ data: SubjectExport; senderId: string | null }> {
  const [s] = await db
    .select()
    .from(senders)
    .where(and(eq(senders.idType, subject.idType), eq(senders.idBlind, vault.blind('id_number', subject.idNumber))));
  const ownPhoneBlind = subject.phone ? vault.blind('phone', subject.phone) : null;
  /** A phone in full only when it is the person's own (its blind index is the verified phone's); masked otherwise. */
  const phoneOf = (blind: string | null, sealed: string | null, masked: string | null) => (ownPhoneBlind && blind === ownPhoneBlind ? open(vault, 'phone', sealed) : masked);
  const notes = [
    'Identity numbers, and the phone you showed to be yours, are stored encrypted; they appear here in full because they are yours. Every other phone, and other people (recipients, senders to you), are masked.',
    '证件号码和您证明属于本人的电话加密保存；因属于您本人，此处完整显示。其他电话和其他人（收件人、向您寄件的人）的信息已遮蔽。',
  ];
  if (!ownPhoneBlind) {
    notes.push(
      'No phone of yours was verified with this request: phones are masked and parcels addressed to you are not listed.',
      '本次申请未核实您的电话：电话均已遮蔽，寄给您的邮件未列出。',
    );
  }

  const sent = s
    ? await db
        .select({ p: parcels, i: parcelInspections, sc: parcelScreenings, h: holds, d: holdDecisions, c: customsInspections })
        .from(parcels)
        .leftJoin(parcelInspections, eq(parcelInspections.parcelId, parcels.id))
        .leftJoin(parcelScreenings, eq(parcelScreenings.parcelId, parcels.id))
        .leftJoin(holds, eq(holds.parcelId, parcels.id))
        .leftJoin(holdDecisions, eq(holdDecisions.parcelId, parcels.id))
        .leftJoin(customsInspections, eq(customsInspections.parcelId, parcels.id))
        .where(eq(parcels.senderId, s.id))
        .orderBy(desc(parcels.createdAt))
        .limit(SUBJECT_EXPORT_MAX_PARCELS)
    : [];
  const received = ownPhoneBlind
    ? await db
        .select({ p: parcels, idMasked: senders.idMasked })
        .from(parcels)
        .innerJoin(senders, eq(senders.id, parcels.senderId))
        .where(eq(parcels.recipientPhoneBlind, ownPhoneBlind))
        .orderBy(desc(parcels.createdAt))
        .limit(SUBJECT_EXPORT_MAX_PARCELS)
    : [];
  const [totals] = await queryRows<{ sent: number; received: number }>(
    db,
    sql`select (select count(*)::int from parcels where sender_id = ${s?.id ?? null}::uuid) as sent,
               (select count(*)::int from parcels where ${ownPhoneBlind ? sql`recipient_phone_blind = ${ownPhoneBlind}` : sql`false`}) as received`,
  );
  // A parcel to the person's phone may name someone else (a household shares a phone): the name and address on it are
  // shown in full only when they are the person's own — the archive's, or those on parcels they sent from that phone.
  const ownNames = new Set([s?.name, ...sent.filter((r) => r.p.senderPhoneBlind === ownPhoneBlind).map((r) => r.p.senderName)].filter((v): v is string => !!v).map(same));
  const ownAddresses = new Set([s?.address, ...sent.filter((r) => r.p.senderPhoneBlind === ownPhoneBlind).map((r) => r.p.senderAddress)].filter((v): v is string => !!v).map(same));

  const investigations: SubjectExport['investigations'] = { included: o.includeInvestigations };
  if (o.includeInvestigations && s) {
    const ids = sent.map((r) => r.p.id);
    investigations.alerts = ids.length
      ? await queryRows(
          db,
          sql`select distinct a.id, a.type, a.status, a.created_at as "createdAt", a.resolution from alerts a join alert_parcels ap on ap.alert_id = a.id
               where ap.parcel_id in (select id from parcels where sender_id = ${s.id}::uuid)`,
        )
      : [];
    investigations.cases = ids.length
      ? await queryRows(
          db,
          sql`select distinct c.reference, c.status, c.opened_at as "openedAt", c.outcome from cases c join case_links cl on cl.case_id = c.id
               where (cl.kind = 'parcel' and cl.ref_id in (select id from parcels where sender_id = ${s.id}::uuid))
                  or (cl.kind = 'alert' and cl.ref_id in (select ap.alert_id from alert_parcels ap join parcels p on p.id = ap.parcel_id where p.sender_id = ${s.id}::uuid))`,
        )
      : [];
    const keys = [s.idBlind, ownPhoneBlind].filter((k): k is string => !!k);
    const [w] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from watchlist_entries where deleted_at is null and type in ('id_number', 'phone') and match_key = any(${`{${keys.join(',')}}`}::text[])`,
    );
    investigations.suspectListEntries = w?.n ?? 0;
  } else {
    notes.push('Records of investigations (suspect lists, alerts, cases) are not part of this export (PIPL Art. 18, 35).');
  }

  const data: SubjectExport = {
    generatedAt: o.now.toISOString(),
    subject,
    archive: s
      ? {
          name: s.name,
          phone: phoneOf(s.phoneBlind, s.phoneSealed, s.phoneMasked),
          address: s.address,
          birthDate: s.birthDate,
          firstSeenAt: s.firstSeenAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
          parcelCount: s.parcelCount,
          outletIds: s.outletIds,
        }
      : null,
    parcelsSent: sent.map(({ p, i, sc, h, d, c }) => ({
      waybillNo: p.waybillNo,
      takenInAt: p.createdAt.toISOString(),
      carrier: p.carrier,
      outletId: p.outletId,
      verdict: p.verdict,
      status: p.status,
      reasons: p.reasons.map((r) => ({ code: r.code, message: r.message, messageZh: r.messageZh })),
      sender: { name: p.senderName, phone: phoneOf(p.senderPhoneBlind, p.senderPhoneSealed, p.senderPhoneMasked), address: p.senderAddress },
      recipient: { name: maskName(p.recipientName), phone: p.recipientPhoneMasked, address: maskAddress(p.recipientAddress), country: p.recipientCountry },
      declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity, valueCny: p.declaredValueCny, brand: p.declaredBrand },
      inspection: i ? { performed: i.performed, refused: i.refused, matchesDeclaration: i.matchesDeclaration, notes: i.notes, photos: i.photoIds.length } : null,
      screening: sc ? { result: sc.result } : null,
      hold: h ? { status: h.status, heldAt: h.heldAt.toISOString(), decision: d ? { action: d.action, disposition: d.disposition, at: d.at.toISOString(), note: d.note } : null } : null,
      customs: c ? { selected: c.selected, outcome: c.outcome } : null,
    })),
    parcelsReceived: received.map(({ p, idMasked }) => ({
      waybillNo: p.waybillNo,
      takenInAt: p.createdAt.toISOString(),
      carrier: p.carrier,
      status: p.status,
      sender: { name: maskName(p.senderName), idNumber: idMasked || null, phone: p.senderPhoneMasked, address: maskAddress(p.senderAddress) },
      recipient: {
        name: ownNames.has(same(p.recipientName)) ? p.recipientName : maskName(p.recipientName),
        phone: subject.phone,
        address: ownAddresses.has(same(p.recipientAddress)) ? p.recipientAddress : maskAddress(p.recipientAddress),
        country: p.recipientCountry,
      },
      declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity },
    })),
    totals: { parcelsSent: totals?.sent ?? 0, parcelsReceived: totals?.received ?? 0 },
    investigations,
    notes,
  };
  return { data, senderId: s?.id ?? null };
}

/** The same export as spreadsheet tables (one sheet each), for tablesXlsx. */
export function subjectTables(x: SubjectExport): { heading: Cell[][]; tables: Table[] } {
  const a = x.archive;
  return {
    heading: [
      ['个人信息副本 Personal data export', x.generatedAt],
      ['证件 Document', `${x.subject.idType} ${x.subject.idNumber}`],
      ['核实的电话 Verified phone', x.subject.phone ?? '—'],
      ...x.notes.map((n) => [n] as Cell[]),
    ],
    tables: [
      {
        name: 'archive',
        title: '档案记录 Archive record',
        header: ['项目 Field', '内容 Value'],
        rows: a
          ? [
              ['姓名 Name', a.name],
              ['电话 Phone', a.phone],
              ['地址 Address', a.address],
              ['出生日期 Birth date', a.birthDate],
              ['首次寄件 First parcel', a.firstSeenAt],
              ['最近寄件 Last parcel', a.lastSeenAt],
              ['寄件数 Parcels', a.parcelCount],
              ['网点 Outlets', a.outletIds.join(', ')],
            ]
          : [['—', '没有档案记录 No archive record']],
      },
      {
        name: 'sent',
        title: '寄出的邮件 Parcels sent',
        header: ['运单号 Waybill', '收寄时间 Taken in', '结论 Verdict', '状态 Status', '收件人 Recipient', '目的地 Country', '申报 Declared', '价值 Value (CNY)', '验视备注 Inspection notes'],
        rows: x.parcelsSent.map((p) => {
          const r = p as { waybillNo: string; takenInAt: string; verdict: string; status: string; recipient: { name: string; country: string }; declared: { description: string; valueCny: number }; inspection: { notes: string } | null };
          return [r.waybillNo, r.takenInAt, r.verdict, r.status, r.recipient.name, r.recipient.country, r.declared.description, r.declared.valueCny, r.inspection?.notes ?? ''];
        }),
      },
      {
        name: 'received',
        title: '寄给您的邮件 Parcels addressed to you',
        header: ['运单号 Waybill', '收寄时间 Taken in', '状态 Status', '寄件人 Sender', '申报 Declared'],
        rows: x.parcelsReceived.map((p) => {
          const r = p as { waybillNo: string; takenInAt: string; status: string; sender: { name: string }; declared: { description: string } };
          return [r.waybillNo, r.takenInAt, r.status, r.sender.name, r.declared.description];
        }),
      },
    ],
  };
}

export const subjectIdMasked = (idNumber: string) => maskIdNumber(idNumber);
