// 协议客户 at the counter: an organisation sends, named by its 统一社会信用代码, and its handler (经办人) hands the
// parcel over. Only an approved organisation may send. The organisation becomes the parcel's sender party (its
// archive identity, id_type USCC, as registered by server/organisations/), so the archive, suspect lists, rings
// and customs treat it like any sender; the handler is real-name checked like a person sender (steps.ts).
import { sql } from 'drizzle-orm';
import type { OrganisationStatus } from '../../models/schema.js';
import { queryRows } from '../db/database.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { normalizeName } from '../identity/names.js';
import { STATUS_ZH } from '../organisations/store.js';
import { checkUscc } from '../organisations/uscc.js';
import type { IntakeState } from './pipeline.js';

export const ORG_SENDER_MESSAGES = defineMessages({
  INTAKE_ORG_UNKNOWN: {
    en: 'No organisation is registered under the code {uscc}: register it and have it approved before it sends.',
    zh: '统一社会信用代码为{uscc}的单位尚未登记：须先登记并经审核通过方可寄件。',
  },
  INTAKE_ORG_NOT_APPROVED: {
    en: '{name} ({uscc}) is {status}: only an approved organisation may send.',
    zh: '{name}（{uscc}）当前状态为“{statusZh}”：只有审核通过的单位方可寄件。',
  },
  INTAKE_HANDLER_REQUIRED: {
    en: "An organisation's parcel is handed over by a person: record the handler's identity (document, name, phone).",
    zh: '单位寄件须登记经办人身份信息（证件、姓名、手机号）。',
  },
});

type OrganisationRow = {
  id: string;
  uscc: string;
  name: string;
  status: OrganisationStatus;
  address: string;
  id_blind: string | null;
  id_sealed: string | null;
  phone_blind: string;
  phone_sealed: string;
  phone_masked: string;
};

/**
 * Validates an organisation sender and fills s.organisation and s.sender (its archive identity). One query, by
 * the code's unique index: the hot path of every contract customer's counter and of every batch parcel.
 */
export async function checkOrganisationSender(s: IntakeState): Promise<void> {
  const sent = s.request.sender;
  if (sent.kind !== 'organisation') return;
  // A batch may name no handler (electronic waybills handed over in bulk); at the counter someone stands there.
  if (!sent.handler && s.batchId === undefined) {
    s.fieldErrors.push({ path: 'sender.handler', code: 'HANDLER_REQUIRED', ...bilingual(ORG_SENDER_MESSAGES.INTAKE_HANDLER_REQUIRED) });
  }
  const code = checkUscc(sent.uscc);
  if (!code.ok) {
    s.fieldErrors.push({ path: 'sender.uscc', code: 'USCC_INVALID', reason: code.reason, message: code.message, messageZh: code.messageZh });
    return;
  }
  // Its archive row (organisations.sender_id, written at registration) in the same read: the blind index and the
  // sealed code are taken as stored, not computed again, and the phone is not opened — no step reads it in clear.
  const [org] = await queryRows<OrganisationRow>(s.tx, sql`
    select o.id, o.uscc, o.name, o.status, o.address, a.id_blind, a.id_sealed,
           coalesce(a.phone_blind, o.phone_blind) as phone_blind, coalesce(a.phone_sealed, o.phone_sealed) as phone_sealed,
           coalesce(a.phone_masked, o.phone_masked) as phone_masked
    from organisations o left join senders a on a.id = o.sender_id
    where o.uscc = ${code.normalized}`);
  if (!org || org.status !== 'approved') {
    const text = org
      ? bilingual(ORG_SENDER_MESSAGES.INTAKE_ORG_NOT_APPROVED, { name: org.name, uscc: org.uscc, status: org.status, statusZh: STATUS_ZH[org.status] })
      : bilingual(ORG_SENDER_MESSAGES.INTAKE_ORG_UNKNOWN, { uscc: code.normalized });
    s.fieldErrors.push({ path: 'sender.uscc', code: 'ORGANISATION_NOT_APPROVED', reason: org ? org.status.toUpperCase() : 'UNKNOWN', ...text });
    return;
  }
  s.organisation = { id: org.id, uscc: org.uscc, name: org.name, status: org.status };
  // The same archive row the registration wrote (id_type USCC, the code blind-indexed and sealed, shown in full).
  s.sender = {
    idType: 'USCC',
    id: {
      normalized: org.uscc,
      // Registration always writes the row; were it missing, the archive step writes it with these.
      blind: org.id_blind ?? s.vault.blind('id_number', org.uscc),
      sealed: org.id_sealed ?? s.vault.seal('id_number', org.uscc),
      masked: org.uscc,
    },
    birthDate: null,
    name: normalizeName(org.name),
    // The phone stays sealed: the archive writes its sealed form and blind index, nothing reads it in clear.
    phone: { normalized: '', blind: org.phone_blind, sealed: org.phone_sealed, masked: org.phone_masked },
    address: org.address,
  };
}
