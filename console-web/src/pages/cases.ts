// Key cases (重点案件督办): the list of the jurisdiction's cases and those shared with it, overdue ones
// flagged, filtered in the address; and the form that opens a case — named owner (落实到人), a due date in
// Beijing time (限时办结), a priority — from nothing or from an alert (#/cases?new=1&alertId=…).
import { api, esc, get, qs } from '../api.js';
import { fmtTime, jurisdictionLabel, summaryOf, t, tCode } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Alert, CaseSummary } from '../types.js';
import { chinaLocalToIso, debounce, isoToChinaLocal, problemText, showFieldErrors } from './common.js';

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export const priorityName = (p: string) => tCode(`${p.charAt(0).toUpperCase()}${p.slice(1)}`, 'priority');
export const outcomeName = (o: string) => tCode(o);

export function renderCases({ main, live, user }: PageContext, params: URLSearchParams) {
  const status = ['open', 'closed', 'all'].includes(params.get('status') ?? '') ? params.get('status')! : 'open';
  const overdue = params.get('overdue') === 'true';
  const q = params.get('q') ?? '';
  const alertId = params.get('alertId') ?? '';
  const showForm = params.get('new') === '1' || !!alertId;
  let cases: CaseSummary[] = [];
  let nextCursor: string | null = null;
  const href = (over: Record<string, string>) => `#/cases${qs({ status, overdue: overdue ? 'true' : '', q, ...over })}`;
  const defaultDue = isoToChinaLocal(new Date(Date.now() + 7 * 86_400_000).toISOString()).slice(0, 11) + '17:00';

  main.innerHTML = `
    <div class="row-between"><h1>${esc(t('casesTitle'))}</h1>
      <button type="button" class="primary" id="new-case-toggle">＋ ${esc(t('newCase'))}</button></div>
    <form class="card new-case" id="new-case"${showForm ? '' : ' hidden'} novalidate>
      <h2>${esc(t('newCase'))}</h2>
      <div class="form-grid">
        <label class="wide">${esc(t('caseTitle'))} <input name="caseTitle" data-field="title" maxlength="200" required></label>
        <label>${esc(t('ownerUsername'))} <input name="ownerUsername" value="${esc(user.username)}" required autocomplete="off"></label>
        <label>${esc(t('dueDate'))} <input name="dueAt" type="datetime-local" value="${esc(defaultDue)}" required></label>
        <label>${esc(t('priority'))} <select name="priority">${PRIORITIES.map((p) => `<option value="${p}"${p === 'normal' ? ' selected' : ''}>${esc(priorityName(p))}</option>`).join('')}</select></label>
      </div>
      <p id="from-alerts" class="muted"${alertId ? '' : ' hidden'}>${esc(t('fromAlerts'))}: <a class="mono" href="#/alerts/${esc(alertId)}">${esc(alertId)}</a></p>
      <p class="error" id="new-case-error" role="alert"></p>
      <button type="submit" class="primary">${esc(t('create'))}</button>
    </form>
    <nav class="tabs">${(['open', 'closed', 'all'] as const).map((s) => `<a href="${esc(href({ status: s }))}" class="${s === status ? 'active' : ''}">${esc(t(s === 'open' ? 'unresolved' : s === 'closed' ? 'closed' : 'all'))}</a>`).join('')}
      <a href="${esc(href({ overdue: overdue ? '' : 'true' }))}" class="${overdue ? 'active' : ''}" id="overdue-tab">${esc(t('overdue'))}</a></nav>
    <form class="filters card" id="case-search">
      <label>${esc(t('search'))}<input name="q" type="search" value="${esc(q)}" placeholder="${esc(t('reference'))} / ${esc(t('caseTitle'))}"></label>
      <button type="submit" class="secondary">${esc(t('search'))}</button>
    </form>
    <p class="error" id="cases-error" role="alert"></p>
    <div class="scroll"><table class="grid cases">
      <thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('caseTitle'))}</th><th>${esc(t('priority'))}</th><th>${esc(t('caseOwner'))}</th><th>${esc(t('dueAt'))}</th><th>${esc(t('status'))}</th><th class="num">${esc(t('alerts'))}</th><th class="num">${esc(t('parcels'))}</th><th>${esc(t('updated'))}</th></tr></thead>
      <tbody id="case-rows"></tbody>
    </table></div>
    <p><button type="button" class="secondary" id="cases-more" hidden>${esc(t('more'))}</button></p>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;
  const form = $('#new-case') as HTMLFormElement;

  if (alertId) {
    // Pre-filled from the alert: its summary as a title the officer may change.
    void get<Alert>(`/api/alerts/${encodeURIComponent(alertId)}`)
      .then((a) => {
        const title = form.querySelector<HTMLInputElement>('[name="caseTitle"]')!;
        if (!title.value) title.value = summaryOf(a);
      })
      .catch(() => undefined);
  }

  async function load(append = false) {
    try {
      const page = await get<{ cases: CaseSummary[]; nextCursor: string | null }>(
        `/api/cases${qs({ status: status === 'all' ? '' : status, overdue: overdue ? 'true' : '', q, limit: 50, cursor: append ? nextCursor : null })}`,
      );
      cases = append ? [...cases, ...page.cases] : page.cases;
      nextCursor = page.nextCursor;
      $('#cases-error').textContent = '';
      paint();
    } catch (err) {
      $('#cases-error').textContent = problemText(err);
    }
  }

  function paint() {
    $('#case-rows').innerHTML = cases.length
      ? cases
          .map(
            (c) => `<tr data-id="${esc(c.id)}" tabindex="0" class="${c.overdue ? 'late' : ''}">
              <td class="mono nowrap"><a href="#/cases/${esc(c.id)}">${esc(c.reference)}</a></td>
              <td>${esc(c.title)}${c.sharedWith.length ? ` <span class="muted">↔ ${c.sharedWith.map((j) => esc(jurisdictionLabel(j))).join(', ')}</span>` : ''}</td>
              <td><span class="prio ${esc(c.priority)}">${esc(priorityName(c.priority))}</span></td>
              <td>${esc(c.owner.username)}</td>
              <td class="nowrap">${esc(fmtTime(c.dueAt))}${c.overdue ? ` <span class="badge high">${esc(t('overdue'))}</span>` : ''}</td>
              <td>${c.status === 'closed' ? `<span class="status resolved">${esc(t('closed'))}</span>${c.outcome ? ` ${esc(outcomeName(c.outcome))}` : ''}` : `<span class="status open">${esc(t('unresolved'))}</span>`}</td>
              <td class="num">${c.alertCount}</td>
              <td class="num">${c.parcelCount}</td>
              <td class="nowrap">${esc(fmtTime(c.updatedAt))}</td>
            </tr>`,
          )
          .join('')
      : `<tr><td colspan="9" class="empty">${esc(t('noCases'))}</td></tr>`;
    $('#cases-more').hidden = !nextCursor;
  }

  $('#case-rows').addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (row && !(e.target as HTMLElement).closest('a')) location.hash = `#/cases/${row.dataset.id}`;
  });
  $('#case-rows').addEventListener('keydown', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (row && e.key === 'Enter') location.hash = `#/cases/${row.dataset.id}`;
  });
  $('#cases-more').addEventListener('click', () => void load(true));
  $('#new-case-toggle').addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector<HTMLInputElement>('[name="caseTitle"]')!.focus();
  });
  $('#case-search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = href({ q: String(new FormData(e.target as HTMLFormElement).get('q') ?? '').trim() });
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const due = String(data.get('dueAt') ?? '');
    const body = {
      title: String(data.get('caseTitle') ?? '').trim(),
      ownerUsername: String(data.get('ownerUsername') ?? '').trim(),
      dueAt: due ? chinaLocalToIso(due) : '',
      priority: String(data.get('priority') ?? 'normal'),
      ...(alertId ? { alertIds: [alertId] } : {}),
    };
    try {
      const created = await api<{ id: string; case?: { id: string } }>('POST', '/api/cases', body);
      location.hash = `#/cases/${created.id ?? created.case?.id}`;
    } catch (err) {
      showFieldErrors(form, err, $('#new-case-error'));
    }
  });

  const reload = debounce(() => load(), 300);
  const off = live.on('case:updated', (c) => {
    const i = cases.findIndex((x) => x.id === c.id);
    if (i >= 0) {
      cases[i] = c;
      paint();
    } else reload();
  });
  void load();
  return off;
}
