// The weekly report: choose an ISO week (Beijing time), read it on screen, download it as XLSX or CSV for
// Friday's submission. The files come straight from GET /api/reports/weekly with the session cookie.
import { esc, get, qs } from '../api.js';
import { alertTypeName, fmtCny, fmtPct, fmtTime, reasonName, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { WeeklyReport } from '../types.js';
import { isoWeekOf } from '../../../server/reports/period.js';
import { problemText } from './common.js';

export function renderReports({ main }: PageContext, params: URLSearchParams) {
  const week = params.get('week') ?? isoWeekOf(new Date());
  const file = (format: string) => `/api/reports/weekly${qs({ week, format })}`;
  main.innerHTML = `
    <h1>${esc(t('reportsTitle'))}</h1>
    <form class="filters card" id="week">
      <label>${esc(t('week'))}<input type="week" name="week" value="${esc(week)}" required></label>
      <button type="submit" class="primary">${esc(t('show'))}</button>
      <a class="button secondary" id="xlsx" href="${esc(file('xlsx'))}" download>${esc(t('download'))} XLSX</a>
      <a class="button secondary" id="csv" href="${esc(file('csv'))}" download>${esc(t('download'))} CSV</a>
    </form>
    <p class="muted">${esc(t('reportNote'))}</p>
    <div id="report"><p class="muted">${esc(t('loading'))}</p></div>`;
  main.querySelector('#week')!.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/reports${qs({ week: String(new FormData(e.target as HTMLFormElement).get('week')) })}`;
  });
  const el = main.querySelector<HTMLElement>('#report')!;
  get<WeeklyReport>(file('json'))
    .then((r) => {
      const metrics: [Key | string, number][] = [
        ['intakes', r.intakes.total], ['accepted', r.intakes.accepted], ['held', r.intakes.held], ['rejected', r.intakes.rejected],
        [t('suspectHits'), r.suspectListHits], [`${t('alerts')} · ${t('opened')}`, r.alerts.opened], [`${t('alerts')} · ${t('confirmed')}`, r.alerts.confirmed],
        [`${t('alerts')} · ${t('falsePositive')}`, r.alerts.falsePositive], [t('selected'), r.customs.selected], ['seizures', r.customs.seized], [t('rateChanges'), r.customs.rateChanges],
      ];
      const label = (k: string) => (k in { intakes: 1, accepted: 1, held: 1, rejected: 1, seizures: 1 } ? t(k as Key) : k);
      el.innerHTML = `
        <p class="lead">${esc(r.week)} · ${esc(r.jurisdiction)} · ${esc(r.days[0]?.day ?? '')} — ${esc(r.days.at(-1)?.day ?? '')}</p>
        <section class="tiles">${metrics.map(([k, v]) => `<div class="tile"><b>${v}</b>${esc(label(k))}</div>`).join('')}</section>
        <div class="cols">
          <section class="card"><h2>${esc(t('refusalsByReason'))}</h2>${list(r.refusalsByReason)}</section>
          <section class="card"><h2>${esc(t('holdsByReason'))}</h2>${list(r.holdsByReason)}</section>
        </div>
        <section class="card"><h2>${esc(t('confirmedCases'))} (${r.confirmedCases.length})</h2>
          ${r.confirmedCases.length
            ? `<table class="grid"><thead><tr><th>${esc(t('type'))}</th><th>${esc(t('route'))}</th><th class="num">${esc(t('parcels'))}</th><th class="num">${esc(t('totalValue'))}</th><th>${esc(t('resolvedBy'))}</th><th>${esc(t('note'))}</th></tr></thead><tbody>${r.confirmedCases
                .map((c) => `<tr><td><a href="#/alerts/${esc(c.alertId)}">${esc(alertTypeName(c.type))}</a></td><td>${esc(c.routeKey ?? '—')}</td><td class="num">${c.parcelCount}</td><td class="num">${fmtCny(c.totalValueCny)}</td><td>${esc(c.resolvedBy ?? '')} · ${esc(fmtTime(c.resolvedAt))}</td><td>${esc(c.note ?? '')}</td></tr>`)
                .join('')}</tbody></table>`
            : '<p class="muted">—</p>'}
        </section>
        <section class="card"><h2>${esc(t('rateChanges'))} (${r.rateChanges.length})</h2>
          ${r.rateChanges.length
            ? `<table class="grid"><tbody>${r.rateChanges.map((c) => `<tr><td>${esc(c.routeKey)}</td><td>${fmtPct(c.previousRate)} → <b>${fmtPct(c.rate)}</b></td><td>${esc(c.reason)}</td><td>${esc(c.changedBy)} · ${esc(fmtTime(c.changedAt))}</td></tr>`).join('')}</tbody></table>`
            : '<p class="muted">—</p>'}
        </section>`;
    })
    .catch((err) => (el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}

const list = (xs: { code: string; count: number }[]) =>
  xs.length ? `<ul class="counts-list">${xs.map((x) => `<li><span>${esc(reasonName(x.code))}</span><b>${x.count}</b></li>`).join('')}</ul>` : '<p class="muted">—</p>';
