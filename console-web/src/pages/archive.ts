// The reports stored automatically (every Friday 17:00 and the last day of each month 17:00, Beijing time),
// each downloadable exactly as stored — its SHA-256 shown so a recipient can check the file — and the monthly
// summary read on screen or downloaded as XLSX/CSV.
import { esc, get, qs } from '../api.js';
import { fmtTime, jurisdictionLabel, t, tCode } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { ArchivedReport } from '../types.js';
import { problemText } from './common.js';
import { reportTabs } from './reports.js';

const KINDS = ['weekly', 'monthly'] as const;

export function renderArchive({ main }: PageContext, params: URLSearchParams) {
  const kind = KINDS.includes(params.get('kind') as never) ? params.get('kind')! : '';
  let reports: ArchivedReport[] = [];
  let nextCursor: string | null = null;
  main.innerHTML = `
    <h1>${esc(t('archiveTitle'))}</h1>
    ${reportTabs('archive')}
    <nav class="tabs">${['', ...KINDS].map((k) => `<a href="#/reports/archive${qs({ kind: k })}" class="${k === kind ? 'active' : ''}">${esc(k ? t(k === 'weekly' ? 'weeklyTab' : 'monthlyTab') : t('all'))}</a>`).join('')}</nav>
    <p class="muted">${esc(t('reportNote'))}</p>
    <p class="error" id="archive-error" role="alert"></p>
    <div class="scroll"><table class="grid archive">
      <thead><tr><th>${esc(t('kind'))}</th><th>${esc(t('period'))}</th><th>${esc(t('scope'))}</th><th>${esc(t('generatedAt'))}</th><th>${esc(t('format'))}</th><th class="num">${esc(t('size'))}</th><th>SHA-256</th><th></th></tr></thead>
      <tbody id="archive-rows"></tbody>
    </table></div>
    <p><button type="button" class="secondary" id="archive-more" hidden>${esc(t('more'))}</button></p>`;
  const rowsEl = main.querySelector<HTMLElement>('#archive-rows')!;

  async function load(append = false) {
    try {
      const page = await get<{ reports: ArchivedReport[]; nextCursor: string | null }>(`/api/reports/archive${qs({ kind, limit: 50, cursor: append ? nextCursor : null })}`);
      reports = append ? [...reports, ...page.reports] : page.reports;
      nextCursor = page.nextCursor;
      paint();
    } catch (err) {
      main.querySelector('#archive-error')!.textContent = problemText(err);
    }
  }
  const size = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b} B`);
  function paint() {
    rowsEl.innerHTML = reports.length
      ? reports
          .map(
            (r) => `<tr data-id="${esc(r.id)}">
              <td>${esc(r.kind === 'weekly' ? t('weeklyTab') : r.kind === 'monthly' ? t('monthlyTab') : r.kind)}</td>
              <td class="mono">${esc(r.period)}</td>
              <td>${esc(scopeName(r.scope))}</td>
              <td class="nowrap">${esc(fmtTime(r.generatedAt))}</td>
              <td>${esc(r.format.toUpperCase())}</td>
              <td class="num">${esc(size(r.bytes))}</td>
              <td class="mono" title="${esc(r.sha256)}">${esc(r.sha256.slice(0, 12))}…</td>
              <td><a class="button secondary small" href="/api/reports/archive/${encodeURIComponent(r.id)}" download>${esc(t('download'))}</a></td>
            </tr>`,
          )
          .join('')
      : `<tr><td colspan="8" class="empty">${esc(t('noReports'))}</td></tr>`;
    main.querySelector<HTMLElement>('#archive-more')!.hidden = !nextCursor;
  }
  main.querySelector('#archive-more')!.addEventListener('click', () => void load(true));
  void load();
}

/** 'national', '44', '44-cross-border' → words. */
const scopeName = (scope: string) => {
  const [code = '', ...rest] = scope.split('-');
  const where = code === 'national' ? t('national') : jurisdictionLabel(code);
  return rest.join('-') === 'cross-border' ? `${where} · ${t('crossBorder')}` : rest.length ? `${where} · ${rest.join('-')}` : where;
};

/** The last month before this one in Beijing, YYYY-MM. */
const lastMonth = () => {
  const d = new Date(Date.now() + 8 * 3600_000);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};

export function renderMonthly({ main }: PageContext, params: URLSearchParams) {
  const month = /^\d{4}-\d{2}$/.test(params.get('month') ?? '') ? params.get('month')! : lastMonth();
  const file = (format: string) => `/api/reports/monthly${qs({ month, format })}`;
  main.innerHTML = `
    <h1>${esc(t('monthlyTitle'))}</h1>
    ${reportTabs('monthly')}
    <form class="filters card" id="month">
      <label>${esc(t('month'))}<input type="month" name="month" value="${esc(month)}" required></label>
      <button type="submit" class="primary">${esc(t('show'))}</button>
      <a class="button secondary" id="monthly-xlsx" href="${esc(file('xlsx'))}" download>${esc(t('download'))} XLSX</a>
      <a class="button secondary" id="monthly-csv" href="${esc(file('csv'))}" download>${esc(t('download'))} CSV</a>
    </form>
    <div id="monthly"><p class="muted">${esc(t('loading'))}</p></div>`;
  main.querySelector('#month')!.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/reports/monthly${qs({ month: String(new FormData(e.target as HTMLFormElement).get('month')) })}`;
  });
  const el = main.querySelector<HTMLElement>('#monthly')!;
  get<Record<string, unknown>>(file('json'))
    .then((r) => (el.innerHTML = summary(r)))
    .catch((err) => (el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}

/** The summary as the server shapes it: numbers as tiles, sections as cards, lists as tables. */
function summary(r: Record<string, unknown>): string {
  const scalars = Object.entries(r).filter(([, v]) => typeof v !== 'object' || v === null);
  const sections = Object.entries(r).filter(([, v]) => typeof v === 'object' && v !== null);
  return `
    <p class="lead">${scalars.map(([k, v]) => `${esc(tCode(k))}: <b>${esc(v)}</b>`).join(' · ')}</p>
    <div class="charts">${sections.map(([k, v]) => `<section class="card"><h2>${esc(tCode(k))}</h2>${block(v)}</section>`).join('')}</div>`;
}
function block(v: unknown): string {
  if (Array.isArray(v)) {
    if (!v.length) return '<p class="muted">—</p>';
    if (typeof v[0] !== 'object' || v[0] === null) return `<p>${v.map((x) => esc(x)).join(', ')}</p>`;
    const cols = [...new Set(v.flatMap((x) => Object.keys(x as object)))];
    return `<div class="scroll"><table class="grid"><thead><tr>${cols.map((c) => `<th>${esc(tCode(c))}</th>`).join('')}</tr></thead><tbody>${v
      .map((x) => `<tr>${cols.map((c) => `<td>${cell((x as Record<string, unknown>)[c])}</td>`).join('')}</tr>`)
      .join('')}</tbody></table></div>`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  return `<ul class="counts-list">${entries.map(([k, x]) => `<li><span>${esc(tCode(k))}</span>${typeof x === 'object' && x !== null ? block(x) : `<b>${esc(x)}</b>`}</li>`).join('')}</ul>`;
}
const cell = (x: unknown) => (typeof x === 'object' && x !== null ? esc(JSON.stringify(x)) : esc(x));
