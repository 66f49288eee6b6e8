// One alert as a regulator reads a ring: the evidence in words, the parcels over time against the value
// limit, what links them (the same phone under rotating identities, one consignee abroad) as a linked table —
// click a reference to light up every parcel that shares it — the outlets, routes and brands involved, and
// the decisions: take it in hand, resolve it as confirmed or as a false positive with a note. Identity numbers
// and phones stay masked unless the officer asks, and that request is audited by the server. An alert reaching
// over several provinces belongs to one (server/alerts/ownership.ts): only its officers see the decisions; the
// others read who owns it and add notes, which everyone reads. A ring's alert also shows the ring itself
// (pages/ring.ts): where it went and when, what linked each parcel, and the analysts' split and allowlist.
import { mayDecide } from '../../../server/alerts/ownership.js';
import { api, esc, get } from '../api.js';
import { alertTypeName, countryName, fmtCny, fmtPct, fmtTime, jurisdictionLabel, said, summaryOf, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Alert, AlertNote, AlertParcel, AlertParcels, LinkKind } from '../types.js';
import { clearFieldErrors, debounce, problemText, showFieldErrors } from './common.js';
import { INTERCEPTION_EVENTS, interceptionCell, interceptionsOf, ti, type Interception } from './interceptions.js';

const KIND_LABEL: Record<LinkKind, Key> = { sender: 'linkSender', phone: 'linkPhone', address: 'linkAddress', consignee: 'linkConsignee' };

