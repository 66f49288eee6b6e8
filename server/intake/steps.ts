// The core intake steps: 寄递实名制 (identity), 运单信息核对 (waybill), 收寄验视 (inspection), 过机安检
// (screening) and the declared contents against 禁止寄递物品.
import { isCountryCode, isIssuingState } from '../geo/countries.js';
import { checkDocument, type IdType } from '../identity/documents.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { maskIdNumber } from '../identity/masking.js';
import { consigneeNameInvalid, isPlausibleConsigneeName, isPlausibleName, normalizeName, normalizeSpaces, personNameInvalid } from '../identity/names.js';
import { checkPhone, maskPhone } from '../identity/phones.js';
import { unusablePhotos } from '../media/router.js';
import type { PiiPurpose, PiiVault } from '../privacy/pii.js';
import { isRealDate, mrzTraits } from '../rings/member-facts.js';
import { checkWaybill } from '../waybill/waybills.js';
import { isProhibitedCategory, suspectProhibitedWords } from './contents.js';
import { checkDeclaration } from './items.js';
import { checkOrganisationSender } from './organisation-sender.js';
import { personSenderOf, type IntakeState, type IntakeStep, type SealedValue } from './pipeline.js';

// The counter's refusals in both languages: the handheld shows the courier's language, the console the officer's.
export const INTAKE_STEP_MESSAGES = defineMessages({
  INTAKE_ISSUING_COUNTRY_REQUIRED: {
    en: 'A passport needs its issuing state (ICAO alpha-3, e.g. USA).',
    zh: '护照须填写签发国家（ICAO三位字母代码，如USA）。',
  },
  INTAKE_ISSUING_COUNTRY_INVALID: { en: '{country} is not an ICAO issuing state code.', zh: '{country}不是有效的ICAO签发国家代码。' },
  INTAKE_BIRTH_DATE_INVALID: {
    en: '{birthDate} is not a birth date: write it as on the document, YYYY-MM-DD, between 1900 and today.',
    zh: '{birthDate} 不是有效的出生日期：请按证件所印填写（YYYY-MM-DD），应在1900年至今之间。',
  },
  INTAKE_COUNTRY_INVALID: { en: '{country} is not an ISO 3166-1 alpha-2 country code.', zh: '{country}不是有效的国家代码（ISO 3166-1 两位字母）。' },
  INTAKE_INSPECTION_REQUIRED: {
    en: 'Inspect the contents in front of the sender (收寄验视) before accepting, or record that the sender refused.',
    zh: '收寄前须当面验视内件，或记录寄件人拒绝验视。',
  },
  INTAKE_INSPECTION_CONTRADICTORY: { en: 'An inspection cannot be both performed and refused.', zh: '验视不能既已完成又被拒绝。' },
  INTAKE_INSPECTION_RESULT_REQUIRED: { en: 'Say whether the contents match the declaration.', zh: '请说明内件与申报是否相符。' },
  WAYBILL_DUPLICATE: {
    en: 'Waybill {waybillNo} has been taken in already; a waybill number is used once.',
    zh: '运单号 {waybillNo} 已被收寄，运单号只能使用一次：请核对面单。',
  },
});

function seal(vault: PiiVault, purpose: PiiPurpose, normalized: string, masked: string): SealedValue {
  return { normalized, blind: vault.blind(purpose, normalized), sealed: vault.seal(purpose, normalized), masked };
}

/** A birth date as a person writes it from a document: YYYY-MM-DD, a real day, since 1900, not after today. */
function isPlausibleBirthDate(value: string, today: Date): boolean {
  return isRealDate(value) && value >= '1900-01-01' && new Date(`${value}T00:00:00Z`).getTime() <= today.getTime();
}

/** The identity fields a person shows at the counter: a person sender's, or an organisation's handler's. */
type PersonShown = { idType: IdType; idNumber: string; name: string; phone: string; idIssuingCountry?: string; mrz?: string; birthDate?: string };

/**
 * 寄递实名制 for one person (a sender, or the handler of an organisation's parcel): the document, the name and
 * the phone checked, refusals at `${at}.field`. The sealed identity, or undefined when any of it was refused.
 */
