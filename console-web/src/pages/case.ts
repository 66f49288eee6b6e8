// One case as it is worked: who owns it and by when, a timeline of everything done (history and notes, newest
// first), what it is about (alerts, parcels masked, suspect-list entries), and the work: a note, more links,
// sharing with another jurisdiction (区域协作), closing with an outcome and a note. The forms are drawn once;
// a live `case:updated` repaints only the data around them, so a note being typed is never wiped.
import { api, esc, get } from '../api.js';
import { alertTypeName, fmtCny, fmtTime, jurisdictionLabel, summaryOf, t, tCode } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { CaseDetail } from '../types.js';
import { clearFieldErrors, debounce, problemText, showFieldErrors } from './common.js';
import { outcomeName, priorityName } from './cases.js';
import { INTERCEPTION_EVENTS, interceptionCell, interceptionsOf, parcelStatusWord, ti, type Interception } from './interceptions.js';

const OUTCOMES = ['confirmed_infringement', 'no_infringement', 'referred_to_police', 'referred_to_customs', 'insufficient_evidence', 'duplicate'];

export function renderCase({ main, live }: PageContext, id: string) {
  let c: CaseDetail | null = null;
  /** Interception orders of its parcels, directly linked or through its alerts (issue 23), by waybill. */
  let interceptions = new Map<string, Interception>();
  const path = `/api/cases/${encodeURIComponent(id)}`;
  main.innerHTML = `
    <p><a href="#/cases" class="back">← ${esc(t('back'))}</a></p>
    <section id="case-head"></section>
    <p class="error" id="case-error" role="alert"></p>
    <div class="case-layout">
      <div class="case-main">
        <section class="card"><h2>${esc(t('caseTimeline'))}</h2>
          <form id="case-note" class="work" hidden novalidate>
            <label>${esc(t('addNote'))}<textarea name="text" rows="2" maxlength="4000" required></textarea></label>
            <p class="error" role="alert"></p>
            <button type="submit" class="secondary">${esc(t('addNote'))}</button>
          </form>
          <ol class="notes timeline" id="case-timeline"></ol>
        </section>
        <section class="card"><h2>${esc(t('linkedAlerts'))}</h2><div id="case-alerts"></div></section>
        <section class="card"><h2>${esc(t('linkedParcels'))}</h2><div id="case-parcels"></div></section>
        <section class="card" id="case-entries-card"><h2>${esc(t('linkedEntries'))}</h2><div id="case-entries"></div></section>
      </div>
      <aside class="case-side">
        <form class="card work" id="case-link" hidden novalidate>
          <h2>${esc(t('linkMore'))}</h2>
          <label>${esc(t('alertId'))}<input name="alertIds" autocomplete="off"></label>
          <label>${esc(t('waybill'))}<input name="waybillNos" autocomplete="off"></label>
          <label>${esc(t('entryId'))}<input name="watchlistEntryIds" autocomplete="off"></label>
          <p class="error" role="alert"></p>
          <button type="submit" class="secondary">${esc(t('link'))}</button>
        </form>
        <form class="card work" id="case-share" hidden novalidate>
          <h2>${esc(t('share'))}</h2>
          <label>${esc(t('shareJurisdiction'))}<input name="jurisdiction" placeholder="33" maxlength="12" required autocomplete="off"></label>
          <label>${esc(t('shareNote'))}<input name="note" maxlength="2000"></label>
          <p class="error" role="alert"></p>
          <button type="submit" class="secondary">${esc(t('share'))}</button>
        </form>
        <form class="card work" id="case-close" hidden novalidate>
          <h2>${esc(t('closeCase'))}</h2>
          <label>${esc(t('caseOutcome'))}<select name="outcome" required><option value="">—</option>${OUTCOMES.map((o) => `<option value="${o}">${esc(outcomeName(o))}</option>`).join('')}</select></label>
          <label>${esc(t('outcomeNote'))} <textarea name="note" rows="3" maxlength="4000" required aria-required="true"></textarea></label>
          <p class="error" role="alert"></p>
          <button type="submit" class="danger">${esc(t('closeCase'))}</button>
        </form>
      </aside>
    </div>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  async function load() {
    try {
      [c, interceptions] = await Promise.all([get<CaseDetail>(path), interceptionsOf({ caseId: id }).catch(() => interceptions)]);
      $('#case-error').textContent = '';
      paint();
    } catch (err) {
      $('#case-error').textContent = problemText(err);
    }
  }

  function paint() {
    const k = c!;
    $('#case-head').innerHTML = `
      <h1><span class="mono">${esc(k.reference)}</span> ${esc(k.title)}
        ${k.status === 'closed' ? `<span class="status resolved">${esc(t('closed'))}</span>` : `<span class="status open">${esc(t('unresolved'))}</span>`}
        ${k.overdue ? `<span class="badge high" id="case-overdue">${esc(t('overdue'))}</span>` : ''}</h1>
      <dl class="facts">
        <div><dt>${esc(t('caseOwner'))}</dt><dd id="case-owner">${esc(k.owner.username)}</dd></div>
        <div><dt>${esc(t('dueAt'))}</dt><dd class="${k.overdue ? 'overdue' : ''}">${esc(fmtTime(k.dueAt))}</dd></div>
        <div><dt>${esc(t('priority'))}</dt><dd><span class="prio ${esc(k.priority)}">${esc(priorityName(k.priority))}</span></dd></div>
        <div><dt>${esc(t('owner'))}</dt><dd>${esc(jurisdictionLabel(k.jurisdiction))}</dd></div>
        <div><dt>${esc(t('sharedWith'))}</dt><dd id="case-shared">${k.shares.length ? k.shares.map((s) => `<span title="${esc(s.note ?? '')}">${esc(jurisdictionLabel(s.jurisdiction))}</span>`).join(', ') : '—'}</dd></div>
        <div><dt>${esc(t('openedBy'))}</dt><dd>${esc(k.openedBy)} · ${esc(fmtTime(k.openedAt))}</dd></div>
        ${k.status === 'closed' ? `<div><dt>${esc(t('caseOutcome'))}</dt><dd id="case-outcome"><b>${esc(outcomeName(k.outcome ?? ''))}</b>${k.outcomeNote ? ` — ${esc(k.outcomeNote)}` : ''}${k.closedAt ? ` · ${esc(fmtTime(k.closedAt))}` : ''}</dd></div>` : ''}
      </dl>
      <p class="actions"><a class="button secondary" id="case-lookup" href="#/lookup?case=${esc(encodeURIComponent(k.id))}">${esc(t('caseLookup'))}</a></p>
      ${k.mayWork ? '' : `<p class="notice info">${esc(t('notYours'))}</p>`}`;

    const open = k.status === 'open' && k.mayWork;
    $('#case-note').hidden = !k.mayWork;
    for (const sel of ['#case-link', '#case-share', '#case-close']) $(sel).hidden = !open;

    // Notes are their own list; the history's own "note" rows would say the same twice.
    const items = [
      ...k.history.filter((h) => h.kind !== 'note' && h.kind !== 'noted').map((h) => ({ at: h.at, html: `<span class="muted">${esc(h.by)} · ${esc(fmtTime(h.at))}</span><p><b>${esc(tCode(h.kind, 'hist_'))}</b>${h.kind === 'lookup' ? lookupDetail(h.data) : historyDetail(h.data)}</p>`, cls: h.kind === 'lookup' ? 'event lookup' : 'event' })),
      ...k.notes.map((n) => ({ at: n.at, html: `<span class="muted">${esc(n.by)}${n.byJurisdiction ? ` · ${esc(jurisdictionLabel(n.byJurisdiction))}` : ''} · ${esc(fmtTime(n.at))}</span><p>${esc(n.text)}</p>`, cls: 'note' })),
    ].sort((a, b) => b.at.localeCompare(a.at));
    $('#case-timeline').innerHTML = items.length ? items.map((i) => `<li class="${i.cls}">${i.html}</li>`).join('') : `<li class="muted">${esc(t('noNotes'))}</li>`;

    $('#case-alerts').innerHTML = k.alerts.length
      ? `<table class="grid"><tbody>${k.alerts.map((a) => `<tr><td><span class="badge ${esc(a.severity)}">${esc(t(a.severity))}</span></td><td>${esc(alertTypeName(a.type))}</td><td><a href="#/alerts/${esc(a.id)}">${esc(summaryOf(a))}</a></td><td class="num">${a.parcelCount} ${esc(t('parcels'))}</td><td><span class="status ${esc(a.status)}">${esc(tCode(a.status))}</span></td></tr>`).join('')}</tbody></table>`
      : '<p class="muted">—</p>';
    $('#case-parcels').innerHTML = k.parcels.length
      ? `<div class="scroll"><table class="grid"><thead><tr><th>${esc(t('waybill'))}</th><th>${esc(t('outlet'))}</th><th>${esc(t('sender'))}</th><th>${esc(t('goods'))}</th><th class="num">${esc(t('value'))}</th><th>${esc(t('verdict'))}</th><th>${esc(ti('column'))}</th><th>${esc(t('time'))}</th></tr></thead><tbody>${k.parcels
          .map((p) => `<tr><td class="mono">${esc(p.waybillNo)}</td><td>${esc(p.outletId)}</td><td>${esc(p.sender?.name ?? '')} <span class="mono">${esc(p.sender?.idNumber ?? '')}</span> <span class="mono">${esc(p.sender?.phone ?? '')}</span></td><td>${esc(p.declared?.description ?? '')}${p.declared?.brand ? ` · <b>${esc(p.declared.brand)}</b>` : ''}</td><td class="num">${p.declared ? fmtCny(p.declared.valueCny) : ''}</td><td><span class="verdict ${esc(p.verdict)}">${esc(tCode(p.verdict))}</span>${p.status && p.status !== p.verdict ? ` · ${esc(parcelStatusWord(p.status) ?? tCode(p.status))}` : ''}</td><td data-col="interception">${interceptionCell(interceptions.get(p.waybillNo))}</td><td class="nowrap">${esc(fmtTime(p.createdAt))}</td></tr>`)
          .join('')}</tbody></table></div>`
      : '<p class="muted">—</p>';
    $('#case-entries-card').hidden = !k.watchlistEntries.length;
    $('#case-entries').innerHTML = k.watchlistEntries.map((w) => `<span class="chip">${esc(w.type)}: <span class="mono">${esc(w.value)}</span></span>`).join(' ');
  }

  /** What a timeline entry changed, in words: the fields a person reads (ids and references stay out). */
  function historyDetail(data: Record<string, unknown> | null | undefined): string {
    if (!data) return '';
    const show: Record<string, (v: unknown) => string> = {
      jurisdiction: (v) => jurisdictionLabel(String(v)),
      outcome: (v) => outcomeName(String(v)),
      ownerUsername: String, owner: (v) => (typeof v === 'object' && v ? String((v as { username?: string }).username ?? '') : String(v)),
      dueAt: (v) => fmtTime(String(v)), priority: (v) => priorityName(String(v)), title: String, note: String,
      alertIds: (v) => `${t('alerts')} ×${(v as unknown[]).length}`, waybillNos: (v) => (v as string[]).join(', '),
      watchlistEntryIds: (v) => `${t('linkedEntries')} ×${(v as unknown[]).length}`,
    };
    const parts: string[] = [];
    for (const [key, v] of Object.entries(data)) {
      if (!(key in show) || v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
      if (key === 'title' && data.reference) continue;
      parts.push(esc(show[key]!(v)));
    }
    return parts.length ? ` — ${parts.join(' · ')}` : '';
  }

  /** A look-up made for the case: by what, why, what it found and whether in full — never what was looked up. */
  function lookupDetail(data: Record<string, unknown> | null | undefined): string {
    if (!data) return '';
    const criterion = String(data.criterion ?? '');
    const parts = [
      tCode(criterion, 'crit_'),
      t('lookupFound', { senders: Number(data.senders ?? 0), parcels: Number(data.parcels ?? 0) }),
      t(data.unmasked ? 'lookupUnmaskedShort' : 'lookupMaskedShort'),
    ];
    return ` — ${parts.map(esc).join(' · ')}${data.reason ? `<br><span class="muted">${esc(t('reason'))}</span> ${esc(String(data.reason))}` : ''}`;
  }

  /** Posts a form; on success clears it and shows the case as the server returns it (or reloads). */
  function work(sel: string, url: string, body: (f: FormData) => Record<string, unknown>, validate?: (form: HTMLFormElement) => boolean) {
    const form = $<HTMLFormElement>(sel);
    const errEl = form.querySelector<HTMLElement>('.error')!;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      errEl.textContent = '';
      if (validate && !validate(form)) return;
      try {
        const res = await api<Partial<CaseDetail> & { case?: CaseDetail }>('POST', `${path}${url}`, body(new FormData(form)));
        form.reset();
        const next = res?.case ?? (res && 'notes' in res && 'history' in res ? (res as CaseDetail) : null);
        if (next) {
          c = next;
          paint();
        } else await load();
      } catch (err) {
        showFieldErrors(form, err, errEl);
      }
    });
  }
  const required = (names: string[]) => (form: HTMLFormElement) => {
    let ok = true;
    for (const name of names) {
      const input = form.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
      if (input.value.trim()) continue;
      ok = false;
      input.setAttribute('aria-invalid', 'true');
      const p = document.createElement('span');
      p.className = 'field-error';
      p.textContent = t('noteMissing');
      input.insertAdjacentElement('afterend', p);
    }
    return ok;
  };
  const list = (v: FormDataEntryValue | null) => String(v ?? '').split(/[\s,，]+/).filter(Boolean);
  work('#case-note', '/notes', (f) => ({ text: String(f.get('text') ?? '') }), required(['text']));
  work('#case-link', '/links', (f) => {
    const body: Record<string, string[]> = {};
    for (const k of ['alertIds', 'waybillNos', 'watchlistEntryIds']) if (list(f.get(k)).length) body[k] = list(f.get(k));
    return body;
  });
  work('#case-share', '/share', (f) => ({ jurisdiction: String(f.get('jurisdiction') ?? '').trim(), note: String(f.get('note') ?? '') }), required(['jurisdiction']));
  work('#case-close', '/close', (f) => ({ outcome: String(f.get('outcome') ?? ''), note: String(f.get('note') ?? '') }), required(['outcome', 'note']));

  const reload = debounce(() => load(), 200);
  const off = live.on('case:updated', (s) => {
    if (s.id === id) reload();
  });
  const offInterceptions = INTERCEPTION_EVENTS.map((e) => live.on(e, (o) => c?.parcels.some((p) => p.waybillNo === o.waybillNo) && reload()));
  void load();
  return () => {
    off();
    offInterceptions.forEach((o) => o());
  };
}

