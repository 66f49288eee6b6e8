// 溯源查询: one criterion (an ID number, a phone, a name, an address, a consignee or a waybill), a reason, an
// optional case, across the sender archive and the parcels of the officer's jurisdiction. Masked unless the officer
// asks for full numbers (the roles that may unmask). The query never goes into the address bar or storage: only
// the case does (#/lookup?case=…), so a reload or the browser's history keeps nothing of the person looked up.
import { api, esc, get, qs } from '../api.js';
import { countryName, currentLang, fmtCny, fmtTime, jurisdictionLabel, t, tCode, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { CaseSummary, User } from '../types.js';
import { clearFieldErrors } from './common.js';
import { ID_TYPE_NAMES, idTypeName, p, problemSay, showProblem } from '../strings-privacy.js';
import { PARCEL_STATUS_LABELS } from '../../../server/reports/labels.js';

/** A parcel's status in words, from the server's one table (intercept_requested… too); unknown: the catalogue's word. */
const statusWord = (status: string) => {
  const l = PARCEL_STATUS_LABELS[status];
  return !l ? tCode(status) : currentLang() === 'zh' ? l.zh : l.en.charAt(0).toUpperCase() + l.en.slice(1);
};

const CRITERIA = ['idNumber', 'phone', 'name', 'address', 'consignee', 'waybillNo'] as const;
type Criterion = (typeof CRITERIA)[number];
/** Who may ask for full numbers (server/accounts/access.ts UNMASK_ROLES). */
const UNMASK_ROLES: User['role'][] = ['postal_regulator', 'customs_officer', 'admin'];

type Match = { field: string; score: number; reason: string; reasonZh: string };
type Sender = { id: string; idType: string; idNumber: string; name: string; phone: string | null; address: string | null; firstSeenAt: string; lastSeenAt: string; parcelCount: number; parcelsInScope: number; matches: Match[] };
type Parcel = {
  waybillNo: string; createdAt: string; outletId: string; regionCode: string; crossBorder: boolean; verdict: string; status: string;
  sender: { id: string; idType: string; idNumber: string; name: string; phone: string; address: string };
  recipient: { name: string; phone: string | null; address: string; country: string };
  declared: { description: string; category: string; valueCny: number };
  matches: Match[];
};
type Result = { criterion: Criterion; masked: boolean; senders: Sender[]; parcels: Parcel[]; truncated: boolean };

const critName = (c: string) => t(`crit_${c}` as Key);
/** Where a match was found, as the server names the field. */
const FIELDS = ['idNumber', 'sender.name', 'sender.phone', 'sender.address', 'recipient.name', 'recipient.phone', 'recipient.address', 'waybillNo'] as const;
const fieldName = (f: string) => ((FIELDS as readonly string[]).includes(f) ? p(`f_${f as (typeof FIELDS)[number]}`) : f);

export function renderLookup(ctx: PageContext, params: URLSearchParams) {
  const { main, user } = ctx;
  const caseParam = params.get('case');
  const mayUnmask = UNMASK_ROLES.includes(user.role);
  let criterion: Criterion = 'name';
  let cases: CaseSummary[] = [];

  main.innerHTML = `
    <p id="lookup-case-back" hidden></p>
    <h1>${esc(p('lookupTitle'))}</h1>
    <p class="muted">${esc(p('lookupHint'))}</p>
    <p class="notice info" id="lookup-case-note" hidden></p>
    <form id="lookup-form" class="card work lookup-form" novalidate>
      <fieldset class="choice-row big" id="lookup-criterion"><legend>${esc(p('criterion'))}</legend>
        ${CRITERIA.map((c) => `<label><input type="radio" name="criterion" value="${c}"${c === criterion ? ' checked' : ''}> ${esc(critName(c))}</label>`).join('')}
      </fieldset>
      <div class="lookup-query">
        <label id="lookup-idtype" hidden>${esc(p('idType'))}<select name="idType"><option value="">${esc(p('idTypeAny'))}</option>${Object.keys(ID_TYPE_NAMES).map((k) => `<option value="${k}">${esc(idTypeName(k))}</option>`).join('')}</select></label>
        <label class="grow"><span id="lookup-value-label"></span><input id="lookup-value" name="lookupValue" data-field="${criterion}" autocomplete="off" maxlength="200" spellcheck="false"></label>
      </div>
      <label><span>${esc(p('reason'))} <span class="req" aria-hidden="true">*</span></span><textarea name="reason" rows="2" maxlength="500" aria-required="true" placeholder="${esc(p('reasonHint'))}"></textarea></label>
      <label>${esc(p('caseOptional'))}<select name="caseId"><option value="">${esc(p('noCase'))}</option></select></label>
      ${mayUnmask ? `<label class="check big"><input type="checkbox" name="unmask"> ${esc(p('unmaskCheck'))}</label>` : ''}
      <p class="error" role="alert" id="lookup-error"></p>
      <div class="actions"><button type="submit" class="primary">${esc(p('search'))}</button><span class="muted" id="lookup-busy" hidden>${esc(p('searching'))}</span></div>
    </form>
    <section id="lookup-result" aria-live="polite"></section>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;
  const form = $<HTMLFormElement>('#lookup-form');
  const valueInput = $<HTMLInputElement>('#lookup-value');

  /** The one input's data-field is the criterion, so the server's errors[].path lands on it (name="name" would hide form.name). */
  function pickCriterion(c: Criterion) {
    criterion = c;
    clearFieldErrors(form);
    valueInput.dataset.field = c;
    valueInput.placeholder = p(`ph_${c}`);
    valueInput.inputMode = c === 'phone' ? 'tel' : 'text';
    $('#lookup-value-label').textContent = critName(c);
    $('#lookup-idtype').hidden = c !== 'idNumber';
  }
  pickCriterion(criterion);
  $('#lookup-criterion').addEventListener('change', (e) => {
    pickCriterion((e.target as HTMLInputElement).value as Criterion);
    valueInput.focus();
  });

  async function loadCases() {
    try {
      cases = (await get<{ cases: CaseSummary[] }>(`/api/cases${qs({ status: 'open', limit: 200 })}`)).cases;
      if (caseParam && !cases.some((c) => c.id === caseParam)) cases.unshift(await get<CaseSummary>(`/api/cases/${encodeURIComponent(caseParam)}`));
    } catch (err) {
      if (caseParam) $('#lookup-error').textContent = p('caseNotListed', { id: caseParam });
      else $('#lookup-error').textContent = problemSay(err);
    }
    const select = $<HTMLSelectElement>('select[name="caseId"]');
    select.insertAdjacentHTML('beforeend', cases.map((c) => `<option value="${esc(c.id)}">${esc(c.reference)} ${esc(c.title)}${c.status === 'closed' ? esc(p('caseClosedMark')) : ''}</option>`).join(''));
    const chosen = cases.find((c) => c.id === caseParam);
    if (chosen) {
      select.value = chosen.id;
      $('#lookup-case-note').textContent = p('fromCase', { ref: chosen.reference });
      $('#lookup-case-note').hidden = false;
      $('#lookup-case-back').innerHTML = `<a href="#/cases/${esc(encodeURIComponent(chosen.id))}" class="back">← ${esc(p('backToCase', { ref: chosen.reference }))}</a>`;
      $('#lookup-case-back').hidden = false;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    $('#lookup-error').textContent = '';
    const f = new FormData(form);
    const value = String(f.get('lookupValue') ?? '').trim();
    const body: Record<string, unknown> = { reason: String(f.get('reason') ?? '') };
    // An empty criterion is sent empty-handed: the server says which is missing, and that lands on the one input.
    if (value) body[criterion] = value;
    if (criterion === 'idNumber' && f.get('idType')) body.idType = f.get('idType');
    if (f.get('caseId')) body.caseId = f.get('caseId');
    if (mayUnmask && f.get('unmask')) body.unmask = true;
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    button.disabled = true;
    $('#lookup-busy').hidden = false;
    try {
      const result = await api<Result>('POST', '/api/lookup', body);
      paint(result, cases.find((c) => c.id === body.caseId));
    } catch (err) {
      $('#lookup-result').innerHTML = '';
      showProblem(form, rehome(err), $('#lookup-error'));
    } finally {
      button.disabled = false;
      $('#lookup-busy').hidden = true;
    }
  });

  /** "Give one criterion" names idNumber whatever was picked: it belongs to the one value input. */
  function rehome(err: unknown) {
    const errors = (err as { problem?: { errors?: { path: string }[] } }).problem?.errors;
    for (const x of errors ?? []) if ((CRITERIA as readonly string[]).includes(x.path)) x.path = criterion;
    return err;
  }

  function matchText(ms: Match[]) {
    return `<ul class="plain why">${ms
      .map((m) => `<li><b>${esc(fieldName(m.field))}</b> · ${esc(currentLang() === 'zh' ? m.reasonZh : m.reason)}${m.score < 1 ? ` <span class="muted">${esc(p('similarity', { pct: `${Math.round(m.score * 100)}%` }))}</span>` : ''}</li>`)
      .join('')}</ul>`;
  }

  function paint(r: Result, kase: CaseSummary | undefined) {
    const total = r.senders.length + r.parcels.length;
    $('#lookup-result').innerHTML = `
      <div class="row-between"><h2>${esc(p('results'))} · ${esc(critName(r.criterion))}</h2>
        <span class="mask-state ${r.masked ? 'masked' : 'unmasked'}" id="lookup-mask">${esc(r.masked ? p('resultMasked') : p('resultUnmasked'))}</span></div>
      <p class="lead" id="lookup-summary">${esc(total ? p('found', { senders: r.senders.length, parcels: r.parcels.length }) : p('nothingFound'))}</p>
      ${kase && kase.status === 'open' ? `<p class="notice info" id="lookup-logged">${esc(p('loggedToCase', { ref: kase.reference }))} · <a href="#/cases/${esc(encodeURIComponent(kase.id))}">${esc(t('view'))}</a></p>` : ''}
      ${r.truncated ? `<p class="notice warn" id="lookup-truncated">⚠ ${esc(p('truncated'))}</p>` : ''}
      <section class="card"><h3>${esc(p('sendersTitle'))}</h3>${senders(r.senders)}</section>
      <section class="card"><h3>${esc(p('parcelsTitle'))}</h3>${parcels(r.parcels)}</section>`;
  }

  function senders(xs: Sender[]) {
    if (!xs.length) return `<p class="empty">${esc(p('noSenders'))}</p>`;
    return `<table class="grid stack lookup-senders" id="lookup-senders">
      <thead><tr><th>${esc(p('name'))}</th><th>${esc(p('idDoc'))}</th><th>${esc(p('phone'))}</th><th>${esc(p('address'))}</th><th>${esc(p('seen'))}</th><th class="num">${esc(p('parcelCount'))}</th><th>${esc(p('why'))}</th></tr></thead>
      <tbody>${xs
        .map(
          (s) => `<tr data-sender="${esc(s.id)}">
            <td data-label="${esc(p('name'))}"><b>${esc(s.name || '—')}</b></td>
            <td data-label="${esc(p('idDoc'))}"><span class="muted">${esc(idTypeName(s.idType))}</span><br><span class="mono id-number">${esc(s.idNumber || '—')}</span></td>
            <td data-label="${esc(p('phone'))}" class="mono">${esc(s.phone ?? '—')}</td>
            <td data-label="${esc(p('address'))}">${esc(s.address ?? '—')}</td>
            <td data-label="${esc(p('seen'))}" class="nowrap">${esc(fmtTime(s.firstSeenAt))}<br>${esc(fmtTime(s.lastSeenAt))}</td>
            <td data-label="${esc(p('parcelCount'))}" class="num">${s.parcelsInScope} / ${s.parcelCount}</td>
            <td data-label="${esc(p('why'))}">${matchText(s.matches)}</td>
          </tr>`,
        )
        .join('')}</tbody></table>`;
  }

  function parcels(xs: Parcel[]) {
    if (!xs.length) return `<p class="empty">${esc(p('noParcels'))}</p>`;
    return `<table class="grid stack lookup-parcels" id="lookup-parcels">
      <thead><tr><th>${esc(p('waybill'))}</th><th>${esc(p('takenIn'))}</th><th>${esc(p('where'))}</th><th>${esc(p('sender'))}</th><th>${esc(p('recipient'))}</th><th>${esc(p('declared'))}</th><th>${esc(p('verdict'))}</th><th>${esc(p('why'))}</th></tr></thead>
      <tbody>${xs
        .map(
          (x) => `<tr data-waybill="${esc(x.waybillNo)}">
            <td data-label="${esc(p('waybill'))}" class="mono">${esc(x.waybillNo)}</td>
            <td data-label="${esc(p('takenIn'))}" class="nowrap">${esc(fmtTime(x.createdAt))}</td>
            <td data-label="${esc(p('where'))}">${esc(x.outletId)}<br><span class="muted">${esc(jurisdictionLabel(x.regionCode.slice(0, 2)))}</span></td>
            <td data-label="${esc(p('sender'))}"><b>${esc(x.sender.name)}</b><br><span class="mono id-number">${esc(x.sender.idNumber)}</span><br><span class="mono">${esc(x.sender.phone)}</span><div class="muted">${esc(x.sender.address)}</div></td>
            <td data-label="${esc(p('recipient'))}"><b>${esc(x.recipient.name)}</b>${x.recipient.phone ? `<br><span class="mono">${esc(x.recipient.phone)}</span>` : ''}<div class="muted">${esc(x.recipient.address)} · ${esc(countryName(x.recipient.country))}</div></td>
            <td data-label="${esc(p('declared'))}">${esc(x.declared.description)}<br><span class="num">${esc(fmtCny(x.declared.valueCny))}</span>${x.crossBorder ? ` <span class="tag">${esc(p('crossBorder'))}</span>` : ''}</td>
            <td data-label="${esc(p('verdict'))}"><span class="verdict ${esc(x.verdict)}">${esc(tCode(x.verdict))}</span>${x.status && x.status !== x.verdict ? `<div class="muted">${esc(statusWord(x.status))}</div>` : ''}</td>
            <td data-label="${esc(p('why'))}">${matchText(x.matches)}</td>
          </tr>`,
        )
        .join('')}</tbody></table>`;
  }

  void loadCases();
}