export function renderAlert({ main, live, user }: PageContext, id: string) {
  let alert: Alert | null = null;
  let notes: AlertNote[] = [];
  let data: AlertParcels | null = null;
  let unmasked = false;
  let highlight: string | null = null;
  let disposeChart: (() => void) | null = null;
  /** The ring view (issue 16), loaded with its own code once the alert names its ring. */
  let ringShown: string | null = null;
  let ringView: { reload(): void; dispose(): void } | null = null;
  let gone = false;
  /** Interception orders of its parcels (issue 23), by waybill. */
  let interceptions = new Map<string, Interception>();

  main.innerHTML = `
    <p class="row-between"><a href="#/alerts" class="back">← ${esc(t('back'))}</a>
      <a class="button secondary" id="open-case" href="#/cases?new=1&alertId=${encodeURIComponent(id)}">${esc(t('openCase'))}</a></p>
    <section id="head"></section>
    <p class="error" id="alert-error" role="alert"></p>
    <div class="cols">
      <section class="card" id="evidence"></section>
      <section class="card" id="actions"></section>
    </div>
    <section class="card ring" id="ring" hidden></section>
    <section class="card" id="notes">
      <h2>${esc(t('notes'))}</h2>
      <ol class="notes" id="notes-list"></ol>
      <form id="note-form">
        <label>${esc(t('addNote'))}<textarea name="text" rows="2" maxlength="2000" required placeholder="${esc(t('notePlaceholder'))}"></textarea></label>
        <p class="error" id="note-error" role="alert"></p>
        <button type="submit" class="secondary">${esc(t('addNote'))}</button>
      </form>
    </section>
    <section class="card" id="involved"></section>
    <section class="card"><h2>${esc(t('timeline'))}</h2><div class="chart" id="timeline"></div></section>
    <section class="card" id="links"></section>
    <section class="card" id="parcels"></section>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;
  const errorEl = $('#alert-error');

  async function loadAlert() {
    try {
      alert = await get<Alert>(`/api/alerts/${encodeURIComponent(id)}`);
      paintHead();
    } catch (err) {
      errorEl.textContent = problemText(err);
    }
  }
  async function loadInterceptions() {
    try {
      interceptions = await interceptionsOf({ alertId: id });
      if (data) paintParcels();
    } catch {
      // Shown as '—': the parcels themselves still load.
    }
  }
  async function loadParcels() {
    try {
      data = await get<AlertParcels>(`/api/alerts/${encodeURIComponent(id)}/parcels${unmasked ? '?unmask=true' : ''}`);
      paintParcels();
    } catch (err) {
      errorEl.textContent = problemText(err);
    }
  }

  /** The decision form is redrawn only when the status or the owner changes, so a live update never eats a note being typed. */
  let paintedState: string | null = null;
  const where = (j: string | null) => (j ? ` · ${esc(jurisdictionLabel(j))}` : '');
  function paintHead() {
    const a = alert!;
    if (a.notes) notes = a.notes;
    const byProvince = Object.entries(a.parcelsByJurisdiction ?? {})
      .sort((x, y) => y[1] - x[1])
      .map(([j, n]) => `${esc(jurisdictionLabel(j))} ×${n}`)
      .join(' · ');
    $('#head').innerHTML = `
      <h1><span class="badge ${a.severity}">${esc(t(a.severity))}</span> ${esc(alertTypeName(a.type))}
        <span class="status ${a.status}">${esc(t(a.status))}</span></h1>
      <p class="lead">${esc(summaryOf(a))}</p>
      <dl class="facts">
        <div><dt>${esc(t('parcels'))}</dt><dd>${a.parcelCount}</dd></div>
        <div><dt>${esc(t('totalValue'))}</dt><dd>${fmtCny(a.totalValueCny)}</dd></div>
        <div><dt>${esc(t('owner'))}</dt><dd id="owner">${esc(jurisdictionLabel(a.ownerJurisdiction))}${byProvince ? ` <span class="muted">(${byProvince})</span>` : ''}</dd></div>
        <div><dt>${esc(t('route'))}</dt><dd>${esc(a.routeKey ?? '—')}</dd></div>
        <div><dt>${esc(t('opened'))}</dt><dd>${esc(fmtTime(a.createdAt))}</dd></div>
        <div><dt>${esc(t('updated'))}</dt><dd>${esc(fmtTime(a.updatedAt))}</dd></div>
        ${a.acknowledged ? `<div><dt>${esc(t('ackBy'))}</dt><dd>${esc(a.acknowledged.by)}${where(a.acknowledged.jurisdiction)} · ${esc(fmtTime(a.acknowledged.at))}</dd></div>` : ''}
        ${a.resolved ? `<div><dt>${esc(t('resolvedBy'))}</dt><dd>${esc(a.resolved.by ?? '—')}${where(a.resolved.jurisdiction)} · ${esc(fmtTime(a.resolved.at))} · <b>${esc(t(a.resolved.resolution === 'false_positive' ? 'falsePositive' : a.resolved.resolution))}</b>${a.resolved.note ? ` — ${esc(a.resolved.note)}` : ''}</dd></div>` : ''}
      </dl>`;
    $('#evidence').innerHTML = `<h2>${esc(t('evidence'))}</h2><ul class="evidence">${a.evidence.map((e) => `<li data-code="${esc(e.code)}">${esc(said(e))}</li>`).join('')}</ul>`;
    if (a.ringId && ringShown !== a.ringId) showRing(a.ringId);
    const state = `${a.status}:${a.ownerJurisdiction}`;
    if (paintedState !== state) paintActions();
    paintedState = state;
    paintNotes();
  }

  function showRing(ringId: string) {
    ringShown = ringId;
    const el = $('#ring');
    el.hidden = false;
    void import('./ring.js').then(({ mountRing }) => {
      if (gone || ringShown !== ringId) return;
      ringView?.dispose();
      // A split changes the alert's parcels: read them again.
      ringView = mountRing(el, ringId, () => void loadParcels());
    });
  }

  function paintNotes() {
    $('#notes-list').innerHTML = notes.length
      ? notes.map((n) => `<li><span class="muted">${esc(n.by)}${where(n.jurisdiction)} · ${esc(fmtTime(n.at))}</span><p>${esc(n.text)}</p></li>`).join('')
      : `<li class="muted">${esc(t('noNotes'))}</li>`;
  }

  function paintActions() {
    const a = alert!;
    if (a.status === 'resolved') {
      $('#actions').innerHTML = `<h2>${esc(t('resolve'))}</h2><p>${esc(t('resolved'))}</p>`;
      return;
    }
    if (!mayDecide({ role: user.role, jurisdiction: user.jurisdiction ?? null }, a.ownerJurisdiction)) {
      // Another province decides; this one informs it through the notes below.
      const owner = jurisdictionLabel(a.ownerJurisdiction);
      $('#actions').innerHTML = `
        <h2>${esc(t('resolve'))}</h2>
        <p class="notice info" id="not-owned"><b>${esc(t('ownedBy', { owner }))}</b></p>
        <p>${esc(t('notOwned', { owner }))}</p>`;
      return;
    }
    $('#actions').innerHTML = `
      <h2>${esc(t('resolve'))}</h2>
      ${a.status === 'open' ? `<p><button type="button" class="primary" id="ack">${esc(t('acknowledge'))}</button></p>` : ''}
      <form id="resolve">
        <fieldset class="choice-row">
          <label><input type="radio" name="resolution" value="confirmed" checked> ${esc(t('confirmed'))}</label>
          <label><input type="radio" name="resolution" value="false_positive"> ${esc(t('falsePositive'))}</label>
        </fieldset>
        <label>${esc(t('note'))}<textarea name="note" rows="3" maxlength="2000"></textarea></label>
        <p class="error" id="resolve-error" role="alert"></p>
        <button type="submit" class="danger">${esc(t('resolve'))}</button>
      </form>`;
    $('#actions').querySelector('#ack')?.addEventListener('click', async () => {
      try {
        alert = await api<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/acknowledge`);
        paintHead();
      } catch (err) {
        errorEl.textContent = problemText(err);
      }
    });
    $('#actions').querySelector<HTMLFormElement>('#resolve')!.addEventListener('submit', async (e) => {
      e.preventDefault();
      const form = e.target as HTMLFormElement;
      const body = Object.fromEntries(new FormData(form));
      try {
        alert = await api<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/resolve`, body);
        paintHead();
      } catch (err) {
        showFieldErrors(form, err, form.querySelector('#resolve-error')!);
      }
    });
  }

  function paintParcels() {
    const d = data!;
    const ps = d.parcels;
    const tally = (key: (p: AlertParcel) => string | null) => {
      const m = new Map<string, number>();
      for (const p of ps) {
        const k = key(p);
        if (k) m.set(k, (m.get(k) ?? 0) + 1);
      }
      return [...m].sort((x, y) => y[1] - x[1]).map(([k, n]) => `<li>${esc(k)} <span class="muted">×${n}</span></li>`).join('') || '<li>—</li>';
    };
    $('#involved').innerHTML = `
      <h2>${esc(t('involved'))}</h2>
      <div class="involved">
        <div><h3>${esc(t('outlet'))}</h3><ul>${tally((p) => `${p.outletId} ${p.outletName}`)}</ul></div>
        <div><h3>${esc(t('route'))}</h3><ul>${tally((p) => p.routeKey)}</ul></div>
        <div><h3>${esc(t('country'))}</h3><ul>${tally((p) => `${countryName(p.recipient.country)} ${p.recipient.country}`)}</ul></div>
        <div><h3>${esc(t('brand'))}</h3><ul>${tally((p) => p.declared.brand)}</ul></div>
        <div><h3>${esc(t('goods'))}</h3><ul>${tally((p) => p.declared.description)}</ul></div>
      </div>`;

    const shared = d.links.filter((l) => l.waybills.length > 1);
    $('#links').innerHTML = `
      <h2>${esc(t('links'))}</h2>
      <p class="chips">${shared.length
        ? shared.map((l) => `<button type="button" class="chip ${l.kind}${highlight === l.ref ? ' on' : ''}" data-ref="${esc(l.ref)}"><b>${esc(l.ref)}</b> ${esc(t(KIND_LABEL[l.kind]))}: ${esc(l.label)} <span class="n">× ${l.waybills.length}</span></button>`).join('')
        : '—'}</p>`;

    const chip = (ref: string, kind: LinkKind) => `<button type="button" class="ref ${kind}${highlight === ref ? ' on' : ''}" data-ref="${esc(ref)}">${esc(ref)}</button>`;
    const lit = (p: AlertParcel) => highlight !== null && [p.sender.ref, p.sender.phoneRef, p.sender.addressRef, p.recipient.ref].includes(highlight);
    $('#parcels').innerHTML = `
      <div class="row-between">
        <h2>${esc(t('parcels'))} (${d.total})</h2>
        ${!unmasked ? `<button type="button" class="secondary" id="unmask">${esc(t('unmask'))}</button>` : `<span class="notice info">${esc(t('unmasked'))}${d.masked ? ` ${esc(t('maskedOutside'))}` : ''}</span>`}
      </div>
      ${d.truncated ? `<p class="muted">${esc(t('truncated', { n: ps.length, total: d.total }))}</p>` : ''}
      <div class="scroll"><table class="grid linked">
        <thead><tr><th>${esc(t('time'))}</th><th>${esc(t('waybill'))}</th><th>${esc(t('sender'))}</th><th>${esc(t('idNumber'))}</th><th>${esc(t('phone'))}</th><th>${esc(t('address'))}</th><th>${esc(t('consignee'))}</th><th>${esc(t('goods'))}</th><th class="num">${esc(t('value'))}</th><th>${esc(t('outlet'))}</th><th>${esc(t('verdict'))}</th><th>${esc(ti('column'))}</th><th>${esc(t('customs'))}</th></tr></thead>
        <tbody>${ps
          .map(
            (p) => `<tr class="${lit(p) ? 'lit' : ''}">
              <td>${esc(fmtTime(p.createdAt))}</td>
              <td class="mono">${esc(p.waybillNo)}</td>
              <td>${chip(p.sender.ref, 'sender')} ${esc(p.sender.name)}</td>
              <td class="mono">${esc(p.sender.idNumber)}</td>
              <td>${chip(p.sender.phoneRef, 'phone')} <span class="mono">${esc(p.sender.phone)}</span></td>
              <td>${chip(p.sender.addressRef, 'address')} ${esc(p.sender.address)}</td>
              <td>${chip(p.recipient.ref, 'consignee')} ${esc(p.recipient.name)} · ${esc(p.recipient.country)}</td>
              <td>${esc(p.declared.description)}${p.declared.brand ? ` · <b>${esc(p.declared.brand)}</b>` : ''}${p.inspectionMismatch ? ` <span class="badge medium">${esc(t('mismatch'))}</span>` : ''}
                ${p.reasons.filter((r) => r.code === 'WATCHLIST_HIT').map((r) => `<div class="hit">⚑ ${esc(said(r))}</div>`).join('')}</td>
              <td class="num">${valueBar(p)}</td>
              <td>${esc(p.outletId)}</td>
              <td><span class="verdict ${esc(p.verdict)}">${esc(t(p.verdict as Key))}</span></td>
              <td data-col="interception">${interceptionCell(interceptions.get(p.waybillNo))}</td>
              <td>${p.customs?.selected ? esc(p.customs.outcome ? t(p.customs.outcome as Key) : t('pending')) : '—'}</td>
            </tr>`,
          )
          .join('')}</tbody>
      </table></div>`;
    $('#parcels').querySelector('#unmask')?.addEventListener('click', () => {
      if (!confirm(t('unmaskConfirm'))) return;
      unmasked = true;
      void loadParcels();
    });
    void drawTimeline();
  }

  /** The declared value as a bar against the parcel's limit: just under it shows amber. */
  function valueBar(p: AlertParcel) {
    const share = Math.min(1, p.declared.valueCny / p.valueLimitCny);
    const cls = p.declared.valueCny >= p.valueLimitCny ? 'over' : p.justUnderLimit ? 'under' : '';
    return `${fmtCny(p.declared.valueCny)}<span class="vbar ${cls}" title="${esc(t('limit'))} ${fmtCny(p.valueLimitCny)} · ${fmtPct(share)}"><meter min="0" max="1" value="${share.toFixed(3)}"></meter></span>`;
  }

  async function drawTimeline() {
    const d = data!;
    const { renderChart } = await import('../charts.js');
    disposeChart?.();
    const point = (p: AlertParcel) => [p.createdAt, p.declared.valueCny, p.waybillNo];
    disposeChart = renderChart($('#timeline'), {
      grid: { left: 60, right: 90, top: 20, bottom: 40 },
      tooltip: { trigger: 'item', renderMode: 'richText', formatter: (x: { value: [string, number, string] }) => `${x.value[2]}\n${fmtTime(x.value[0])}\n${fmtCny(x.value[1])}` },
      xAxis: { type: 'time', axisLabel: { hideOverlap: true, formatter: (v: number) => fmtTime(new Date(v).toISOString()) } },
      yAxis: { type: 'value', name: 'CNY', max: (v: { max: number }) => Math.max(v.max, d.thresholds.valueLimitCny) * 1.1 },
      series: [
        { type: 'scatter', name: t('justUnder'), symbolSize: 12, itemStyle: { color: '#b45309' }, data: d.parcels.filter((p) => p.justUnderLimit).map(point) },
        { type: 'scatter', name: t('value'), symbolSize: 10, itemStyle: { color: '#0b3d91' }, data: d.parcels.filter((p) => !p.justUnderLimit).map(point) },
        {
          type: 'line', data: [], markLine: {
            symbol: 'none', lineStyle: { color: '#b91c1c', type: 'dashed' },
            label: { formatter: `${t('limit')} ${fmtCny(d.thresholds.valueLimitCny)}` },
            data: [{ yAxis: d.thresholds.valueLimitCny }],
          },
        },
      ],
    });
  }

  const noteForm = $('#note-form') as HTMLFormElement;
  noteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(noteForm));
    try {
      const note = await api<AlertNote>('POST', `/api/alerts/${encodeURIComponent(id)}/notes`, body);
      if (!notes.some((n) => n.id === note.id)) notes = [...notes, note];
      noteForm.reset();
      clearFieldErrors(noteForm);
      $('#note-error').textContent = '';
      paintNotes();
    } catch (err) {
      showFieldErrors(noteForm, err, noteForm.querySelector('#note-error')!);
    }
  });

  const toggleHighlight = (e: Event) => {
    const ref = (e.target as HTMLElement).closest<HTMLElement>('[data-ref]')?.dataset.ref;
    if (!ref || !data) return;
    highlight = highlight === ref ? null : ref;
    paintParcels();
  };
  $('#links').addEventListener('click', toggleHighlight);
  $('#parcels').addEventListener('click', toggleHighlight);

  const refresh = debounce(() => {
    void Promise.all([loadAlert(), loadParcels(), loadInterceptions()]);
    ringView?.reload();
  }, 300);
  const unsubscribe = live.subscribe(({ alert: changed }) => {
    if (changed.id !== id) return;
    alert = changed;
    paintHead();
    refresh();
  });
  void loadAlert();
  void loadParcels();
  void loadInterceptions();
  const reloadInterceptions = debounce(() => void loadInterceptions(), 300);
  const offInterceptions = INTERCEPTION_EVENTS.map((e) => live.on(e, (o) => (interceptions.has(o.waybillNo) || data?.parcels.some((p) => p.waybillNo === o.waybillNo)) && reloadInterceptions()));
  return () => {
    gone = true;
    unsubscribe();
    offInterceptions.forEach((off) => off());
    disposeChart?.();
    ringView?.dispose();
  };
}
