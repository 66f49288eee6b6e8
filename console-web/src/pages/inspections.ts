// The customs queue: parcels selected for inspection, why (the grounds: random draw, ring alert, suspect list,
// key goods), and what inspection found. Seized or returned needs a note (the server says so too); a seizure
// feeds the parcel's ring and its route's risk, opens a notice to each protected brand's right holder (the brands
// found, the declared one by default) and waits for its disposal, one step away.
import { api, esc, get, qs } from '../api.js';
import { countryName, fmtCny, fmtPct, fmtTime, t, tCode, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Inspection } from '../types.js';
import { problemText, showFieldErrors } from './common.js';

const OUTCOMES = ['cleared', 'seized', 'returned'] as const;

export function renderInspections({ main, user }: PageContext, params: URLSearchParams) {
  const status = ['pending', 'decided', 'all'].includes(params.get('status') ?? '') ? params.get('status')! : 'pending';
  main.innerHTML = `
    <h1>${esc(t('inspectionsTitle'))}</h1>
    <nav class="tabs">${(['pending', 'decided', 'all'] as const).map((s) => `<a href="#/inspections?status=${s}" class="${s === status ? 'active' : ''}">${esc(t(s))}</a>`).join('')}</nav>
    <div id="queue"></div>`;
  return mountInspections(main.querySelector<HTMLElement>('#queue')!, { status }, user.role !== 'postal_regulator');
}

/** A page of the queue with an outcome form on each pending parcel; used here and on a route's page. */
export function mountInspections(el: HTMLElement, filter: { status: string; routeKey?: string }, mayDecide: boolean) {
  let items: Inspection[] = [];
  let nextCursor: string | null = null;
  /** Notices a seizure recorded here opened, by waybill: said on the row until the next load. */
  const opened = new Map<string, number>();

  async function load(append = false) {
    try {
      const page = await get<{ inspections: Inspection[]; nextCursor: string | null }>(
        `/api/customs/inspections${qs({ status: filter.status, routeKey: filter.routeKey, limit: 50, cursor: append ? nextCursor : null })}`,
      );
      items = append ? [...items, ...page.inspections] : page.inspections;
      nextCursor = page.nextCursor;
      paint();
    } catch (err) {
      el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`;
    }
  }

  function paint() {
    el.innerHTML = items.length
      ? `<table class="grid inspections">
          <thead><tr><th>${esc(t('waybill'))}</th><th>${esc(t('route'))}</th><th>${esc(t('goods'))}</th><th class="num">${esc(t('value'))}</th><th>${esc(t('rate'))}</th><th>${esc(t('time'))}</th><th>${esc(t('outcome'))}</th></tr></thead>
          <tbody>${items.map(row).join('')}</tbody></table>
         <p><button type="button" class="secondary" data-more ${nextCursor ? '' : 'hidden'}>${esc(t('more'))}</button></p>`
      : `<p class="empty">${esc(t('noInspections'))}</p>`;
  }

  function row(i: Inspection) {
    const notices = opened.get(i.waybillNo);
    const afterSeizure =
      i.outcome === 'seized' && mayDecide
        ? `<div class="after-seizure">${notices ? `<a href="#/notices" class="notices-opened">${esc(t('noticesOpened', { n: notices }))} → ${esc(t('toNotices'))}</a> ` : ''}<a href="#/disposals?waybill=${encodeURIComponent(i.waybillNo)}" class="dispose-link">${esc(t('disposeNow'))} →</a></div>`
        : '';
    const decided = i.outcome
      ? `<span class="outcome ${i.outcome}">${esc(t(i.outcome as Key))}</span> ${esc(i.note ?? '')}<div class="muted">${esc(i.decidedBy ?? '')} · ${esc(i.decidedAt ? fmtTime(i.decidedAt) : '')}</div>${afterSeizure}`
      : mayDecide
        ? `<form class="outcome-form" data-waybill="${esc(i.waybillNo)}">
            <select name="outcome" aria-label="${esc(t('outcome'))}">${OUTCOMES.map((o) => `<option value="${o}">${esc(t(o))}</option>`).join('')}</select>
            <input name="note" placeholder="${esc(t('note'))}" maxlength="2000">
            <label class="brands-found" hidden>${esc(t('brandsFound'))}<input name="brands" maxlength="500" value="${esc(i.declared.brand ?? '')}"></label>
            <button type="submit" class="primary">${esc(t('record'))}</button>
            <span class="error" role="alert"></span>
          </form>`
        : esc(t('pending'));
    const grounds = (i.grounds ?? []).map((g) => `<span class="ground ${esc(g)}">${esc(tCode(g, 'ground_'))}</span>`).join(' ');
    return `<tr data-waybill="${esc(i.waybillNo)}">
      <td class="mono">${esc(i.waybillNo)}</td>
      <td><a href="#/routes/${encodeURIComponent(i.routeKey)}">${esc(i.routeKey)}</a> · ${esc(countryName(i.recipientCountry))}</td>
      <td>${esc(i.declared.description)}${i.declared.brand ? ` · <b>${esc(i.declared.brand)}</b>` : ''} ×${i.declared.quantity}</td>
      <td class="num">${fmtCny(i.declared.valueCny)}</td>
      <td>${fmtPct(i.rate)}${grounds ? `<div class="grounds" title="${esc(t('grounds'))}">${grounds}</div>` : ''}</td>
      <td>${esc(fmtTime(i.selectedAt))}</td>
      <td>${decided}</td>
    </tr>`;
  }

  el.addEventListener('submit', async (e) => {
    const form = (e.target as HTMLElement).closest<HTMLFormElement>('form.outcome-form');
    if (!form) return;
    e.preventDefault();
    const f = Object.fromEntries(new FormData(form)) as Record<string, string>;
    const brands = (f.brands ?? '').split(/[,，;；]+/).map((b) => b.trim()).filter(Boolean);
    // Brands found matter only to a seizure (the notices); left empty, the server takes the declared ones.
    const body = { outcome: f.outcome, note: f.note, ...(f.outcome === 'seized' && brands.length ? { brands } : {}) };
    try {
      const res = await api<{ inspection: Inspection; notices?: unknown[] }>('POST', `/api/parcels/${encodeURIComponent(form.dataset.waybill!)}/customs-outcome`, body);
      if (res.notices?.length) opened.set(res.inspection.waybillNo, res.notices.length);
      items = items.map((i) => (i.waybillNo === res.inspection.waybillNo ? { ...i, ...res.inspection, grounds: res.inspection.grounds ?? i.grounds } : i));
      paint();
    } catch (err) {
      showFieldErrors(form, err, form.querySelector('.error')!);
    }
  });
  el.addEventListener('change', (e) => {
    const select = (e.target as HTMLElement).closest<HTMLSelectElement>('form.outcome-form select[name="outcome"]');
    if (select) select.form!.querySelector<HTMLElement>('.brands-found')!.hidden = select.value !== 'seized';
  });
  el.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('[data-more]')) void load(true);
  });
  void load();
}