export function checkPersonShown(s: IntakeState, at: string, person: PersonShown): IdentityChecked | undefined {
  const errors = s.fieldErrors;
  const doc = checkDocument(person.idType, person.idNumber, { mrz: person.mrz, today: s.now });
  if (!doc.ok) errors.push({ path: `${at}.${doc.code === 'MRZ_INVALID' ? 'mrz' : 'idNumber'}`, code: doc.code, reason: doc.reason, message: doc.message, messageZh: doc.messageZh });
  if (person.idType === 'PASSPORT') {
    if (!person.idIssuingCountry) {
      errors.push({ path: `${at}.idIssuingCountry`, code: 'ISSUING_COUNTRY_REQUIRED', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_ISSUING_COUNTRY_REQUIRED) });
    } else if (!isIssuingState(person.idIssuingCountry)) {
      errors.push({ path: `${at}.idIssuingCountry`, code: 'ISSUING_COUNTRY_INVALID', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_ISSUING_COUNTRY_INVALID, { country: person.idIssuingCountry }) });
    }
  }
  // The document face as read (birth date, sex): checked here, compared with the number by the ring step.
  if (person.birthDate !== undefined && !isPlausibleBirthDate(person.birthDate, s.now)) {
    errors.push({ path: `${at}.birthDate`, code: 'BIRTH_DATE_INVALID', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_BIRTH_DATE_INVALID, { birthDate: person.birthDate }) });
  }
  const name = normalizeName(person.name);
  if (!isPlausibleName(name.display)) errors.push({ path: `${at}.name`, code: 'NAME_INVALID', ...personNameInvalid() });
  const phone = checkPhone(person.phone, 'CN');
  if (!phone.ok) errors.push({ path: `${at}.phone`, code: 'PHONE_INVALID', message: phone.message, messageZh: phone.messageZh });
  if (!doc.ok || !phone.ok) return undefined;
  return {
    idType: person.idType,
    id: seal(s.vault, 'id_number', doc.normalized, maskIdNumber(doc.normalized)),
    // What the archive keeps: the number's own birth date, else a passport MRZ's, else the face as declared.
    birthDate: doc.birthDate ?? mrzTraits(person.mrz, s.now).birthDate ?? (person.birthDate && isPlausibleBirthDate(person.birthDate, s.now) ? person.birthDate : null),
    name,
    phone: seal(s.vault, 'phone', phone.e164, maskPhone(phone.e164)),
  };
}

export type IdentityChecked = NonNullable<IntakeState['handler']>;

/**
 * 寄递实名制: a missing or invalid identity is never accepted. A person sender is checked here; an organisation
 * sender's handler too (the organisation itself is looked up by organisation-sender.ts).
 */
export const identityStep: IntakeStep = {
  name: 'identity',
  async validate(s) {
    const { recipient } = s.request;
    const errors = s.fieldErrors;
    const person = personSenderOf(s.request);
    let senderOk = true;
    if (person) {
      const checked = checkPersonShown(s, 'sender', person);
      if (checked) s.sender = { ...checked, address: normalizeSpaces(person.address) };
      else senderOk = false;
    } else if (s.request.sender.kind === 'organisation') {
      await checkOrganisationSender(s);
      if (s.request.sender.handler) {
        const checked = checkPersonShown(s, 'sender.handler', s.request.sender.handler);
        if (checked) s.handler = checked;
        else senderOk = false;
      }
    }

    const country = recipient.country;
    if (!isCountryCode(country)) errors.push({ path: 'recipient.country', code: 'COUNTRY_INVALID', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_COUNTRY_INVALID, { country }) });
    const recipientName = normalizeName(recipient.name);
    // A consignee may be a company ("Forever 21 Inc"): the organisation rule admits digits and company punctuation.
    if (!isPlausibleConsigneeName(recipientName.display)) errors.push({ path: 'recipient.name', code: 'NAME_INVALID', ...consigneeNameInvalid() });
    const recipientPhone = recipient.phone ? checkPhone(recipient.phone, isCountryCode(country) ? country : 'CN') : undefined;
    if (recipientPhone && !recipientPhone.ok) errors.push({ path: 'recipient.phone', code: 'PHONE_INVALID', message: recipientPhone.message, messageZh: recipientPhone.messageZh });

    if (!senderOk || (recipientPhone && !recipientPhone.ok)) return;
    s.recipient = {
      name: recipientName,
      phone: recipientPhone?.ok ? seal(s.vault, 'phone', recipientPhone.e164, maskPhone(recipientPhone.e164)) : null,
      address: normalizeSpaces(recipient.address),
      country,
      crossBorder: country !== 'CN',
    };
  },
};

