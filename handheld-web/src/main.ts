// The courier's handheld: log in, then one intake in the counter's order — waybill, sender, recipient and
// contents, inspection, screening — and a verdict nobody can misread. Fields are checked as they are typed
// with the server's own rules (server/identity, server/waybill: the same modules, bundled). Every intake goes
// through the durable outbox (queue.ts) so it survives a lost network or a reload and is sent exactly once.
import { checkDocument, ID_TYPES, type IdType } from '../../server/identity/documents.js';
import { isPlausibleConsigneeName, isPlausibleName } from '../../server/identity/name-rules.js';
import { checkPhone } from '../../server/identity/phones.js';
import { GOODS_CATEGORIES, isProhibitedCategory, isVagueWord, PROHIBITED_CATEGORIES } from '../../server/intake/contents.js';
import { CARRIERS, checkWaybill, type Carrier } from '../../server/waybill/waybills.js';
import { decisionNotice, holdsBadge, holdsScreen, type Deciding } from './holds-view.js';
import { connectOutlet, decideHold, emptySnapshot, loadSnapshot, markAllSeen, mergeHold, pendingCount, refreshHolds, saveSnapshot, unseenDecisions, type Hold, type HoldsSnapshot, type OutletLive } from './holds.js';
// 拦截件 and 批量 start after login, so they load then (their own chunks, precached for offline): the login screen's
// first load over a poor link carries only what it needs (scripts/bench/first-load.ts).
let interceptionsModule: Promise<typeof import('./interceptions.js')> | undefined;
let batchModule: Promise<typeof import('./batch.js')> | undefined;
import { carrierName, CATEGORY_NAMES, CONCRETE_DESCRIPTIONS, countryName, currentLang, ID_TYPE_NAMES, pick, say, setLang, t, type Key } from './i18n.js';
import { forgetOrganisation, searchOrganisations, type OrgBrief } from './org-picker.js';
import { clearDraft, enqueue, flush, forgetDecided, getQueued, listOwnQueue, listQueue, loadDraft, NETWORK_ERROR, removeQueued, saveDraft, type FieldProblem, type IntakeResult, type QueuedIntake } from './queue.js';
import { ft, prohibitedName } from './flow-text.js';
import type { Scanner } from './scanner.js';

type User = { username: string; role: string; outletId?: string };
type Screen = { name: 'login' } | { name: 'intake'; step: number } | { name: 'verdict'; item: QueuedIntake } | { name: 'queued' } | { name: 'queue' } | { name: 'holds' };

const app = document.getElementById('app')!;
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const STEPS: Key[] = ['stepWaybill', 'stepSender', 'stepParcel', 'stepInspect', 'stepScreen'];
const DESTINATIONS = ['US', 'JP', 'KR', 'RU', 'GB', 'DE', 'FR', 'AU', 'CA', 'MY', 'SG', 'TH', 'VN', 'HK', 'MO', 'TW', 'AE', 'NL', 'IT', 'ES', 'CN'];

let user: User | null = JSON.parse(localStorage.getItem('pg.user') ?? 'null');
/** Outlet supervisors take nothing in: their handheld is the holds list. */
const isSupervisor = () => user?.role === 'outlet_supervisor';
/** The holds screen is #holds, so a reload (online or not) comes back to it. */
const homeScreen = (): Screen => (!user ? { name: 'login' } : isSupervisor() || location.hash === '#holds' ? { name: 'holds' } : { name: 'intake', step: 0 });
let screen: Screen = homeScreen();
let scanner: Scanner | null = null;
/** The browser may say online on a Wi-Fi without a way out: the last send says whether the server is reachable. */
let reachable = true;
const isOnline = () => navigator.onLine && reachable;

/** The intake being filled in, kept as plain values so steps can go back and forth. */
type Draft = {
  /** The intake's Idempotency-Key, made when it starts and kept until the next one: whatever is tapped, one parcel. */
  key: string;
  waybillNo: string; carrier: string;
  /** 个人 or 单位（协议客户）: for an organisation, the identity fields below are its handler's (经办人). */
  senderKind: 'person' | 'organisation'; orgUscc: string; orgName: string; orgQuery: string;
  idType: IdType; idNumber: string; idIssuingCountry: string; senderName: string; phone: string; address: string;
  rName: string; rPhone: string; rAddress: string; country: string;
  description: string; category: string; quantity: string; valueCny: string; brand: string;
  inspection: 'performed' | 'refused'; contentsMatch: 'yes' | 'no'; notes: string; photos: Blob[];
  screening: 'clear' | 'suspect' | 'prohibited'; machineId: string;
};
const emptyDraft = (): Draft => ({
  key: crypto.randomUUID(),
  waybillNo: '', carrier: '', senderKind: 'person', orgUscc: '', orgName: '', orgQuery: '', idType: 'CN_RESIDENT_ID', idNumber: '', idIssuingCountry: '', senderName: '', phone: '', address: '',
  rName: '', rPhone: '', rAddress: '', country: localStorage.getItem('pg.country') ?? 'US', description: '', category: '', quantity: '1', valueCny: '', brand: '',
  inspection: 'performed', contentsMatch: 'yes', notes: '', photos: [], screening: 'clear', machineId: localStorage.getItem('pg.machineId') ?? '',
});
let draft = emptyDraft();
let errors: Record<string, string> = {};

// ---- validation: the server's rules ----------------------------------------------------------------------

const isCountry = (code: string) => /^[A-Z]{2}$/.test(code) && countryName(code) !== code && !/unknown|未知/i.test(countryName(code));
const msg = (m: { message: string; messageZh: string }) => (currentLang() === 'zh' ? m.messageZh : m.message);

function validateStep(step: number, d: Draft): Record<string, string> {
  const e: Record<string, string> = {};
  const need = (field: keyof Draft & string, path: string) => {
    if (!String(d[field]).trim()) e[path] = t('required');
  };
  if (step === 0) {
    need('waybillNo', 'waybillNo');
    if (d.waybillNo.trim()) {
      const r = checkWaybill(d.waybillNo, isCountry, (d.carrier || undefined) as Carrier | undefined);
      if (!r.ok) e.waybillNo = msg(r);
    }
  } else if (step === 1) {
    // An organisation's handler shows the same document, name and phone as a person sender; the address is the organisation's.
    const org = d.senderKind === 'organisation';
    const at = org ? 'sender.handler' : 'sender';
    if (org && !d.orgUscc) e['sender.uscc'] = t('orgRequired');
    need('idNumber', `${at}.idNumber`);
    if (d.idNumber.trim()) {
      const r = checkDocument(d.idType, d.idNumber);
      if (!r.ok) e[`${at}.idNumber`] = msg(r);
    }
    if (d.idType === 'PASSPORT' && !/^([A-Z]{3}|D)$/.test(d.idIssuingCountry.trim().toUpperCase())) e[`${at}.idIssuingCountry`] = t('issuingCountry');
    need('senderName', `${at}.name`);
    if (d.senderName.trim() && !isPlausibleName(d.senderName.trim())) e[`${at}.name`] = currentLang() === 'zh' ? '姓名只能包含文字，不能有数字或符号' : 'A name has letters and no digits or symbols.';
    need('phone', `${at}.phone`);
    if (d.phone.trim()) {
      const r = checkPhone(d.phone, 'CN');
      if (!r.ok) e[`${at}.phone`] = msg(r);
    }
    if (!org) need('address', 'sender.address');
  } else if (step === 2) {
    need('rName', 'recipient.name');
    if (d.rName.trim() && !isPlausibleConsigneeName(d.rName.trim().normalize('NFKC'))) e['recipient.name'] = currentLang() === 'zh' ? '收件人名称须包含文字；公司名称还可以包含数字及 & . , \' - ( ) / +' : "A consignee's name has letters; a company's may also have digits and & . , ' - ( ) / +";
    const country = d.country.trim().toUpperCase();
    if (!isCountry(country)) e['recipient.country'] = currentLang() === 'zh' ? '请填写两位国家代码，如 US' : 'A two-letter country code, e.g. US';
    if (d.rPhone.trim() && isCountry(country)) {
      const r = checkPhone(d.rPhone, country);
      if (!r.ok) e['recipient.phone'] = msg(r);
    }
    need('rAddress', 'recipient.address');
    need('description', 'declared.description');
    // Abroad, 礼品 / 样品 / gift alone says nothing customs can act on (DESCRIPTION_VAGUE): asked here, at the field.
    if (d.description.trim() && country !== 'CN' && isVagueWord(d.description)) e['declared.description'] = t('vagueDescription');
    need('category', 'declared.category');
    if (!/^[1-9]\d{0,5}$/.test(d.quantity.trim())) e['declared.quantity'] = currentLang() === 'zh' ? '数量为正整数' : 'A whole number from 1';
    if (!/^\d{1,9}(\.\d{1,2})?$/.test(d.valueCny.trim())) e['declared.valueCny'] = currentLang() === 'zh' ? '金额，如 300 或 300.50' : 'An amount, e.g. 300 or 300.50';
  } else if (step === 4) {
    if (d.screening !== 'clear' && !d.machineId.trim()) e['screening.machineId'] = t('required');
  }
  return e;
}

