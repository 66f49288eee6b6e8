// What became of seized goods: destroyed harmlessly by a qualified party (无害化销毁, with its certificate),
// handed to the police, or returned. Seized parcels still waiting for a disposal come first, each one step from
// its form (the inspections page links here with ?waybill=); then the record, filtered by time and kind, to
// export. Customs officers record; regulators read.
import { api, esc, get, qs } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Disposal, PendingDisposal } from '../types.js';
import { chinaLocalToIso, chinaToday, clearFieldErrors, isoToChinaLocal, problemText, showFieldErrors } from './common.js';
import { c, DISPOSAL_KINDS, disposalKindName, ipTabs, noticeStatusName } from '../strings-customs.js';

const mayRecord = (ctx: PageContext) => ctx.user.role === 'customs_officer' || ctx.user.role === 'admin';
const PARTY_LABEL = { destroyed: 'partyDestroyed', handed_to_police: 'partyPolice', returned: 'partyReturned' } as const;

export function renderDisposals(ctx: PageContext, params: URLSearchParams) {
  const { main } = ctx;
  const record = mayRecord(ctx);
  const f = { from: params.get('from') ?? chinaToday(29), to: params.get('to') ?? chinaToday(), kind: params.get('kind') ?? '' };
  let pending: PendingDisposal[] = [];
  const listQuery = (format?: string) => `/api/customs/disposals${qs({ from: f.from, to: f.to, kind: f.kind, format })}`;

  main.innerHTML = `
    ${ipTabs('#/disposals')}
    <h1>${esc(c('disposalsTitle'))}</h1>
    ${record ? '' : `<p class="notice info">${esc(c('readOnlyCustoms'))}</p>`}
    <section class="card" id="disposal-editor" hidden></section>
    <section class="card">
      <h2>${esc(c('awaitingDisposal'))}</h2>
      <p class="error" role="alert" id="pending-error"></p>
      <div id="pending-list"><p class="muted">${esc(t('loading'))}</p></div>
    </section>
    <section class="card">
      <div class="row-between">
        <h2>${esc(c('disposalRecord'))}</h2>
        <p class="exports"><a class="button secondary" id="disposals-csv" href="${esc(listQuery('csv'))}" download>${esc(t('download'))} CSV</a>
          <a class="button secondary" id="disposals-xlsx" href="${esc(listQuery('xlsx'))}" download>${esc(t('download'))} XLSX</a></p>
      </div>
      <form class="filters" id="disposal-filters">
        <label>${esc(t('from'))}<input type="date" name="from" value="${esc(f.from)}" required></label>
        <label>${esc(t('to'))}<input type="date" name="to" value="${esc(f.to)}" required></label>
        <label>${esc(c('disposalKind'))}<select name="kind"><option value="">${esc(t('any'))}</option>${DISPOSAL_KINDS.map((k) => `<option value="${k}"${k === f.kind ? ' selected' : ''}>${esc(disposalKindName(k))}</option>`).join('')}</select></label>
        <button type="submit" class="secondary">${esc(t('apply'))}</button>
      </form>
      <p class="error" role="alert" id="disposals-error"></p>
      <div id="disposal-list"><p class="muted">${esc(t('loading'))}</p></div>
    </section>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  async function loadPending() {
    try {
      pending = (await get<{ seizures: PendingDisposal[] }>('/api/customs/seizures/pending-disposal?limit=500')).seizures;
      $('#pending-error').textContent = '';
      paintPending();
    } catch (err) {
      $('#pending-list').innerHTML = '';
      $('#pending-error').textContent = problemText(err);
    }
  }

  function paintPending() {
    $('#pending-list').innerHTML = pending.length
      ? `<table class="grid stack pending-disposal">
          <thead><tr><th>${esc(t('waybill'))}</th><th>${esc(t('goods'))}</th><th>${esc(c('seizedAt'))}</th><th>${esc(t('note'))}</th><th>${esc(c('tabNotices'))}</th>${record ? '<th></th>' : ''}</tr></thead>
          <tbody>${pending
            .map(
              (p) => `<tr data-waybill="${esc(p.waybillNo)}">
                <td data-label="${esc(t('waybill'))}" class="mono">${esc(p.waybillNo)}</td>
                <td data-label="${esc(t('goods'))}">${esc(p.declared.description)}${p.declared.brand ? ` · <b>${esc(p.declared.brand)}</b>` : ''} ×${p.declared.quantity}</td>
                <td data-label="${esc(c('seizedAt'))}">${esc(fmtTime(p.seizedAt))}${p.seizedBy ? ` <span class="muted">${esc(p.seizedBy)}</span>` : ''}</td>
                <td data-label="${esc(t('note'))}">${esc(p.note ?? '')}</td>
                <td data-label="${esc(c('tabNotices'))}">${p.notices.map((n) => `<div>${esc(n.brandName)} <span class="nstatus ${esc(n.status)}">${esc(noticeStatusName(n.status))}</span></div>`).join('') || '—'}</td>
                ${record ? `<td><button type="button" class="primary" data-dispose="${esc(p.waybillNo)}">${esc(c('recordDisposal'))}</button></td>` : ''}
              </tr>`,
            )
            .join('')}</tbody></table>`
      : `<p class="empty">${esc(c('noneAwaiting'))}</p>`;
  }

  async function loadList() {
    try {
      const { disposals } = await get<{ disposals: Disposal[] }>(listQuery());
      $('#disposals-error').textContent = '';
      $('#disposal-list').innerHTML = disposals.length
        ? `<table class="grid stack disposals">
            <thead><tr><th>${esc(t('waybill'))}</th><th>${esc(c('disposalKind'))}</th><th>${esc(c('party'))}</th><th>${esc(c('certificateNo'))}</th><th>${esc(c('disposedAt'))}</th><th>${esc(c('recordedBy'))}</th><th>${esc(t('note'))}</th></tr></thead>
            <tbody>${disposals
              .map(
                (d) => `<tr data-waybill="${esc(d.waybillNo)}">
                  <td data-label="${esc(t('waybill'))}" class="mono">${esc(d.waybillNo)}</td>
                  <td data-label="${esc(c('disposalKind'))}"><span class="dkind ${esc(d.kind)}">${esc(disposalKindName(d.kind))}</span></td>
                  <td data-label="${esc(c('party'))}">${esc(d.party)}</td>
                  <td data-label="${esc(c('certificateNo'))}" class="mono">${esc(d.certificateNo ?? '') || '—'}</td>
                  <td data-label="${esc(c('disposedAt'))}">${esc(fmtTime(d.disposedAt))}</td>
                  <td data-label="${esc(c('recordedBy'))}">${esc(d.recordedBy)}</td>
                  <td data-label="${esc(t('note'))}">${esc(d.note ?? '')}</td>
                </tr>`,
              )
              .join('')}</tbody></table>`
        : `<p class="empty">${esc(c('noDisposals'))}</p>`;
    } catch (err) {
      $('#disposal-list').innerHTML = '';
      $('#disposals-error').textContent = problemText(err);
    }
  }

  function openEditor(waybillNo: string) {
    const box = $('#disposal-editor');
    // Shown to the minute; left as shown it means "now" and is not sent (a seizure a few seconds ago would
    // otherwise look later than its disposal at 12:05:00).
    const now = isoToChinaLocal(new Date().toISOString());
    box.hidden = false;
    box.innerHTML = `
      <h2>${esc(c('recordDisposal'))}</h2>
      <form id="disposal-form" novalidate>
        <label><span>${esc(t('waybill'))} <span class="req">*</span></span><input name="waybillNo" class="mono" required maxlength="40" value="${esc(waybillNo)}" autocomplete="off"></label>
        <fieldset class="choice-row big" name="kind"><legend>${esc(c('disposalKind'))}</legend>
          ${DISPOSAL_KINDS.map((k, i) => `<label><input type="radio" name="kind" value="${k}"${i === 0 ? ' checked' : ''}> ${esc(disposalKindName(k))}</label>`).join('')}
        </fieldset>
        <div class="form-grid">
          <label><span><span data-party-label>${esc(c('partyDestroyed'))}</span> <span class="req">*</span></span><input name="party" required maxlength="200"></label>
          <label data-certificate><span>${esc(c('certificateNo'))} <span class="req" data-cert-req>*</span></span><input name="certificateNo" maxlength="100"></label>
          <label>${esc(c('disposedAtBeijing'))}<input name="disposedAt" type="datetime-local" value="${esc(now)}"></label>
          <label class="wide">${esc(t('note'))}<input name="note" maxlength="1000"></label>
        </div>
        <p class="error" role="alert" id="disposal-form-error"></p>
        <div class="actions"><button type="submit" class="primary">${esc(c('recordDisposal'))}</button> <button type="button" class="secondary" id="disposal-cancel">${esc(c('cancel'))}</button></div>
      </form>`;
    const form = box.querySelector<HTMLFormElement>('#disposal-form')!;
    const sync = () => {
      const kind = (form.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value ?? 'destroyed') as keyof typeof PARTY_LABEL;
      form.querySelector('[data-party-label]')!.textContent = c(PARTY_LABEL[kind]);
      form.querySelector<HTMLElement>('[data-cert-req]')!.hidden = kind !== 'destroyed';
    };
    form.addEventListener('change', sync);
    sync();
    box.querySelector('#disposal-cancel')!.addEventListener('click', () => {
      box.hidden = true;
      history.replaceState(null, '', '#/disposals');
    });
    box.scrollIntoView({ block: 'start' });
    form.querySelector<HTMLInputElement>(waybillNo ? 'input[name="party"]' : 'input[name="waybillNo"]')!.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = new FormData(form);
      const text = (name: string) => String(d.get(name) ?? '').trim();
      const waybill = text('waybillNo').toUpperCase();
      const local = text('disposedAt');
      const body = {
        kind: text('kind'),
        party: text('party'),
        ...(text('certificateNo') ? { certificateNo: text('certificateNo') } : {}),
        ...(local && local !== now ? { disposedAt: chinaLocalToIso(local) } : {}),
        ...(text('note') ? { note: text('note') } : {}),
      };
      const error = box.querySelector<HTMLElement>('#disposal-form-error')!;
      if (!waybill) {
        clearFieldErrors(form);
        const input = form.querySelector<HTMLInputElement>('input[name="waybillNo"]')!;
        input.setAttribute('aria-invalid', 'true');
        input.insertAdjacentHTML('afterend', `<span class="field-error">${esc(c('required'))}</span>`);
        return;
      }
      try {
        await api<Disposal>('POST', `/api/parcels/${encodeURIComponent(waybill)}/disposal`, body);
        box.hidden = false;
        box.innerHTML = `<p class="ok" role="status" id="disposal-saved">✓ ${esc(c('disposalSaved', { waybill }))}</p>`;
        history.replaceState(null, '', '#/disposals');
        void loadPending();
        void loadList();
      } catch (err) {
        showFieldErrors(form, err, error);
      }
    });
  }

  main.addEventListener('click', (e) => {
    const waybill = (e.target as HTMLElement).closest<HTMLElement>('[data-dispose]')?.dataset.dispose;
    if (waybill !== undefined) openEditor(waybill);
  });
  $<HTMLFormElement>('#disposal-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    ctx.navigate(`#/disposals${qs({ from: String(d.get('from') ?? ''), to: String(d.get('to') ?? ''), kind: String(d.get('kind') ?? '') })}`);
  });
  if (record && params.get('waybill') !== null) openEditor(params.get('waybill') ?? '');
  void loadPending();
  void loadList();
}
