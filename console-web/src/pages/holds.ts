// The holds queue: held parcels waiting for someone with authority over their reasons, the most urgent first.
// Filters live in the address. A row the caller may decide carries a note (required: the server says so too)
// and two decisions — release, or refuse with a disposition. Live hold events replace their row in place,
// keeping a note being typed; a reconnect reloads the list (the server replays nothing for holds).
import { api, esc, get, qs } from '../api.js';
import { fmtTime, reasonName, said, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Hold } from '../types.js';
import { clearFieldErrors, debounce, fmtDuration, problemText, showFieldErrors } from './common.js';

const REASONS = ['INSPECTION_MISMATCH', 'SCREENING_SUSPECT', 'WATCHLIST_HIT', 'ANT_MOVING_SUSPECTED'];
export const DISPOSITIONS = ['returned_to_sender', 'handed_to_customs', 'handed_to_police'] as const;
type Filters = { status: 'pending' | 'decided'; reason: string; outletId: string; overdue: boolean };

export function renderHolds({ main, live }: PageContext, params: URLSearchParams) {
  const f: Filters = {
    status: params.get('status') === 'decided' ? 'decided' : 'pending',
    reason: params.get('reason') ?? '',
    outletId: params.get('outletId') ?? '',
    overdue: params.get('overdue') === 'true',
  };
  let holds: Hold[] = [];
  let nextCursor: string | null = null;
  const option = (value: string, label: string, current: string) => `<option value="${esc(value)}"${value === current ? ' selected' : ''}>${esc(label)}</option>`;
  const href = (over: Partial<Filters>) => {
    const n = { ...f, ...over };
    return `#/holds${qs({ status: n.status, reason: n.reason, outletId: n.outletId, overdue: n.overdue ? 'true' : '' })}`;
  };
  main.innerHTML = `
    <h1>${esc(t('holdsTitle'))}</h1>
    <nav class="tabs">${(['pending', 'decided'] as const).map((s) => `<a href="${esc(href({ status: s }))}" class="${s === f.status ? 'active' : ''}" data-status="${s}">${esc(t(s === 'pending' ? 'holdPending' : 'holdDecided'))}</a>`).join('')}</nav>
    <form class="filters card" id="hold-filters">
      <label>${esc(t('holdReasons'))}<select name="reason">${option('', t('any'), f.reason)}${REASONS.map((r) => option(r, reasonName(r), f.reason)).join('')}</select></label>
      <label>${esc(t('outlet'))}<select name="outletId" id="hold-outlets">${option('', t('any'), f.outletId)}</select></label>
      <label class="check"><input type="checkbox" name="overdue" value="true"${f.overdue ? ' checked' : ''}> ${esc(t('onlyOverdue'))}</label>
    </form>
    <p class="error" id="holds-error" role="alert"></p>
    <div class="scroll"><table class="grid holds">
      <thead><tr><th>${esc(t('waybill'))}</th><th>${esc(t('outlet'))}</th><th>${esc(t('holdReasons'))}</th><th>${esc(t('heldAt'))}</th><th>${esc(t('dueAt'))}</th><th>${esc(f.status === 'pending' ? t('decision') : t('decision'))}</th></tr></thead>
      <tbody id="hold-rows"></tbody>
    </table></div>
    <p><button type="button" class="secondary" id="holds-more" hidden>${esc(t('more'))}</button></p>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;
  const rowsEl = $('#hold-rows');
  const errorEl = $('#holds-error');

  void get<{ outlets: { id: string; name: string }[] }>('/api/outlets')
    .then(({ outlets }) => $('#hold-outlets').insertAdjacentHTML('beforeend', outlets.map((o) => option(o.id, `${o.id} ${o.name}`, f.outletId)).join('')))
    .catch(() => undefined);

  async function load(append = false) {
    try {
      const page = await get<{ holds: Hold[]; nextCursor: string | null }>(
        `/api/holds${qs({ status: f.status, reason: f.reason, outletId: f.outletId, overdue: f.overdue ? 'true' : '', limit: 50, cursor: append ? nextCursor : null })}`,
      );
      holds = append ? [...holds, ...page.holds] : page.holds;
      nextCursor = page.nextCursor;
      errorEl.textContent = '';
      paint();
    } catch (err) {
      errorEl.textContent = problemText(err);
    }
  }

  function paint() {
    rowsEl.innerHTML = holds.length ? holds.map(row).join('') : `<tr><td colspan="6" class="empty">${esc(t('noHolds'))}</td></tr>`;
    $('#holds-more').hidden = !nextCursor;
  }

  function due(h: Hold) {
    if (h.status !== 'pending') return esc(fmtTime(h.dueAt));
    const late = Date.now() - Date.parse(h.dueAt);
    return h.overdue || late > 0
      ? `<span class="overdue">${esc(fmtTime(h.dueAt))}<br><b>${esc(t('overdueBy', { d: fmtDuration(Math.max(late, 0)) }))}</b></span>`
      : esc(fmtTime(h.dueAt));
  }

  function decision(h: Hold) {
    if (h.status !== 'pending') {
      const d = h.decision;
      return `<span class="outcome ${h.status === 'released' ? 'cleared' : 'seized'}">${esc(t(h.status as Key))}</span>
        ${d?.disposition ? ` · ${esc(t(d.disposition as Key))}` : ''}
        ${d ? `<div>${esc(d.note)}</div><div class="muted">${esc(d.by)} · ${esc(fmtTime(d.at))}</div>` : ''}`;
    }
    if (!h.mayDecide) return `<span class="muted">${esc(t('readOnlyHold'))}</span>`;
    return `<form class="hold-form" data-waybill="${esc(h.waybillNo)}" novalidate>
      <label><span>${esc(t('noteRequired'))} <span class="req" aria-hidden="true">*</span></span><input name="note" maxlength="2000" required aria-required="true"></label>
      <div class="hold-actions">
        <button type="submit" class="primary" name="decision" value="release">${esc(t('releaseAction'))}</button>
        <select name="disposition" aria-label="${esc(t('disposition'))}">${DISPOSITIONS.map((d) => `<option value="${d}">${esc(t(d))}</option>`).join('')}</select>
        <button type="submit" class="danger" name="decision" value="refuse">${esc(t('refuseAction'))}</button>
      </div>
      <span class="error" role="alert"></span>
    </form>`;
  }

  const row = (h: Hold) => `<tr data-waybill="${esc(h.waybillNo)}" class="${h.overdue && h.status === 'pending' ? 'late' : ''}">
    <td class="mono">${esc(h.waybillNo)}${h.crossBorder ? ` <span class="badge low">${esc(t('crossBorder'))}</span>` : ''}</td>
    <td>${esc(h.outletId)}</td>
    <td><ul class="reasons">${h.reasons.map((r) => `<li>${esc(said(r))}</li>`).join('')}</ul></td>
    <td class="nowrap">${esc(fmtTime(h.heldAt))}</td>
    <td class="nowrap">${due(h)}</td>
    <td>${decision(h)}</td>
  </tr>`;

  /** Whether a hold belongs in the list as filtered. */
  const matches = (h: Hold) =>
    (f.status === 'pending' ? h.status === 'pending' : h.status !== 'pending') &&
    (!f.reason || h.reasons.some((r) => r.code === f.reason)) &&
    (!f.outletId || h.outletId === f.outletId) &&
    (!f.overdue || h.overdue);
  const order = (a: Hold, b: Hold) =>
    f.status === 'pending' ? a.dueAt.localeCompare(b.dueAt) : (b.decision?.at ?? '').localeCompare(a.decision?.at ?? '');

  /** One row redrawn where it stands, the note and disposition being typed carried over. */
  function upsert(h: Hold) {
    const i = holds.findIndex((x) => x.waybillNo === h.waybillNo);
    const old = rowsEl.querySelector<HTMLElement>(`tr[data-waybill="${CSS.escape(h.waybillNo)}"]`);
    if (!matches(h)) {
      if (i >= 0) holds.splice(i, 1);
      old?.remove();
      if (!holds.length) paint();
      return;
    }
    if (i >= 0) holds[i] = h;
    else {
      holds.push(h);
      holds.sort(order);
    }
    const tmp = document.createElement('tbody');
    tmp.innerHTML = row(h);
    const fresh = tmp.firstElementChild as HTMLElement;
    if (old) {
      for (const name of ['note', 'disposition']) {
        const was = old.querySelector<HTMLInputElement>(`[name="${name}"]`);
        const now = fresh.querySelector<HTMLInputElement>(`[name="${name}"]`);
        if (was && now) now.value = was.value;
      }
      const focused = old.contains(document.activeElement) ? (document.activeElement as HTMLElement).getAttribute('name') : null;
      old.replaceWith(fresh);
      if (focused) fresh.querySelector<HTMLElement>(`[name="${focused}"]`)?.focus();
    } else {
      rowsEl.querySelector('td.empty')?.parentElement?.remove();
      const next = holds[holds.indexOf(h) + 1];
      const before = next ? rowsEl.querySelector(`tr[data-waybill="${CSS.escape(next.waybillNo)}"]`) : null;
      rowsEl.insertBefore(fresh, before);
      fresh.classList.add('fresh');
    }
  }

  rowsEl.addEventListener('submit', async (e) => {
    const form = (e.target as HTMLElement).closest<HTMLFormElement>('form.hold-form');
    if (!form) return;
    e.preventDefault();
    const action = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'refuse' ? 'refuse' : 'release';
    const note = form.querySelector<HTMLInputElement>('[name="note"]')!;
    const errEl = form.querySelector<HTMLElement>('.error')!;
    clearFieldErrors(form);
    errEl.textContent = '';
    if (!note.value.trim()) {
      // Marked at the field before asking the server, which would refuse it too (400).
      note.setAttribute('aria-invalid', 'true');
      const p = document.createElement('span');
      p.className = 'field-error';
      p.textContent = t('noteMissing');
      note.insertAdjacentElement('afterend', p);
      note.focus();
      return;
    }
    const body = action === 'refuse' ? { note: note.value, disposition: form.querySelector<HTMLSelectElement>('[name="disposition"]')!.value } : { note: note.value };
    form.querySelectorAll('button').forEach((b) => (b.disabled = true));
    try {
      const res = await api<{ hold: Hold }>('POST', `/api/parcels/${encodeURIComponent(form.dataset.waybill!)}/${action}`, body);
      upsert(res.hold);
      refreshCounts();
    } catch (err) {
      form.querySelectorAll('button').forEach((b) => (b.disabled = false));
      showFieldErrors(form, err, errEl);
      // Someone else decided meanwhile: show what they decided.
      if ((err as { status?: number }).status === 409) void load();
    }
  });
  $('#holds-more').addEventListener('click', () => void load(true));
  $('#hold-filters').addEventListener('change', (e) => {
    const form = new FormData(e.currentTarget as HTMLFormElement);
    location.hash = href({ reason: String(form.get('reason') ?? ''), outletId: String(form.get('outletId') ?? ''), overdue: form.get('overdue') === 'true' });
  });

  const refreshCounts = () => window.dispatchEvent(new Event('pg:counts'));
  const reload = debounce(() => load(), 300);
  const offs = (['hold:new', 'hold:updated', 'hold:overdue'] as const).map((ev) => live.on(ev, (h) => upsert(h)));
  let wasLive = live.state() === 'live';
  const unState = live.onState((state) => {
    if (state === 'live' && !wasLive) reload();
    wasLive = state === 'live';
  });
  void load();
  return () => {
    offs.forEach((off) => off());
    unState();
  };
}