function bodyOf(d: Draft): QueuedIntake['body'] {
  const performed = d.inspection === 'performed';
  return {
    waybillNo: d.waybillNo.trim(),
    ...(d.carrier ? { carrier: d.carrier } : {}),
    sender:
      d.senderKind === 'organisation'
        ? {
            kind: 'organisation', uscc: d.orgUscc,
            handler: {
              idType: d.idType, idNumber: d.idNumber.trim(), name: d.senderName.trim(), phone: d.phone.trim(),
              ...(d.idType === 'PASSPORT' ? { idIssuingCountry: d.idIssuingCountry.trim().toUpperCase() } : {}),
            },
          }
        : {
            idType: d.idType, idNumber: d.idNumber.trim(), name: d.senderName.trim(), phone: d.phone.trim(), address: d.address.trim(),
            ...(d.idType === 'PASSPORT' ? { idIssuingCountry: d.idIssuingCountry.trim().toUpperCase() } : {}),
          },
    recipient: {
      name: d.rName.trim(), address: d.rAddress.trim(), country: d.country.trim().toUpperCase(),
      ...(d.rPhone.trim() ? { phone: d.rPhone.trim() } : {}),
    },
    declared: {
      description: d.description.trim(), category: d.category, quantity: Number(d.quantity), valueCny: Number(d.valueCny),
      ...(d.brand.trim() ? { brand: d.brand.trim() } : {}),
    },
    inspection: performed
      ? { performed: true, matchesDeclaration: d.contentsMatch === 'yes', notes: d.notes.trim() }
      : { performed: false, refused: true, notes: d.notes.trim() },
    screening: { result: d.screening, ...(d.machineId.trim() ? { machineId: d.machineId.trim() } : {}) },
  };
}

/** A queued intake back into the form (to correct what the server refused). */
function draftOf(item: QueuedIntake): Draft {
  const b = item.body as unknown as {
    waybillNo: string; carrier?: string;
    sender: { idType: IdType; idNumber: string; name: string; phone: string; address: string; idIssuingCountry?: string }
      | { kind: 'organisation'; uscc: string; handler: { idType: IdType; idNumber: string; name: string; phone: string; idIssuingCountry?: string } };
    recipient: { name: string; phone?: string; address: string; country: string };
    declared: { description: string; category: string; quantity: number; valueCny: number; brand?: string };
    inspection: { performed: boolean; matchesDeclaration?: boolean; notes: string };
    screening: { result: Draft['screening']; machineId?: string };
  };
  const org = 'kind' in b.sender ? b.sender : null;
  const who: { idType: IdType; idNumber: string; name: string; phone: string; idIssuingCountry?: string; address?: string } = 'kind' in b.sender ? b.sender.handler : b.sender;
  return {
    key: item.idempotencyKey,
    waybillNo: b.waybillNo, carrier: b.carrier ?? '',
    senderKind: org ? 'organisation' : 'person', orgUscc: org?.uscc ?? '', orgName: org ? (knownOrganisations.get(org.uscc)?.name ?? org.uscc) : '', orgQuery: '',
    idType: who.idType, idNumber: who.idNumber, idIssuingCountry: who.idIssuingCountry ?? '', senderName: who.name, phone: who.phone, address: who.address ?? '',
    rName: b.recipient.name, rPhone: b.recipient.phone ?? '', rAddress: b.recipient.address, country: b.recipient.country,
    description: b.declared.description, category: b.declared.category, quantity: String(b.declared.quantity), valueCny: String(b.declared.valueCny), brand: b.declared.brand ?? '',
    inspection: b.inspection.performed ? 'performed' : 'refused', contentsMatch: b.inspection.matchesDeclaration === false ? 'no' : 'yes', notes: b.inspection.notes,
    photos: item.photos, screening: b.screening.result, machineId: b.screening.machineId ?? '',
  };
}

const stepOfPath = (p: string) => (p.startsWith('sender') ? 1 : p.startsWith('recipient') || p.startsWith('declared') ? 2 : p.startsWith('inspection') ? 3 : p.startsWith('screening') ? 4 : 0);

/** What the server refused, back in the form: the errors by field, at the first step that has one. */
function correcting(problems: FieldProblem[]): Screen {
  errors = Object.fromEntries(problems.map((e) => [e.path, say(e as FieldProblem & { messageZh?: string })]));
  // An organisation no longer approved leaves the device's picker too.
  if (problems.some((e) => e.code === 'ORGANISATION_NOT_APPROVED') && draft.orgUscc) forgetOrganisation(draft.orgUscc);
  return { name: 'intake', step: Math.min(4, ...problems.map((e) => stepOfPath(e.path))) };
}

// ---- rendering -------------------------------------------------------------------------------------------

function field(path: string, label: string, input: string, hint = '') {
  const err = errors[path];
  return `<label class="field${err ? ' invalid' : ''}"><span class="label">${esc(label)}</span>${input}${
    err ? `<span class="error" id="err-${esc(path)}" role="alert">${esc(err)}</span>` : hint ? `<span class="hint">${esc(hint)}</span>` : ''
  }</label>`;
}
const text = (path: string, key: keyof Draft, attrs = '') =>
  `<input name="${esc(key)}" data-path="${esc(path)}" value="${esc(draft[key])}" ${attrs}${errors[path] ? ` aria-invalid="true" aria-describedby="err-${esc(path)}"` : ''}>`;
const select = (key: keyof Draft, options: [string, string][], attrs = '') =>
  `<select name="${esc(key)}" ${attrs}>${options.map(([v, l]) => `<option value="${esc(v)}"${draft[key] === v ? ' selected' : ''}>${esc(l)}</option>`).join('')}</select>`;
const radios = (key: keyof Draft, options: [string, string][], focus = false) =>
  `<div class="choices" role="radiogroup">${options
    .map(([v, l]) => `<label class="choice"><input type="radio" name="${esc(key)}" value="${esc(v)}"${draft[key] === v ? ` checked${focus ? ' autofocus' : ''}` : ''}><span>${esc(l)}</span></label>`)
    .join('')}</div>`;

function header() {
  return `<header class="bar">
    <strong class="brand">${esc(t('title'))}</strong>
    <span class="net ${isOnline() ? 'on' : 'off'}" id="net">${esc(isOnline() ? t('online') : t('offline'))}</span>
    <span class="bar-actions">
      ${user && !isSupervisor() ? `<button type="button" class="ghost" data-act="queue" id="queue-button">${esc(t('queue'))} <b id="queue-count">·</b></button>` : ''}
      <button type="button" class="ghost" data-act="lang" lang="${currentLang() === 'zh' ? 'en' : 'zh-CN'}">${esc(t('language'))}</button>
      ${user ? `<button type="button" class="ghost" data-act="logout">${esc(t('logout'))}</button>` : ''}
    </span>
  </header>`;
}

