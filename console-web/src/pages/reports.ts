// The weekly report: choose an ISO week (Beijing time), read it on screen, download it as XLSX or CSV for
// Friday's submission. The files come straight from GET /api/reports/weekly with the session cookie.
import { esc, get, qs } from '../api.js';
import { alertTypeName, currentLang, fmtCny, fmtPct, fmtTime, jurisdictionLabel, reasonName, said, t, tCode, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { WeeklyCaseRow, WeeklyReport } from '../types.js';
import { isoWeekOf } from '../../../server/reports/period.js';
import { problemText } from './common.js';
import { outcomeName } from './cases.js';
import { renderArchive, renderMonthly } from './archive.js';

/** Weekly, monthly and the archive of stored reports: three tabs of one page (#/reports, #/reports/monthly, #/reports/archive). */
export const reportTabs = (active: 'weekly' | 'monthly' | 'archive') =>
  `<nav class="tabs" id="report-tabs">${([['weekly', '#/reports', 'weeklyTab'], ['monthly', '#/reports/monthly', 'monthlyTab'], ['archive', '#/reports/archive', 'archiveTab']] as const)
    .map(([k, href, label]) => `<a href="${href}" class="${k === active ? 'active' : ''}">${esc(t(label))}</a>`).join('')}</nav>`;

/** The report's scope as the server labels it ('CN', '44', '44 (cross-border)', scope.ts) in the console's language. */
const scopeWords = (label: string) => {
  const m = /^(\w+?)( \(cross-border\))?$/.exec(label);
  if (!m) return label;
  const where = m[1] === 'CN' ? (currentLang() === 'zh' ? '全国' : 'National') : jurisdictionLabel(m[1]!);
  return m[2] ? `${where} · ${currentLang() === 'zh' ? '跨境' : 'cross-border'}` : where;
};

export function renderReports(ctx: PageContext, params: URLSearchParams, sub?: string) {
  if (sub === 'archive') return renderArchive(ctx, params);
  if (sub === 'monthly') return renderMonthly(ctx, params);
  const { main } = ctx;
  const week = params.get('week') ?? isoWeekOf(new Date());
  const file = (format: string) => `/api/reports/weekly${qs({ week, format })}`;
  main.innerHTML = `
    <h1>${esc(t('reportsTitle'))}</h1>
    ${reportTabs('weekly')}
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
        <p class="lead">${esc(r.week)} · ${esc(scopeWords(r.jurisdiction))} · ${esc(r.days[0]?.day ?? '')} — ${esc(r.days.at(-1)?.day ?? '')}</p>
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
        </section>
        ${casesTable(r)}
        ${holdsTables(r)}`;
    })
    .catch((err) => (el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}

const list = (xs: { code: string; count: number }[]) =>
  xs.length ? `<ul class="counts-list">${xs.map((x) => `<li><span>${esc(reasonName(x.code))}</span><b>${x.count}</b></li>`).join('')}</ul>` : '<p class="muted">—</p>';

/** 案件进展情况汇总表: each open or recently closed case, overdue ones flagged. */
function casesTable(r: WeeklyReport) {
  if (!r.cases) return '';
  const rows: WeeklyCaseRow[] = Array.isArray(r.cases) ? r.cases : (r.cases.rows ?? r.cases.cases ?? []);
  const progress = (c: WeeklyCaseRow) =>
    `${c.eventsThisPeriod !== undefined ? `<b>+${c.eventsThisPeriod}</b> ` : ''}${c.lastNote ? `${esc(c.lastNote.text)} <span class="muted">${esc(c.lastNote.by)} · ${esc(fmtTime(c.lastNote.at))}</span>` : esc(c.progress ?? '')}`;
  return `<section class="card" id="report-cases"><h2>${esc(t('caseProgress'))} (${rows.length})</h2>
    ${rows.length
      ? `<div class="scroll"><table class="grid"><thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('caseTitle'))}</th><th>${esc(t('caseOwner'))}</th><th>${esc(t('opened'))}</th><th>${esc(t('dueAt'))}</th><th>${esc(t('status'))}</th><th>${esc(t('caseTimeline'))}</th></tr></thead><tbody>${rows
          .map((c) => `<tr class="${c.overdue ? 'late' : ''}"><td class="mono nowrap">${c.id ? `<a href="#/cases/${esc(c.id)}">${esc(c.reference)}</a>` : esc(c.reference)}</td><td>${esc(c.title)}</td><td>${esc(c.owner)}</td><td class="nowrap">${esc(fmtTime(c.openedAt))}</td><td class="nowrap">${esc(fmtTime(c.dueAt))}${c.overdue ? ` <span class="badge high">${esc(t('overdue'))}</span>` : ''}</td><td>${esc(c.status === 'closed' ? t('closed') : c.status === 'open' ? t('unresolved') : tCode(c.status))}${c.outcome ? ` · ${esc(outcomeName(c.outcome))}` : ''}</td><td>${progress(c)}</td></tr>`)
          .join('')}</tbody></table></div>`
      : '<p class="muted">—</p>'}
  </section>`;
}

function holdsTables(r: WeeklyReport) {
  const h = r.holds;
  if (!h) return '';
  const tiles: [Key, number | undefined][] = [['decided', h.decided], ['released', h.released], ['refused', h.refused], ['pending', h.pending], ['overdue', h.overdue]];
  const reasons = (xs?: (string | { code: string; message: string; messageZh?: string })[]) => (xs ?? []).map((x) => (typeof x === 'string' ? reasonName(x) : said(x))).join('; ');
  return `<section class="card" id="report-holds"><h2>${esc(t('holdsSummary'))}</h2>
    <div class="tiles">${tiles.filter(([, v]) => v !== undefined).map(([k, v]) => `<div class="tile${k === 'overdue' && v ? ' red' : ''}"><b>${v}</b>${esc(t(k))}</div>`).join('')}</div>
    <h3>${esc(t('overdueList'))} (${h.overdueList?.length ?? 0})</h3>
    ${h.overdueList?.length
      ? `<table class="grid"><tbody>${h.overdueList.map((o) => `<tr><td class="mono">${esc(o.waybillNo)}</td><td>${esc(o.outletId)}</td><td>${esc(reasons(o.reasons))}</td><td class="overdue">${esc(fmtTime(o.dueAt))}</td></tr>`).join('')}</tbody></table>`
      : '<p class="muted">—</p>'}
  </section>`;
}
