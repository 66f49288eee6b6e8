// Routes leaving the jurisdiction, riskiest first, and one route's page: its figures, the risk in words, the
// rate in force, the form to raise it (reason required, optional expiry) or restore the base rate, its history,
// and its parcels waiting for inspection. Regulators read; customs officers decide.
import { api, esc, get } from '../api.js';
import { channelName, countryName, fmtPct, fmtTime, said, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { RateChange, Route } from '../types.js';
import { mountInspections } from './inspections.js';
import { problemText, routesTabs, showFieldErrors } from './common.js';

const LEVEL: Record<Route['risk']['level'], Key> = { high: 'riskHigh', elevated: 'riskElevated', normal: 'riskNormal' };
const mayDecide = (ctx: PageContext) => ctx.user.role === 'customs_officer' || ctx.user.role === 'admin';

const rateText = (r: Route) =>
  `<b>${fmtPct(r.rate)}</b>${r.raised ? ` <span class="muted">(${esc(t('baseRate'))} ${fmtPct(r.baseRate)}; ${r.raisedUntil ? `${esc(t('raisedUntil'))} ${esc(fmtTime(r.raisedUntil))}` : esc(t('noExpiry'))})</span>` : ''}`;

export function renderRoutes(ctx: PageContext) {
  const { main } = ctx;
  main.innerHTML = `${routesTabs('#/routes')}<h1>${esc(t('navRoutes'))} <small class="muted">${esc(t('riskRank'))}</small></h1>
    ${mayDecide(ctx) ? '' : `<p class="notice info">${esc(t('readOnly'))}</p>`}
    <div id="routes"></div>`;
  const el = main.querySelector<HTMLElement>('#routes')!;
  get<Route[]>('/api/routes')
    .then((routes) => {
      el.innerHTML = routes.length
        ? `<table class="grid routes">
            <thead><tr><th>${esc(t('risk'))}</th><th>${esc(t('route'))}</th><th class="num">${esc(t('traffic7d'))}</th><th class="num">${esc(t('selected7d'))}</th><th class="num">${esc(t('alerts7d'))}</th><th class="num">${esc(t('confirmed30d'))}</th><th class="num">${esc(t('seized30d'))}</th><th class="num">${esc(t('pendingInsp'))}</th><th>${esc(t('rate'))}</th><th>${esc(t('suggested'))}</th></tr></thead>
            <tbody>${routes
              .map(
                (r) => `<tr class="risk-${r.risk.level}" data-route="${esc(r.routeKey)}">
                  <td><span class="risk ${r.risk.level}">${esc(t(LEVEL[r.risk.level]))}</span></td>
                  <td><a href="#/routes/${encodeURIComponent(r.routeKey)}">${esc(r.routeKey)}</a><div class="muted">${esc(countryName(r.destinationCountry))} · ${esc(channelName(r.channel))}</div></td>
                  <td class="num">${r.parcels7d}</td><td class="num">${r.selected7d}</td><td class="num">${r.alerts7d}</td>
                  <td class="num">${r.confirmedAlerts30d}</td><td class="num">${r.seized30d}</td><td class="num">${r.pendingInspections}</td>
                  <td>${rateText(r)}</td>
                  <td>${r.risk.suggested && r.risk.suggestedRate !== null ? `<b>${fmtPct(r.risk.suggestedRate)}</b> <span class="muted">${esc(r.risk.evidence.map(said).join(' '))}</span>` : '—'}</td>
                </tr>`,
              )
              .join('')}</tbody></table>`
        : `<p class="empty">${esc(t('noRoutes'))}</p>`;
    })
    .catch((err) => (el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}

export function renderRoute(ctx: PageContext, routeKey: string) {
  const { main } = ctx;
  const path = `/api/routes/${encodeURIComponent(routeKey)}`;

  async function load() {
    try {
      paint(await get<Route & { history: RateChange[] }>(path));
    } catch (err) {
      main.innerHTML = `<p><a href="#/routes" class="back">← ${esc(t('back'))}</a></p><p class="error" role="alert">${esc(problemText(err))}</p>`;
    }
  }

  function paint(r: Route & { history: RateChange[] }) {
    const decide = mayDecide(ctx);
    main.innerHTML = `
      <p><a href="#/routes" class="back">← ${esc(t('back'))}</a></p>
      <h1>${esc(r.routeKey)} <span class="risk ${r.risk.level}">${esc(t(LEVEL[r.risk.level]))}</span></h1>
      <p class="lead">${esc(countryName(r.destinationCountry))} · ${esc(channelName(r.channel))} · ${esc(t('rate'))} ${rateText(r)}</p>
      ${r.reason ? `<p class="muted">${esc(t('reason'))}: ${esc(r.reason)} — ${esc(r.setBy ?? '')}</p>` : ''}
      <dl class="facts">
        ${([['traffic7d', r.parcels7d], ['selected7d', r.selected7d], ['alerts7d', r.alerts7d], ['confirmed30d', r.confirmedAlerts30d], ['seized30d', r.seized30d], ['pendingInsp', r.pendingInspections]] as [Key, number][])
          .map(([k, v]) => `<div><dt>${esc(t(k))}</dt><dd>${v}</dd></div>`)
          .join('')}
      </dl>
      ${r.risk.evidence.length ? `<ul class="evidence">${r.risk.evidence.map((e) => `<li>${esc(said(e))}</li>`).join('')}</ul>` : ''}
      <div class="cols">
        ${decide
          ? `<section class="card">
              <h2>${esc(t('setRate'))}</h2>
              <form id="set-rate">
                <label>${esc(t('ratePercent'))}<input name="rate" type="number" min="0" max="100" step="0.1" required value="${r.risk.suggestedRate !== null ? (r.risk.suggestedRate * 100).toFixed(0) : ''}"></label>
                <label>${esc(t('reason'))}<input name="reason" required maxlength="500"></label>
                <label>${esc(t('expiresAt'))}<input name="expiresAt" type="datetime-local"></label>
                <p class="error" role="alert" id="set-error"></p>
                <button type="submit" class="primary">${esc(t('save'))}</button>
              </form>
              ${r.raised
                ? `<form id="restore" class="restore">
                    <label>${esc(t('restoreReason'))}<input name="reason" required maxlength="500"></label>
                    <p class="error" role="alert" id="restore-error"></p>
                    <button type="submit" class="secondary">${esc(t('restore'))}</button>
                  </form>`
                : ''}
            </section>`
          : `<p class="notice info">${esc(t('readOnly'))}</p>`}
        <section class="card">
          <h2>${esc(t('history'))}</h2>
          ${r.history.length
            ? `<table class="grid"><tbody>${r.history
                .map(
                  (h) => `<tr><td>${esc(fmtTime(h.changedAt))}</td><td>${esc(h.changedBy)}</td>
                    <td>${fmtPct(h.previousRate)} → <b>${fmtPct(h.rate)}</b>${h.expiresAt ? ` <span class="muted">${esc(t('raisedUntil'))} ${esc(fmtTime(h.expiresAt))}</span>` : ''}</td>
                    <td>${esc(h.reason)}</td></tr>`,
                )
                .join('')}</tbody></table>`
            : '<p class="muted">—</p>'}
        </section>
      </div>
      ${decide ? `<section class="card"><h2>${esc(t('inspectionsTitle'))} · ${esc(t('pending'))}</h2><div id="route-queue"></div></section>` : ''}`;

    const setForm = main.querySelector<HTMLFormElement>('#set-rate');
    setForm?.addEventListener('submit', async (e) => {
      e.preventDefault();
      const form = new FormData(setForm);
      const local = String(form.get('expiresAt') ?? '');
      const body = {
        rate: Number(form.get('rate')) / 100,
        reason: String(form.get('reason') ?? ''),
        // The officer types Beijing time.
        ...(local ? { expiresAt: new Date(`${local}:00+08:00`).toISOString() } : {}),
      };
      try {
        await api('PUT', `${path}/inspection-rate`, body);
        await load();
      } catch (err) {
        showFieldErrors(setForm, err, main.querySelector('#set-error')!);
      }
    });
    const restoreForm = main.querySelector<HTMLFormElement>('#restore');
    restoreForm?.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('DELETE', `${path}/inspection-rate`, Object.fromEntries(new FormData(restoreForm)));
        await load();
      } catch (err) {
        showFieldErrors(restoreForm, err, main.querySelector('#restore-error')!);
      }
    });
    const queue = main.querySelector<HTMLElement>('#route-queue');
    if (queue) mountInspections(queue, { status: 'pending', routeKey: r.routeKey }, true);
  }
  void load();
}