// ---- organisation sender (协议客户) and concrete descriptions -------------------------------------------------

/** Organisations seen in searches, by code: the picker's list and the name of the one picked. */
const knownOrganisations = new Map<string, OrgBrief>();
let orgSearch: { organisations: OrgBrief[]; offline: boolean } | null = null;

const orgResults = () =>
  orgSearch === null
    ? `<p class="hint">${esc(t('searching'))}</p>`
    : `${orgSearch.offline ? `<p class="hint" id="org-offline">${esc(t('orgOffline'))}</p>` : ''}${
        orgSearch.organisations.length
          ? `<ul class="org-list" id="org-list">${orgSearch.organisations
              .map((o) => `<li><button type="button" class="org${o.uscc === draft.orgUscc ? ' picked' : ''}" data-act="pick-org" data-uscc="${esc(o.uscc)}" aria-pressed="${o.uscc === draft.orgUscc}"><b>${esc(o.name)}</b><small>${esc(o.uscc)}</small></button></li>`)
              .join('')}</ul>`
          : `<p class="hint">${esc(t('orgNone'))}</p>`
      }`;

function orgPicker(): string {
  const picked = draft.orgUscc
    ? `<p class="org-picked" id="org-picked" role="status">✓ <b>${esc(draft.orgName)}</b> <small>${esc(draft.orgUscc)}</small></p>`
    : '';
  const err = errors['sender.uscc'];
  return `<div class="field${err ? ' invalid' : ''}" id="org-picker"><span class="label">${esc(t('organisation'))}</span>${picked}
    <input name="orgQuery" type="search" value="${esc(draft.orgQuery)}" placeholder="${esc(t('orgSearch'))}" aria-label="${esc(t('orgSearch'))}" autocomplete="off"${draft.orgUscc ? '' : ' autofocus'}>
    <div id="org-results" aria-live="polite">${orgResults()}</div>
    ${err ? `<span class="error" id="err-sender.uscc" role="alert">${esc(err)}</span>` : ''}</div>`;
}

let orgSearchSeq = 0;
async function refreshOrganisations(q: string) {
  const seq = ++orgSearchSeq;
  const found = await searchOrganisations(q);
  if (seq !== orgSearchSeq) return; // a later keystroke's search answers instead
  orgSearch = found;
  for (const o of found.organisations) knownOrganisations.set(o.uscc, o);
  const box = document.getElementById('org-results');
  if (box) box.innerHTML = orgResults();
}

/** What to write instead of 礼品: concrete descriptions by goods class, the declared class first. */
function vagueHelp(): string {
  const cats = Object.keys(CONCRETE_DESCRIPTIONS).sort((a, b) => Number(b === draft.category) - Number(a === draft.category));
  return `<div class="vague-help" id="vague-help" role="group" aria-label="${esc(t('vagueHelp'))}"><p>${esc(t('vagueHelp'))}</p>${cats
    .map(
      (c) => `<div class="vh-cat"><span class="vh-name">${esc(pick(CATEGORY_NAMES[c], c))}</span>${pick(CONCRETE_DESCRIPTIONS[c], '')
        .split('|')
        .map((d) => `<button type="button" class="chip" data-act="concrete" data-category="${esc(c)}" data-description="${esc(d)}">${esc(d)}</button>`)
        .join('')}</div>`,
    )
    .join('')}</div>`;
}

/** The camera's viewfinder, on every screen a scan may start from (the waybill step, the verdict). */
const scannerBox = () => `<div class="scanner" id="scanner" hidden><video id="video" muted playsinline></video><div class="viewfinder"></div>
  <p class="scan-status" id="scan-status">${esc(t('scanning'))}</p>
  <div class="scan-actions"><button type="button" class="secondary" data-act="torch" id="torch" hidden>${esc(t('torch'))}</button><button type="button" class="secondary" data-act="stop-scan">${esc(t('stopScan'))}</button></div></div>`;

/** The newest intake in the outbox (the device keeps what it sent): "same sender as last" copies its sender. */
let lastSent: QueuedIntake | undefined;
/** Classes this device declared most recently, offered as one-tap choices (not personal data: kept in localStorage). */
const recentCategories = (): string[] => {
  const kept = JSON.parse(localStorage.getItem('pg.recentCategories') ?? '[]') as string[];
  return [...new Set([...kept, 'clothing', 'shoes', 'electronics', 'food'])].filter((c) => (GOODS_CATEGORIES as readonly string[]).includes(c)).slice(0, 4);
};

function categoryField(): string {
  const chosenProhibited = isProhibitedCategory(draft.category);
  const goods = GOODS_CATEGORIES.map((c) => [c, pick(CATEGORY_NAMES[c], c)] as [string, string]);
  const options = [['', '—'], ...goods].map(([v, l]) => `<option value="${esc(v)}"${draft.category === v ? ' selected' : ''}>${esc(l)}</option>`).join('');
  const banned = PROHIBITED_CATEGORIES.map((c) => `<option value="${esc(c)}"${draft.category === c ? ' selected' : ''}>${esc(prohibitedName(c))}</option>`).join('');
  const select = `<select name="category" data-path="declared.category"${errors['declared.category'] ? ' aria-invalid="true" aria-describedby="err-declared.category"' : ''}>${options}<optgroup label="${esc(ft('prohibitedGroup'))}">${banned}</optgroup></select>`;
  const recent = `<div class="chips" role="group" aria-label="${esc(ft('recentCategories'))}">${recentCategories()
    .map((c) => `<button type="button" class="chip${draft.category === c ? ' picked' : ''}" data-act="category" data-category="${esc(c)}" aria-pressed="${draft.category === c}">${esc(pick(CATEGORY_NAMES[c], c))}</button>`)
    .join('')}</div>`;
  // 禁寄物品: large choices, Chinese first; picking one declares it, and the verdict is a refusal (PROHIBITED_ITEM).
  const prohibited = `<details class="prohibited" id="prohibited"><summary>${esc(ft('prohibitedHeading'))}</summary><ul class="prohibited-list">${PROHIBITED_CATEGORIES.map(
    (c) => `<li><button type="button" class="prohibited-choice${draft.category === c ? ' picked' : ''}" data-act="category" data-category="${esc(c)}" aria-pressed="${draft.category === c}">${esc(prohibitedName(c))}</button></li>`,
  ).join('')}</ul></details>`;
  return (
    field('declared.category', t('category'), select) +
    recent +
    (chosenProhibited ? `<p class="banner error" id="prohibited-chosen" role="status">${esc(ft('prohibitedChosen'))}：${esc(prohibitedName(draft.category))}</p>` : '') +
    prohibited
  );
}

const scanButton = (label: string) =>
  `<button type="button" class="secondary big" data-act="scan" id="scan-button"><svg class="i" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h3l2-3h6l2 3h3v13H4z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/><circle cx="12" cy="13" r="4" fill="none" stroke="currentColor" stroke-width="2"/></svg> ${esc(label)}</button>`;