/** 运单信息核对: the number is well-formed for its carrier; uniqueness is enforced when the parcel is stored. */
export const waybillStep: IntakeStep = {
  name: 'waybill',
  validate(s) {
    const r = checkWaybill(s.request.waybillNo, isCountryCode, s.request.carrier);
    if (!r.ok) {
      s.fieldErrors.push({ path: 'waybillNo', code: r.code, reason: r.reason, message: r.message, messageZh: r.messageZh });
      return;
    }
    s.waybill = { normalized: r.normalized, channel: r.channel, carrier: r.carrier ?? null };
  },
};

/** 收寄验视: inspection is mandatory; a refusal refuses the parcel, a mismatch holds it. */
export const inspectionStep: IntakeStep = {
  name: 'inspection',
  async validate(s) {
    const { inspection } = s.request;
    if (!inspection.performed && !inspection.refused) {
      s.fieldErrors.push({ path: 'inspection.performed', code: 'INSPECTION_REQUIRED', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_INSPECTION_REQUIRED) });
    }
    if (inspection.performed && inspection.refused) {
      s.fieldErrors.push({ path: 'inspection.refused', code: 'INSPECTION_CONTRADICTORY', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_INSPECTION_CONTRADICTORY) });
    }
    if (inspection.performed && inspection.matchesDeclaration === undefined) {
      s.fieldErrors.push({ path: 'inspection.matchesDeclaration', code: 'INSPECTION_RESULT_REQUIRED', ...bilingual(INTAKE_STEP_MESSAGES.INTAKE_INSPECTION_RESULT_REQUIRED) });
    }
    s.fieldErrors.push(...(await unusablePhotos(s.tx, inspection.photoIds, s.courier.outletId)));
  },
  check(s) {
    const { inspection } = s.request;
    if (inspection.refused) {
      s.findings.push({ code: 'INSPECTION_REFUSED', effect: 'reject', message: 'The sender refused inspection: the parcel may not be accepted.', messageZh: '寄件人拒绝验视，不予收寄。' });
    } else if (inspection.matchesDeclaration === false) {
      s.findings.push({ code: 'INSPECTION_MISMATCH', effect: 'hold', message: 'The contents do not match the declaration: hold for review.', messageZh: '实物与申报不符，暂扣待核查。' });
    }
  },
};

/** 过机安检. */
export const screeningStep: IntakeStep = {
  name: 'screening',
  check(s) {
    const { result, machineId } = s.request.screening;
    const machine = machineId ? ` (${machineId})` : '';
    if (result === 'prohibited') {
      s.findings.push({ code: 'SCREENING_PROHIBITED', effect: 'reject', message: `Screening${machine} found prohibited items: the parcel may not be accepted.`, messageZh: `安检${machine}发现禁寄物品，不予收寄。` });
    } else if (result === 'suspect') {
      s.findings.push({ code: 'SCREENING_SUSPECT', effect: 'hold', message: `Screening${machine} flagged the parcel: hold for an opened inspection.`, messageZh: `安检${machine}图像可疑，暂扣开箱复查。` });
    }
  },
};

/**
 * 禁止寄递物品: a prohibited class refuses; a suspicious word in the description holds. The declaration itself
 * (item lines adding up, HS codes, no vague cross-border description) is validated first (items.ts).
 */
export const contentsStep: IntakeStep = {
  name: 'contents',
  validate(s) {
    checkDeclaration(s);
  },
  check(s) {
    const { category, description } = s.request.declared;
    if (isProhibitedCategory(category)) {
      s.findings.push({ code: 'PROHIBITED_ITEM', effect: 'reject', message: `Declared as ${category}, a prohibited class: the parcel may not be accepted.`, messageZh: `申报物品属于禁止寄递物品（${category}），不予收寄。` });
      return;
    }
    for (const hit of suspectProhibitedWords(description)) {
      s.findings.push({
        code: 'PROHIBITED_ITEM_SUSPECTED',
        effect: 'hold',
        message: `The description mentions “${hit.word}”, which may be ${hit.category.replace(/_/g, ' ')}: inspect and confirm.`,
        messageZh: `物品描述含“${hit.word}”，可能属于禁寄物品，请核实。`,
      });
    }
  },
};
