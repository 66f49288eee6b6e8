// The overview: the period's figures as tiles, then charts where looking beats reading — intakes per day by
// verdict, what held and refused parcels, where alerts come from (routes, outlets), where parcels go.
import { esc, get, qs } from '../api.js';
import { countryName, reasonName, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Overview } from '../types.js';
import { chinaToday, problemText } from './common.js';

const COLORS = { accepted: '#0f7b3f', held: '#b45309', rejected: '#b91c1c', blue: '#0b3d91' };

export function renderOverview({ main }: PageContext, params: URLSearchParams) {
  const to = params.get('to') ?? chinaToday();
  const from = params.get('from') ?? chinaToday(13);
  const disposers: (() => void)[] = [];
  const quick = (days: number, key: Key) => `<a class="button secondary" href="#/overview${qs({ from: chinaToday(days - 1), to: chinaToday() })}">${esc(t(key))}</a>`;
  main.innerHTML = `
    <h1>${esc(t('overviewTitle'))}</h1>
    <form class="filters card" id="period">
      <label>${esc(t('from'))}<input type="date" name="from" value="${esc(from)}" required></label>
      <label>${esc(t('to'))}<input type="date" name="to" value="${esc(to)}" required></label>
      <button type="submit" class="primary">${esc(t('apply'))}</button>
      ${quick(7, 'days7')}${quick(14, 'days14')}${quick(30, 'days30')}
    </form>
    <p class="error" role="alert" id="overview-error"></p>
    <section class="tiles" id="tiles"></section>
    <div class="charts">
      <section class="card wide"><h2>${esc(t('intakesPerDay'))}</h2><div class="chart" id="c-days"></div></section>
      <section class="card"><h2>${esc(t('holdsByReason'))} / ${esc(t('refusalsByReason'))}</h2><div class="chart" id="c-reasons"></div></section>
      <section class="card"><h2>${esc(t('topDestinations'))}</h2><div class="chart" id="c-dest"></div></section>
      <section class="card"><h2>${esc(t('alertsByRoute'))}</h2><div class="chart" id="c-routes"></div></section>
      <section class="card"><h2>${esc(t('alertsByOutlet'))}</h2><div class="chart" id="c-outlets"></div></section>
    </div>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;
  $('#period').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    location.hash = `#/overview${qs({ from: String(f.get('from')), to: String(f.get('to')) })}`;
  });

  void (async () => {
    try {
      const [o, { renderChart }] = await Promise.all([get<Overview>(`/api/stats/overview${qs({ from, to })}`), import('../charts.js')]);
      const tiles: [Key, number, string][] = [
        ['intakes', o.totals.intakes, ''], ['held', o.totals.held, 'amber'], ['rejected', o.totals.rejected, 'red'],
        ['crossBorder', o.totals.crossBorder, ''], ['alerts', o.totals.alerts, 'amber'], ['seizures', o.totals.seizures, 'red'],
      ];
      $('#tiles').innerHTML = tiles.map(([k, v, c]) => `<div class="tile ${c}" data-metric="${k}"><b>${v}</b>${esc(t(k))}</div>`).join('');
      const draw = (id: string, option: Record<string, unknown>, empty: boolean) => {
        const el = $(id);
        if (empty) el.innerHTML = `<p class="empty">${esc(t('nothing'))}</p>`;
        else disposers.push(renderChart(el, option));
      };
      const tooltip = { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } };
      const hbar = (names: string[], values: number[], color: string) => ({
        tooltip, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: names, inverse: true },
        series: [{ type: 'bar', data: values, barMaxWidth: 26, itemStyle: { color }, label: { show: true, position: 'right' } }],
      });
      draw('#c-days', {
        tooltip, legend: { top: 0 }, grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: o.days.map((d) => d.day.slice(5)) }, yAxis: { type: 'value', minInterval: 1 },
        series: (['accepted', 'held', 'rejected'] as const).map((k) => ({ type: 'bar', stack: 'v', barMaxWidth: 40, name: t(k), data: o.days.map((d) => d[k]), itemStyle: { color: COLORS[k] } })),
      }, false);
      const reasons = [...o.refusalsByReason.map((r) => ({ ...r, kind: 'rejected' as const })), ...o.holdsByReason.map((r) => ({ ...r, kind: 'held' as const }))];
      draw('#c-reasons', {
        ...hbar(reasons.map((r) => `${t(r.kind)} · ${reasonName(r.code)}`), [], COLORS.held),
        series: [{ type: 'bar', data: reasons.map((r) => ({ value: r.count, itemStyle: { color: COLORS[r.kind] } })), barMaxWidth: 26, label: { show: true, position: 'right' } }],
      }, !reasons.length);
      draw('#c-dest', hbar(o.topDestinations.map((d) => `${countryName(d.country)} ${d.country}`), o.topDestinations.map((d) => d.parcels), COLORS.blue), !o.topDestinations.length);
      draw('#c-routes', hbar(o.alertsByRoute.map((r) => r.routeKey), o.alertsByRoute.map((r) => r.count), COLORS.held), !o.alertsByRoute.length);
      draw('#c-outlets', hbar(o.alertsByOutlet.map((r) => `${r.outletId} ${r.name}`), o.alertsByOutlet.map((r) => r.count), COLORS.held), !o.alertsByOutlet.length);
      $('.charts').setAttribute('data-ready', 'true');
    } catch (err) {
      $('#overview-error').textContent = problemText(err);
    }
  })();
  return () => disposers.forEach((d) => d());
}