function stepForm(step: number): string {
  const nav = `<div class="nav">${step > 0 ? `<button type="button" class="secondary" data-act="back">${esc(t('back'))}</button>` : ''}<button type="submit" class="primary">${esc(step === 4 ? t('submit') : t('next'))}</button></div>`;
  const progress = `<ol class="steps">${STEPS.map((k, i) => `<li class="${i === step ? 'current' : i < step ? 'done' : ''}">${esc(t(k))}</li>`).join('')}</ol>`;
  let body = '';
  if (step === 0) {
    body =
      field('waybillNo', t('waybillNo'), text('waybillNo', 'waybillNo', 'autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus inputmode="text"'), t('waybillHint')) +
      `<div class="scan-row">${scanButton(t('scan'))}</div>${scannerBox()}` +
      field('carrier', t('carrier'), select('carrier', [['', t('carrierAuto')], ...CARRIERS.map((c) => [c, carrierName(c)] as [string, string])]));
  } else if (step === 1) {
    const org = draft.senderKind === 'organisation';
    const at = org ? 'sender.handler' : 'sender';
    body =
      (lastSent && !draft.idNumber ? `<div class="nav"><button type="button" class="secondary big" data-act="same-sender" id="same-sender">${esc(ft('sameSender'))}</button></div>` : '') +
      `<fieldset><legend>${esc(t('senderKind'))}</legend>${radios('senderKind', [['person', t('senderPerson')], ['organisation', t('senderOrganisation')]])}</fieldset>` +
      (org ? orgPicker() + `<h2 class="subhead" id="handler-heading">${esc(t('handlerHeading'))}</h2>` : '') +
      field(`${at}.idType`, t('idType'), select('idType', ID_TYPES.map((id) => [id, pick(ID_TYPE_NAMES[id], id)]))) +
      // The cursor on the number (the type is nearly always 居民身份证): typing starts at once.
      field(`${at}.idNumber`, t('idNumber'), text(`${at}.idNumber`, 'idNumber', `autocomplete="off" autocapitalize="characters" spellcheck="false" enterkeyhint="next"${org && !draft.orgUscc ? '' : ' autofocus'}`)) +
      (senderFound ? `<p class="hint found" id="sender-found" role="status">✓ ${esc(ft('senderFound'))}</p>` : '') +
      (draft.idType === 'PASSPORT' ? field(`${at}.idIssuingCountry`, t('issuingCountry'), text(`${at}.idIssuingCountry`, 'idIssuingCountry', 'maxlength="3" autocapitalize="characters"')) : '') +
      field(`${at}.name`, t('name'), text(`${at}.name`, 'senderName', 'autocomplete="off"')) +
      field(`${at}.phone`, t('phone'), text(`${at}.phone`, 'phone', 'type="tel" inputmode="tel" autocomplete="off"')) +
      (org ? '' : field('sender.address', t('address'), text('sender.address', 'address', 'autocomplete="off"')));
  } else if (step === 2) {
    body =
      // The destination is the last parcel's (kept on the device): the cursor starts on the consignee when it is set.
      field('recipient.country', t('country'), `${text('recipient.country', 'country', `list="countries" maxlength="2" autocapitalize="characters"${isCountry(draft.country.toUpperCase()) && !errors['recipient.country'] ? '' : ' autofocus'}`)}<datalist id="countries">${DESTINATIONS.map((c) => `<option value="${c}">${esc(countryName(c))}</option>`).join('')}</datalist>`, isCountry(draft.country.toUpperCase()) ? countryName(draft.country.toUpperCase()) : '') +
      field('recipient.name', t('recipientName'), text('recipient.name', 'rName', `autocomplete="off"${isCountry(draft.country.toUpperCase()) && !errors['recipient.country'] ? ' autofocus' : ''}`)) +
      field('recipient.phone', t('recipientPhone'), text('recipient.phone', 'rPhone', 'type="tel" inputmode="tel" autocomplete="off"')) +
      field('recipient.address', t('recipientAddress'), text('recipient.address', 'rAddress', 'autocomplete="off"')) +
      field('declared.description', t('description'), text('declared.description', 'description', 'autocomplete="off"')) +
      (errors['declared.description'] && isVagueWord(draft.description) ? vagueHelp() : '') +
      categoryField() +
      `<div class="pair">${field('declared.quantity', t('quantity'), text('declared.quantity', 'quantity', 'inputmode="numeric"'))}${field('declared.valueCny', t('valueCny'), text('declared.valueCny', 'valueCny', 'inputmode="decimal"'))}</div>` +
      field('declared.brand', t('brand'), text('declared.brand', 'brand', 'autocomplete="off"'));
  } else if (step === 3) {
    body =
      `<fieldset><legend>${esc(t('stepInspect'))}</legend>${radios('inspection', [['performed', t('inspected')], ['refused', t('refused')]], true)}</fieldset>` +
      (draft.inspection === 'performed' ? `<fieldset><legend class="sr-only">${esc(t('matches'))}</legend>${radios('contentsMatch', [['yes', t('matches')], ['no', t('mismatch')]])}</fieldset>` : '') +
      field('inspection.notes', t('notes'), `<textarea name="notes" rows="2">${esc(draft.notes)}</textarea>`) +
      field('inspection.photoIds', t('photos'), `<input type="file" name="photos" accept="image/*" capture="environment" multiple>`) +
      `<div class="thumbs" id="thumbs">${draft.photos.map((p, i) => `<img alt="${i + 1}" data-photo="${i}" src="${URL.createObjectURL(p)}">`).join('')}</div>`;
  } else {
    body =
      `<fieldset><legend>${esc(t('screeningResult'))}</legend>${radios('screening', [['clear', t('clear')], ['suspect', t('suspect')], ['prohibited', t('prohibited')]], true)}</fieldset>` +
      field('screening.machineId', t('machineId'), text('screening.machineId', 'machineId', 'autocomplete="off"'));
  }
  // A refusal about no one field (a waybill taken in already) is said in the banner itself.
  const problems = Object.keys(errors).length ? `<p class="banner error" id="form-problem" role="alert">${esc(errors[''] ?? t('fixErrors'))}</p>` : '';
  return `${progress}<form id="step-form" novalidate>${problems}${body}${nav}</form>`;
}

function verdictView(item: QueuedIntake): string {
  const r = item.result!;
  const icon = { accepted: '✓', held: '⏸', rejected: '✕' }[r.verdict];
  const next = { accepted: t('nextAccepted'), held: t('nextHeld'), rejected: t('nextRejected') }[r.verdict];
  const customs = r.customsInspection?.selected
    ? `<div class="customs" id="customs-banner" role="status"><span class="icon">⚑</span><div><strong>${esc(t('customsSelected'))}</strong><p>${esc(t('nextCustoms'))}</p><small>${esc(r.customsInspection.routeKey)} · ${Math.round(r.customsInspection.rate * 100)}%</small></div></div>`
    : '';
  return `<section class="verdict v-${r.verdict}" id="verdict" data-verdict="${r.verdict}" data-customs="${r.customsInspection?.selected ? 'selected' : 'no'}" role="status" aria-live="assertive">
      <div class="verdict-head"><span class="icon" aria-hidden="true">${icon}</span><h1>${esc(t(r.verdict))}</h1></div>
      <p class="waybill">${esc(r.parcel.waybillNo)}</p>
      <p class="todo">${esc(next)}</p>
      ${item.recovered ? `<p class="recovered" id="verdict-recovered">${esc(ft('recovered'))}</p>` : ''}
    </section>
    ${customs}
    ${r.verdict === 'held' ? `<div class="nav"><button type="button" class="secondary big" data-act="holds" id="see-holds">${esc(t('seeMyHolds'))}</button></div>` : ''}
    ${r.reasons.length ? `<h2>${esc(t('reasons'))}</h2><ul class="reasons">${r.reasons.map((x) => `<li data-code="${esc(x.code)}">${esc(say(x))}</li>`).join('')}</ul>` : ''}
    <div class="nav"><button type="button" class="primary big" data-act="new" autofocus>${esc(t('newParcel'))}</button></div>
    ${nextScan()}`;
}

/** From the verdict on, a scan starts the next parcel: the camera here, a wedge scanner anywhere (see scanned()). */
const nextScan = () => `<div class="scan-row next-scan">${scanButton(ft('scanNext'))}</div><p class="hint" id="scan-next-hint">${esc(ft('scanNextHint'))}</p>${scannerBox()}`;

async function queueView(): Promise<string> {
  const items = (await listQueue()).reverse();
  const label = { waiting: t('stateWaiting'), sending: t('stateSending'), done: t('stateDone'), 'needs-fix': t('stateNeedsFix') };
  return `<h1>${esc(t('queue'))}</h1>${
    items.length
      ? `<ul class="queue" id="queue-list">${items
          .map(
            (i) => `<li class="q-${i.state}" data-id="${esc(i.id)}" data-state="${i.state}">
              <div class="q-main"><strong>${esc(i.body.waybillNo)}</strong><span class="q-state">${esc(label[i.state])}${i.result ? ` · <b class="v-text-${i.result.verdict}">${esc(t(i.result.verdict))}</b>${i.result.customsInspection?.selected ? ` · ${esc(t('customsSelected'))}` : ''}` : ''}</span></div>
              <small>${esc(new Date(i.createdAt).toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en'))}${i.lastError && i.state !== 'done' ? ` · ${esc(i.lastError === NETWORK_ERROR ? t('noNetwork') : currentLang() === 'zh' ? (i.lastErrorZh ?? ft('serverRefused')) : i.lastError)}` : ''}</small>
              ${i.errors ? `<ul class="q-errors">${i.errors.map((e) => `<li data-path="${esc(e.path)}" data-code="${esc(e.code)}">${esc(currentLang() === 'zh' ? (e.messageZh ?? t('stateNeedsFix')) : e.message)}</li>`).join('')}</ul>` : ''}
              <div class="q-actions">${i.state === 'done' ? `<button type="button" class="secondary" data-act="show" data-id="${esc(i.id)}">${esc(t('reasons'))}</button>` : ''}${
                i.state === 'needs-fix' ? `<button type="button" class="secondary" data-act="fix" data-id="${esc(i.id)}">${esc(t('back'))}</button>` : ''
              }</div></li>`,
          )
          .join('')}</ul>`
      : `<p class="empty">${esc(t('queueEmpty'))}</p>`
  }<div class="nav"><button type="button" class="secondary" data-act="retry">${esc(t('retryNow'))}</button><button type="button" class="primary" data-act="close-queue">${esc(t('close'))}</button></div>`;
}

/** Whether the last paint was the holds list: its new decisions stay marked while it is open, seen once left. */
let holdsOnScreen = false;

async function render() {
  stopScanner();
  keepDecideInput();
  // Marked seen when the courier leaves the list, not when it is painted: a refresh or a live update repaints it
  // at once, and the "new" marks must not vanish before anyone has read them.
  if (holdsOnScreen && screen.name !== 'holds') await seeDecisions();
  holdsOnScreen = screen.name === 'holds';
  if (screen.name === 'intake' && screen.step === 1) lastSent = user ? (await listOwnQueue(user.username)).at(-1) : undefined;
  let main = '';
  if (screen.name === 'login') {
    main = `<form id="login-form" class="login" novalidate><h1>${esc(t('login'))}</h1>
      ${field('username', t('username'), '<input name="username" autocomplete="username" autocapitalize="none" autofocus>')}
      ${field('password', t('password'), '<input name="password" type="password" autocomplete="current-password">')}
      <p class="banner error" id="login-error" role="alert" hidden></p>
      <div class="nav"><button type="submit" class="primary big">${esc(t('login'))}</button></div></form>`;
  } else if (screen.name === 'intake') main = (screen.step === 0 ? holdsBadgeHtml() : '') + stepForm(screen.step);
  else if (screen.name === 'holds') main = holdsScreen({ snapshot: holds, online: isOnline(), failed: holdsFailed, deciding, ...(holdsMessage ? { message: holdsMessage } : {}) }, !isSupervisor());
  else if (screen.name === 'verdict') main = verdictView(screen.item);
  else if (screen.name === 'queued') main = `<section class="verdict v-queued" id="verdict" data-verdict="queued" role="status"><div class="verdict-head"><span class="icon">⇪</span><h1>${esc(t('queued'))}</h1></div><p class="todo">${esc(t('queuedNext'))}</p></section><div class="nav"><button type="button" class="primary big" data-act="new" autofocus>${esc(t('newParcel'))}</button></div>${nextScan()}`;
  else main = await queueView();
  app.innerHTML = `${header()}<div id="notices">${notices.map(decisionNotice).join('')}</div><main>${main}</main>`;
  (app.querySelector('[autofocus]') as HTMLElement | null)?.focus();
  if (screen.name === 'intake') keepDraft();
  // The organisation picker's first list: the approved organisations (or those kept on the device, offline).
  if (screen.name === 'intake' && screen.step === 1 && draft.senderKind === 'organisation' && (!orgSearch || orgSearch.offline)) void refreshOrganisations(draft.orgQuery);
  void updateQueueCount();
}

async function updateQueueCount() {
  const el = document.getElementById('queue-count');
  if (!el) return;
  const pending = (await listQueue()).filter((i) => i.state !== 'done').length;
  el.textContent = String(pending);
  el.className = pending ? 'count pending' : 'count';
}

// ---- my holds (我的暂扣) ------------------------------------------------------------------------------------

let holds: HoldsSnapshot = emptySnapshot('');
/** The last refresh could not get the list although the browser says online (server down, 5xx). */
let holdsFailed = false;
let holdsMessage = '';
let deciding: Deciding | null = null;
let outlet: OutletLive | null = null;
/** Decisions that arrived while this device was watching, shown until dismissed. */
let notices: Hold[] = [];

const holdsBadgeHtml = () => (user ? holdsBadge(pendingCount(holds), unseenDecisions(holds).length) : '');

/** The badge, the list or the notices again, without disturbing a form being filled in. */
async function paintHolds() {
  if (screen.name === 'holds') {
    keepDecideInput();
    return render();
  }
  const badge = document.getElementById('holds-button');
  if (badge) badge.outerHTML = holdsBadgeHtml();
  const box = document.getElementById('notices');
  if (box) box.innerHTML = notices.map(decisionNotice).join('');
}

async function seeDecisions() {
  if (!unseenDecisions(holds).length) return;
  holds = markAllSeen(holds);
  await saveSnapshot(holds);
}

function announce(decided: Hold[]) {
  if (!decided.length) return;
  notices = [...decided, ...notices.filter((n) => !decided.some((d) => d.parcelId === n.parcelId))].slice(0, 3);
  // A buzz in the pocket: the parcel on the shelf may move now (or must go somewhere else).
  navigator.vibrate?.([200, 100, 200]);
}

async function reloadHolds() {
  if (!user) return;
  const username = user.username;
  const r = await refreshHolds(username);
  if (user?.username !== username) return;
  holds = r.snapshot;
  if (r.outcome === 'offline') reachable = false;
  else if (r.outcome === 'ok') reachable = true;
  holdsFailed = r.outcome === 'error';
  announce(r.decidedNow);
  showNetwork();
  if (r.outcome === 'unauthenticated') return signedOut();
  await paintHolds();
}

async function onLiveHold(hold: Hold) {
  if (!user) return;
  const merged = mergeHold(holds, hold);
  holds = merged.snapshot;
  await saveSnapshot(holds);
  if (merged.decidedNow) announce([hold]);
  await paintHolds();
}

async function startHolds() {
  if (!user) return;
  holds = await loadSnapshot(user.username);
  await paintHolds();
  void reloadHolds();
  const who = user;
  // 拦截件: the outlet's interception orders, beside the screen (interceptions.ts)
  void (interceptionsModule ??= import('./interceptions.js')).then((m) => m.startInterceptions(who));
  // 批量: a contract customer's batch file, beside the screen (batch.ts)
  void (batchModule ??= import('./batch.js')).then((m) => m.startBatch(who));
  // Couriers and outlet supervisors listen to their outlet; each (re)connect reloads the list.
  if (!outlet && (user.role === 'courier' || isSupervisor())) outlet = await connectOutlet({ connect: () => void reloadHolds(), hold: (h) => void onLiveHold(h), state: () => undefined });
}

function stopHolds() {
  // After any start still loading: the same promise orders them.
  void interceptionsModule?.then((m) => m.stopInterceptions());
  void batchModule?.then((m) => m.stopBatch());
  outlet?.close();
  outlet = null;
  holds = emptySnapshot('');
  notices = [];
  deciding = null;
}

function keepDecideInput() {
  const form = document.getElementById('decide-form') as HTMLFormElement | null;
  if (!form || !deciding) return;
  deciding.note = (form.elements.namedItem('note') as HTMLTextAreaElement).value;
  const d = form.querySelector<HTMLInputElement>('input[name="disposition"]:checked');
  if (d) deciding.disposition = d.value as Deciding['disposition'] & string;
}

async function submitDecision() {
  keepDecideInput();
  const d = deciding;
  const hold = d && holds.holds.find((h) => h.parcelId === d.parcelId);
  if (!d || !hold) return;
  if (!d.note.trim()) d.error = t('noteRequired');
  else if (d.action === 'refuse' && !d.disposition) d.error = t('dispositionRequired');
  else {
    d.busy = true;
    d.error = undefined;
    await render();
    const r = await decideHold(hold.waybillNo, d.action, d.note.trim(), d.disposition);
    d.busy = false;
    if (r.ok) {
      deciding = null;
      holds = mergeHold(holds, r.hold).snapshot;
      await saveSnapshot(holds);
    } else if (r.code === 'HOLD_ALREADY_DECIDED' || r.code === 'NOT_HELD') {
      deciding = null;
      holdsMessage = t('alreadyDecided');
      await reloadHolds();
    } else d.error = r.status === 0 ? t('decideOffline') : currentLang() === 'zh' && r.detailZh ? r.detailZh : r.detail;
  }
  await render();
}

function signedOut() {
  stopHolds();
  user = null;
  localStorage.removeItem('pg.user');
  screen = { name: 'login' };
  return render();
}

// ---- behaviour -------------------------------------------------------------------------------------------

/** Sends the outbox and notes whether the server could be reached. */
async function send(onChange: () => void) {
  const outcome = await flush(onChange);
  if (outcome !== 'idle') {
    reachable = outcome !== 'offline';
    showNetwork();
  }
  return outcome;
}

function readForm(form: HTMLFormElement) {
  for (const el of Array.from(form.elements) as HTMLInputElement[]) {
    if (!el.name || !(el.name in draft) || el.type === 'file') continue;
    if (el.type === 'radio' && !el.checked) continue;
    (draft as Record<string, unknown>)[el.name] = el.value;
  }
}

/** An intake being sent: a second tap (or Enter) meanwhile does nothing, and the draft's key makes any resend the same request. */
let submitting = false;

async function submitIntake() {
  if (submitting) return;
  submitting = true;
  try {
    localStorage.setItem('pg.machineId', draft.machineId);
    const sent = draft;
    const item = await enqueue(bodyOf(sent), sent.photos, sent.key, user?.username);
    // In the outbox now (which keeps it, photos and all): the draft's copy of the personal data goes.
    clearTimeout(draftSaving);
    await clearDraft();
    const button = app.querySelector<HTMLButtonElement>('#step-form button[type=submit]');
    if (button) {
      button.textContent = t('sending');
      button.setAttribute('aria-disabled', 'true');
    }
    await send(() => void updateQueueCount());
    const after = (await getQueued(item.id))!;
    if (after.state === 'needs-fix') {
      await removeQueued(after.id);
      screen = correcting(after.errors ?? []);
    } else {
      // What the next parcel starts from: the destination, and the class among the one-tap choices.
      localStorage.setItem('pg.country', sent.country.trim().toUpperCase());
      if (!isProhibitedCategory(sent.category)) localStorage.setItem('pg.recentCategories', JSON.stringify([sent.category, ...recentCategories().filter((c) => c !== sent.category)].slice(0, 4)));
      draft = emptyDraft();
      errors = {};
      screen = after.state === 'done' ? { name: 'verdict', item: after } : { name: 'queued' };
    }
    await render();
  } finally {
    submitting = false;
  }
}

// ---- the draft kept through a reload ---------------------------------------------------------------------

/** Whether the courier has entered anything past the waybill (a scan then starts a new intake only if not). */
const draftInProgress = () => !!(draft.idNumber.trim() || draft.senderName.trim() || draft.orgUscc || draft.rName.trim() || draft.description.trim() || draft.photos.length);

let draftSaving: ReturnType<typeof setTimeout> | undefined;
/** Saved a moment after the last change, in the outbox's IndexedDB (queue.ts): it holds the same personal data. */
function keepDraft() {
  clearTimeout(draftSaving);
  draftSaving = setTimeout(() => void persistDraft(), 250);
}
async function persistDraft() {
  if (!user || screen.name !== 'intake' || submitting) return;
  const form = document.getElementById('step-form') as HTMLFormElement | null;
  if (form) readForm(form);
  if (!draft.waybillNo.trim() && !draftInProgress()) return clearDraft();
  await saveDraft({ username: user.username, step: screen.step, draft: { ...draft } });
}

/** Back to the intake a reload interrupted: only the same courier's, and only on the intake screens. */
async function restoreDraft() {
  const saved = await loadDraft().catch(() => undefined);
  if (!saved) return;
  if (!user || saved.username !== user.username || isSupervisor()) return void (await clearDraft());
  draft = { ...emptyDraft(), ...(saved.draft as Partial<Draft>) };
  if (screen.name === 'intake') screen = { name: 'intake', step: saved.step };
}

// ---- a scan, from any screen ------------------------------------------------------------------------------

/** A waybill read (camera or wedge scanner): the next intake starts with it, or the one at hand takes it. */
async function scanned(code: string) {
  if (!user || isSupervisor()) return;
  stopScanner();
  const form = document.getElementById('step-form') as HTMLFormElement | null;
  if (form && screen.name === 'intake') readForm(form);
  if (!(screen.name === 'intake' && draftInProgress())) draft = emptyDraft();
  draft.waybillNo = code.trim();
  errors = {};
  senderFound = false;
  if (location.hash === '#holds') history.replaceState(null, '', location.pathname);
  deciding = null;
  screen = { name: 'intake', step: 0 };
  await render();
  return leaveWaybillStep();
}

/** Whether the server has this waybill already: true / false, or null when it cannot say now (checked again at submit). */
async function waybillTaken(waybillNo: string): Promise<boolean | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2500);
  try {
    const res = await fetch(`/api/waybills/${encodeURIComponent(waybillNo.trim())}/status`, { credentials: 'same-origin', signal: abort.signal });
    if (!res.ok) return null;
    return ((await res.json()) as { taken: boolean }).taken;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

let checkingWaybill = false;
/** Step ① done: the waybill checked by its rules, then with the server, so a label used twice is caught at the scan. */
async function leaveWaybillStep() {
  errors = validateStep(0, draft);
  if (Object.keys(errors).length || checkingWaybill) return render();
  checkingWaybill = true;
  const hint = document.querySelector('#step-form .field .hint');
  if (hint) hint.textContent = ft('checkingWaybill');
  const wb = draft.waybillNo;
  const taken = await waybillTaken(wb).finally(() => (checkingWaybill = false));
  if (screen.name !== 'intake' || screen.step !== 0 || draft.waybillNo !== wb) return;
  if (taken) {
    errors = { waybillNo: ft('waybillTaken') };
    await render();
    return document.querySelector<HTMLInputElement>('input[name="waybillNo"]')?.select();
  }
  screen = { name: 'intake', step: 1 };
  return render();
}

// ---- a returning sender ----------------------------------------------------------------------------------

/** The sender step says "found" after a look-up filled it, until the next step. */
let senderFound = false;

type SenderOf = { idType: IdType; idNumber: string; name: string; phone: string; address?: string; idIssuingCountry?: string; phoneMasked?: string };
const senderOfBody = (body: QueuedIntake['body']): SenderOf => {
  const s = body.sender as SenderOf | { kind: 'organisation'; handler: SenderOf };
  return 'kind' in s ? s.handler : s;
};

/**
 * The sender of this ID number as this device last took them in (its outbox keeps what it sent): name, phone
 * and address filled where still empty. Nothing leaves the device for it.
 */
async function fillKnownSender(form: HTMLFormElement): Promise<boolean> {
  const number = draft.idNumber.trim().toUpperCase();
  if (!number || !checkDocument(draft.idType, number).ok) return false;
  const known = (user ? await listOwnQueue(user.username) : []).reverse().map((i) => senderOfBody(i.body)).find((x) => x.idType === draft.idType && x.idNumber.toUpperCase() === number) ?? (await archivedSender(draft.idType, number));
  if (!known || draft.idNumber.trim().toUpperCase() !== number) return false;
  for (const [name, value] of [['senderName', known.name], ['phone', known.phone], ['address', known.address ?? ''], ['idIssuingCountry', known.idIssuingCountry ?? '']] as const) {
    const el = form.elements.namedItem(name) as HTMLInputElement | null;
    if (el && !el.value.trim() && value) {
      el.value = value;
      (draft as Record<string, unknown>)[name] = value;
      if (document.activeElement === el) el.select(); // the courier's next keys replace it rather than add to it
    }
  }
  // From the outlet's archive the phone comes masked (a courier's view): it is typed, the old one shown as a hint.
  const phone = form.elements.namedItem('phone') as HTMLInputElement | null;
  if (phone && !phone.value && known.phoneMasked) phone.placeholder = known.phoneMasked;
  senderFound = true;
  if (!document.getElementById('sender-found')) form.querySelector('input[name="idNumber"]')?.closest('label')?.insertAdjacentHTML('afterend', `<p class="hint found" id="sender-found" role="status">✓ ${esc(ft('senderFound'))}</p>`);
  return true;
}

/** The outlet's archive on the server (POST /api/senders/returning): name and address, the phone masked. */
async function archivedSender(idType: IdType, idNumber: string): Promise<SenderOf | undefined> {
  if (!isOnline()) return undefined;
  const res = await fetch('/api/senders/returning', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ idType, idNumber }),
  }).catch(() => null);
  if (!res?.ok) return undefined;
  const found = ((await res.json()) as { sender: { name: string; phone: string | null; address: string | null } | null }).sender;
  return found ? { idType, idNumber, name: found.name, phone: '', address: found.address ?? '', phoneMasked: found.phone ?? '' } : undefined;
}

/** 与上一件同寄件人: the last intake's sender (person or organisation with its handler), then on to the parcel. */
async function sameSenderAsLast() {
  const last = user ? (await listOwnQueue(user.username)).at(-1) : undefined;
  if (!last || screen.name !== 'intake') return;
  const from = draftOf(last);
  for (const k of ['senderKind', 'orgUscc', 'orgName', 'idType', 'idNumber', 'idIssuingCountry', 'senderName', 'phone', 'address'] as const) (draft as Record<string, unknown>)[k] = from[k];
  errors = validateStep(1, draft);
  screen = { name: 'intake', step: Object.keys(errors).length ? 1 : 2 };
  return render();
}

app.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  if (form.id === 'login-form') {
    const data = new FormData(form);
    const res = await fetch('/api/session', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: data.get('username'), password: data.get('password') }),
    }).catch(() => null);
    if (!res?.ok) {
      const el = document.getElementById('login-error')!;
      el.hidden = false;
      el.textContent = res ? t('loginFailed') : t('offline');
      return;
    }
    user = ((await res.json()) as { user: User }).user;
    localStorage.setItem('pg.user', JSON.stringify(user));
    screen = homeScreen();
    await restoreDraft(); // this courier's unfinished intake (a session that expired mid-intake); anyone else's goes
    if (!isSupervisor()) void send(() => void updateQueueCount());
    await render();
    return startHolds();
  }
  if (form.id === 'decide-form') return submitDecision();
  if (form.id === 'step-form' && screen.name === 'intake') {
    readForm(form);
    const step = screen.step;
    if (step === 4 && submitting) return; // a second tap on 提交并判定 while the first is on its way
    if (step === 0) return leaveWaybillStep();
    errors = validateStep(step, draft);
    if (Object.keys(errors).length) return render();
    if (step < 4) {
      if (step === 1) senderFound = false;
      screen = { name: 'intake', step: step + 1 };
      return render();
    }
    await submitIntake();
  }
});

// Live checks: a field is checked when the courier leaves it, with the rules used on submit.
app.addEventListener('focusout', (ev) => {
  const el = ev.target as HTMLInputElement;
  const form = el.form;
  if (!form || form.id !== 'step-form' || screen.name !== 'intake' || !el.dataset.path || !el.value.trim()) return;
  readForm(form);
  const found = validateStep(screen.step, draft)[el.dataset.path];
  const label = el.closest('label')!;
  label.classList.toggle('invalid', !!found);
  label.querySelector('.error')?.remove();
  if (found) {
    el.setAttribute('aria-invalid', 'true');
    label.insertAdjacentHTML('beforeend', `<span class="error" role="alert">${esc(found)}</span>`);
  } else el.removeAttribute('aria-invalid');
  // A vague description abroad: the concrete choices right under the field (leaving another field keeps them).
  if (el.dataset.path === 'declared.description') {
    document.getElementById('vague-help')?.remove();
    if (found && isVagueWord(draft.description)) label.insertAdjacentHTML('afterend', vagueHelp());
  }
});

// Enter moves to the next field, as a phone keyboard's "next" key does; it advances the step only once the
// step is complete (or from its last field). The waybill's Enter (a wedge scanner's) and a choice's still go on.
app.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter' || ev.isComposing || screen.name !== 'intake') return;
  const el = ev.target as HTMLInputElement | HTMLSelectElement;
  const form = el.form;
  if (!form || form.id !== 'step-form' || !(el instanceof HTMLInputElement || el instanceof HTMLSelectElement) || el.name === 'waybillNo') return;
  if (['radio', 'checkbox', 'file', 'submit', 'button'].includes(el.type)) return;
  ev.preventDefault();
  readForm(form);
  // The focus moves now, not after a look-up: the next keys typed belong to the next field.
  const fields = Array.from(form.querySelectorAll<HTMLInputElement>('input:not([type=radio]):not([type=file]):not([type=hidden]), select, textarea')).filter((f) => !f.disabled && f.offsetParent !== null);
  const next = fields[fields.indexOf(el as HTMLInputElement) + 1];
  if (!Object.keys(validateStep(screen.step, draft)).length || !next) return form.requestSubmit();
  next.focus();
  if (next instanceof HTMLInputElement) next.select();
  // A returning sender: the ID number fills in what this device knows of them (only fields still empty).
  if (el.name === 'idNumber') void fillKnownSender(form);
});

// A wedge scanner types a code and Enter faster than anyone: outside a text field (the verdict, the lists),
// that is a scan, and it starts the next intake instead of being lost on a button.
let scanKeys = '';
let scanKeyAt = 0;
document.addEventListener(
  'keydown',
  (ev) => {
    if (!user || isSupervisor() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if ((ev.target as HTMLElement).closest?.('input, textarea, select, [contenteditable="true"]')) return;
    const now = performance.now();
    if (now - scanKeyAt > 100) scanKeys = '';
    scanKeyAt = now;
    if (ev.key === 'Enter' && scanKeys.length >= 6) {
      ev.preventDefault();
      ev.stopPropagation();
      const code = scanKeys;
      scanKeys = '';
      void scanned(code);
    } else if (ev.key.length === 1) scanKeys += ev.key;
  },
  true,
);

// The waybill field selects what it holds when focused: a wedge scanner's read replaces it rather than adding to it.
app.addEventListener('focusin', (ev) => {
  const el = ev.target as HTMLInputElement;
  if (el.name === 'waybillNo') el.select();
});

// Every change to the form is kept (debounced) so a reload comes back to it.
app.addEventListener('input', () => {
  if (screen.name === 'intake') keepDraft();
});

// The organisation search, as the courier types (a short pause between keys sends one request).
let orgTyping: ReturnType<typeof setTimeout> | undefined;
app.addEventListener('input', (ev) => {
  const el = ev.target as HTMLInputElement;
  if (el.name !== 'orgQuery' || screen.name !== 'intake') return;
  draft.orgQuery = el.value;
  clearTimeout(orgTyping);
  orgTyping = setTimeout(() => void refreshOrganisations(el.value), 250);
});

app.addEventListener('change', (ev) => {
  const el = ev.target as HTMLInputElement;
  if (el.type === 'file' && el.files) {
    draft.photos = [...draft.photos, ...Array.from(el.files)].slice(0, 10);
    document.getElementById('thumbs')!.innerHTML = draft.photos.map((p, i) => `<img alt="${i + 1}" src="${URL.createObjectURL(p)}">`).join('');
    return;
  }
  if (screen.name === 'intake') keepDraft();
  // Choices that change the form (passport fields, inspection refused) re-render it.
  if (screen.name === 'intake' && ['idType', 'inspection', 'senderKind'].includes(el.name)) {
    readForm(el.form!);
    void render().then(() => (app.querySelector(`[name="${el.name}"]${el.type === 'radio' ? ':checked' : ''}`) as HTMLElement | null)?.focus());
  }
});

app.addEventListener('click', async (ev) => {
  const target = (ev.target as HTMLElement).closest<HTMLElement>('[data-act]');
  if (!target) return;
  const act = target.dataset.act;
  if (act === 'lang') {
    const form = document.getElementById('step-form') as HTMLFormElement | null;
    if (form) readForm(form);
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    return render();
  }
  if (act === 'logout') {
    await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => null);
    // The draft may hold a sender's identity: it does not outlive the session on a shared device.
    clearTimeout(draftSaving);
    draft = emptyDraft();
    await clearDraft();
    await forgetDecided(); // decided intakes' identities leave the device with the courier
    history.replaceState(null, '', location.pathname);
    return signedOut();
  }
  if (act === 'holds') {
    const form = document.getElementById('step-form') as HTMLFormElement | null;
    if (form) readForm(form);
    notices = [];
    holdsMessage = '';
    if (location.hash !== '#holds') history.pushState(null, '', '#holds');
    screen = { name: 'holds' };
    await render();
    return reloadHolds();
  }
  if (act === 'close-holds') {
    history.replaceState(null, '', location.pathname);
    deciding = null;
    screen = { name: 'intake', step: 0 };
    return render();
  }
  if (act === 'dismiss-notice') {
    notices = [];
    return paintHolds();
  }
  if (act === 'decide' && !deciding?.busy) {
    keepDecideInput();
    deciding = { parcelId: target.dataset.parcel!, action: target.dataset.action as Deciding['action'], note: '' };
    holdsMessage = '';
    return render();
  }
  if (act === 'decide-cancel') {
    deciding = null;
    return render();
  }
  if (act === 'pick-org' && screen.name === 'intake') {
    readForm(document.getElementById('step-form') as HTMLFormElement);
    const o = knownOrganisations.get(target.dataset.uscc!);
    if (!o) return;
    draft.orgUscc = o.uscc;
    draft.orgName = o.name;
    delete errors['sender.uscc'];
    await render();
    return document.querySelector<HTMLElement>('[name="idType"]')?.focus();
  }
  if (act === 'same-sender' && screen.name === 'intake') return sameSenderAsLast();
  if (act === 'category' && screen.name === 'intake') {
    readForm(document.getElementById('step-form') as HTMLFormElement);
    draft.category = target.dataset.category!;
    delete errors['declared.category'];
    await render();
    // On to the next field to type: the quantity (its 1 selected, so typing replaces it).
    const next = document.querySelector<HTMLInputElement>('input[name="quantity"]');
    next?.focus();
    return next?.select();
  }
  if (act === 'concrete' && screen.name === 'intake') {
    readForm(document.getElementById('step-form') as HTMLFormElement);
    draft.description = target.dataset.description!;
    draft.category = target.dataset.category!;
    delete errors['declared.description'];
    await render();
    return document.querySelector<HTMLElement>('[name="description"]')?.focus();
  }
  if (act === 'back' && screen.name === 'intake') {
    readForm(document.getElementById('step-form') as HTMLFormElement);
    errors = {};
    screen = { name: 'intake', step: Math.max(0, screen.step - 1) };
    return render();
  }
  if (act === 'new' || act === 'close-queue') {
    if (act === 'new') {
      draft = emptyDraft(); // a new intake, a new key
      errors = {};
    }
    screen = { name: 'intake', step: act === 'new' ? 0 : screen.name === 'intake' ? screen.step : 0 };
    return render();
  }
  if (act === 'queue') {
    const form = document.getElementById('step-form') as HTMLFormElement | null;
    if (form) readForm(form);
    screen = { name: 'queue' };
    return render();
  }
  if (act === 'retry') {
    await send(() => void (screen.name === 'queue' && render()));
    return render();
  }
  if (act === 'show' || act === 'fix') {
    const item = await getQueued(target.dataset.id!);
    if (!item) return;
    if (act === 'show') screen = { name: 'verdict', item };
    else {
      draft = draftOf(item);
      await removeQueued(item.id);
      screen = correcting(item.errors ?? []);
    }
    return render();
  }
  if (act === 'scan') return startScan();
  if (act === 'stop-scan') {
    stopScanner();
    (document.getElementById('scanner') as HTMLElement).hidden = true;
    return;
  }
  if (act === 'torch' && scanner) {
    const on = target.getAttribute('aria-pressed') !== 'true';
    await scanner.setTorch(on).catch(() => undefined);
    target.setAttribute('aria-pressed', String(on));
  }
});

async function startScan() {
  const box = document.getElementById('scanner') as HTMLElement;
  const status = document.getElementById('scan-status')!;
  box.hidden = false;
  try {
    const { startScanner } = await import('./scanner.js');
    scanner = await startScanner(document.getElementById('video') as HTMLVideoElement, (code) => {
      scanner = null;
      box.hidden = true;
      void scanned(code);
    });
    box.dataset.engine = scanner.engine;
    (document.getElementById('torch') as HTMLElement).hidden = !scanner.hasTorch;
  } catch {
    status.textContent = t('cameraUnavailable');
  }
}

function stopScanner() {
  scanner?.stop();
  scanner = null;
}

function showNetwork() {
  const el = document.getElementById('net');
  if (!el) return;
  el.className = `net ${isOnline() ? 'on' : 'off'}`;
  el.textContent = isOnline() ? t('online') : t('offline');
}

/** After a failed send, try again soon and then less often: 1 s, 2 s, 4 s … up to the 15 s heartbeat. */
let backoffMs = 1000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

async function sync() {
  if (!user || !navigator.onLine) return;
  clearTimeout(retryTimer);
  const outcome = await send(() => void updateQueueCount());
  if (screen.name === 'queue') await render();
  if (outcome === 'retry' || outcome === 'offline') {
    retryTimer = setTimeout(() => void sync(), backoffMs);
    backoffMs = Math.min(backoffMs * 2, 15_000);
  } else backoffMs = 1000;
  if (outcome === 'unauthenticated') await signedOut();
}

window.addEventListener('online', () => {
  reachable = true;
  showNetwork();
  void sync();
  void reloadHolds();
});
window.addEventListener('offline', () => {
  showNetwork();
  if (screen.name === 'holds') void render();
});
// The phone's back button leaves the holds list as it came.
window.addEventListener('popstate', () => {
  if (screen.name === 'holds' && location.hash !== '#holds' && !isSupervisor()) {
    deciding = null;
    screen = { name: 'intake', step: 0 };
    void render();
  }
});
setInterval(() => void sync(), 15_000);

setLang(currentLang());
void restoreDraft().then(render).then(() => {
  void sync();
  void startHolds();
});
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('./sw.js', { scope: './' });
