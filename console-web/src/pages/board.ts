// The live alert board: what is open in the jurisdiction, newest change first, filtered as the officer
// chooses (the filters live in the address, so a reload or a shared link keeps them). Live events update the
// list in place and flash what changed; the counts at the top are what still needs someone.
import { esc, get, qs } from '../api.js';
import { alertTypeName, fmtCny, fmtTime, summaryOf, t, type Key } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Alert, AlertCounts, CaseCounts, HoldCounts } from '../types.js';
import { INTERCEPTION_EVENTS, ti, type InterceptionCounts } from './interceptions.js';
import { chinaDayStart, debounce, problemText } from './common.js';

type Filters = { status: string; type: string; severity: string; routeKey: string; outletId: string; from: string; to: string };
const FILTER_KEYS: (keyof Filters)[] = ['status', 'type', 'severity', 'routeKey', 'outletId', 'from', 'to'];

export function renderBoard({ main, live }: PageContext, params: URLSearchParams) {
  const f: Filters = { status: 'unresolved', type: '', severity: '', routeKey: '', outletId: '', from: '', to: '' };
  for (const k of FILTER_KEYS) if (params.has(k)) f[k] = params.get(k) ?? '';
  let alerts: Alert[] = [];
  let nextCursor: string | null = null;
  const fresh = new Set<string>();

  const option = (value: string, label: string, current: string) => `<option value="${esc(value)}"${value === current ? ' selected' : ''}>${esc(label)}</option>`;
  main.innerHTML = `
    <section class="counts" id="counts" aria-live="polite"></section>
    <form class="filters card" id="filters">
      <label>${esc(t('status'))}<select name="status">
        ${[['unresolved', 'unresolved'], ['open', 'open'], ['acknowledged', 'acknowledged'], ['resolved', 'resolved'], ['', 'any']].map(([v, k]) => option(v!, t(k as Key), f.status)).join('')}
      </select></label>
      <label>${esc(t('type'))}<select name="type">
        ${option('', t('any'), f.type)}${['ANT_MOVING', 'WATCHLIST_HIT'].map((v) => option(v, alertTypeName(v), f.type)).join('')}
      </select></label>
      <label>${esc(t('severity'))}<select name="severity">
        ${option('', t('any'), f.severity)}${(['high', 'medium', 'low'] as const).map((v) => option(v, t(v), f.severity)).join('')}
      </select></label>
      <label>${esc(t('route'))}<input name="routeKey" value="${esc(f.routeKey)}" placeholder="4401-US-postal" size="14"></label>
      <label>${esc(t('outlet'))}<select name="outletId" id="outlets">${option('', t('any'), f.outletId)}</select></label>
      <label>${esc(t('from'))}<input type="date" name="from" value="${esc(f.from)}"></label>
      <label>${esc(t('to'))}<input type="date" name="to" value="${esc(f.to)}"></label>
    </form>
    <p class="error" id="board-error" role="alert"></p>
    <table class="grid board">
      <thead><tr><th>${esc(t('severity'))}</th><th>${esc(t('type'))}</th><th></th><th>${esc(t('route'))}</th><th class="num">${esc(t('parcels'))}</th><th class="num">${esc(t('totalValue'))}</th><th>${esc(t('status'))}</th><th>${esc(t('updated'))}</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
    <p><button type="button" class="secondary" id="more" hidden>${esc(t('more'))}</button></p>`;

  const rowsEl = main.querySelector<HTMLElement>('#rows')!;
  const moreEl = main.querySelector<HTMLButtonElement>('#more')!;
  const errorEl = main.querySelector<HTMLElement>('#board-error')!;
  const countsEl = main.querySelector<HTMLElement>('#counts')!;
  const outletsEl = main.querySelector<HTMLElement>('#outlets')!;

  void get<{ outlets: { id: string; name: string }[] }>('/api/outlets').then(({ outlets: list }) => {
    outletsEl.insertAdjacentHTML('beforeend', list.map((o) => option(o.id, `${o.id} ${o.name}`, f.outletId)).join(''));
  }).catch(() => undefined);

  const query = (cursor?: string | null) =>
    qs({
      status: f.status, type: f.type, severity: f.severity, routeKey: f.routeKey.trim(), outletId: f.outletId,
      createdFrom: f.from ? chinaDayStart(f.from) : '', createdTo: f.to ? chinaDayStart(f.to, 1) : '', limit: 50, cursor,
    });

  async function load(append = false) {
    try {
      const page = await get<{ alerts: Alert[]; nextCursor: string | null }>(`/api/alerts${query(append ? nextCursor : null)}`);
      alerts = append ? [...alerts, ...page.alerts] : page.alerts;
      nextCursor = page.nextCursor;
      errorEl.textContent = '';
      paint();
    } catch (err) {
      errorEl.textContent = problemText(err);
    }
  }

  async function loadCounts() {
    // Overdue holds and cases beside the alerts (issue 15); either may be missing on an older server.
    const [c, holds, cases, orders] = await Promise.all([
      get<AlertCounts>('/api/alerts/counts').catch(() => null),
      get<HoldCounts>('/api/holds/counts').catch(() => null),
      get<CaseCounts>('/api/cases/counts').catch(() => null),
      get<InterceptionCounts>('/api/interceptions/counts').catch(() => null),
    ]);
    if (!c) return;
    countsEl.innerHTML = `
      <a class="tile open" href="#/alerts?status=open"><b>${c.open}</b>${esc(t('openCount'))}</a>
      <a class="tile ack" href="#/alerts?status=acknowledged"><b>${c.acknowledged}</b>${esc(t('ackCount'))}</a>
      <a class="tile high" href="#/alerts?status=unresolved&severity=high"><b>${c.high}</b>${esc(t('highCount'))}</a>
      ${holds ? `<a class="tile${holds.overdue ? ' red' : ''}" id="tile-overdue-holds" href="#/holds?status=pending&overdue=true"><b>${holds.overdue}</b>${esc(t('overdueHolds'))}</a>` : ''}
      ${cases ? `<a class="tile${cases.overdue ? ' red' : ''}" id="tile-overdue-cases" href="#/cases?status=open&overdue=true"><b>${cases.overdue}</b>${esc(t('overdueCases'))}</a>` : ''}
      ${orders ? `<a class="tile${orders.overdue ? ' red' : ''}" id="tile-open-interceptions" href="#/interceptions?status=open"><b>${orders.open}</b>${esc(ti('boardOpen'))}${orders.overdue ? ` <small data-overdue="${orders.overdue}">(${esc(ti('boardOverdue'))} ${orders.overdue})</small>` : ''}</a>` : ''}`;
    document.title = `${c.open ? `(${c.open}) ` : ''}ParcelGuard ${t('title')}`;
  }

  /** Whether a live alert belongs in the list as filtered (the outlet filter needs the server: reload). */
  const matches = (a: Alert) =>
    (!f.status || (f.status === 'unresolved' ? a.status !== 'resolved' : a.status === f.status)) &&
    (!f.type || a.type === f.type) &&
    (!f.severity || a.severity === f.severity) &&
    (!f.routeKey.trim() || a.routeKey === f.routeKey.trim()) &&
    (!f.from || a.createdAt >= chinaDayStart(f.from)) &&
    (!f.to || a.createdAt < chinaDayStart(f.to, 1));

  function paint() {
    rowsEl.innerHTML = alerts.length
      ? alerts
          .map(
            (a) => `<tr class="${fresh.has(a.id) ? 'fresh' : ''} sev-${a.severity}" data-id="${esc(a.id)}" tabindex="0">
              <td><span class="badge ${a.severity}">${esc(t(a.severity))}</span></td>
              <td>${esc(alertTypeName(a.type))}</td>
              <td class="summary"><a href="#/alerts/${esc(a.id)}">${esc(summaryOf(a))}</a></td>
              <td>${esc(a.routeKey ?? '—')}</td>
              <td class="num">${a.parcelCount}</td>
              <td class="num">${fmtCny(a.totalValueCny)}</td>
              <td><span class="status ${a.status}">${esc(t(a.status))}</span></td>
              <td>${esc(fmtTime(a.updatedAt))}</td>
            </tr>`,
          )
          .join('')
      : `<tr><td colspan="8" class="empty">${esc(t('noAlerts'))}</td></tr>`;
    moreEl.hidden = !nextCursor;
  }

  rowsEl.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (row && !(e.target as HTMLElement).closest('a')) location.hash = `#/alerts/${row.dataset.id}`;
  });
  rowsEl.addEventListener('keydown', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (row && e.key === 'Enter') location.hash = `#/alerts/${row.dataset.id}`;
  });
  moreEl.addEventListener('click', () => load(true));
  main.querySelector('#filters')!.addEventListener('change', (e) => {
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const k of FILTER_KEYS) if (form.get(k)) next.set(k, String(form.get(k)));
    if (!form.get('status')) next.set('status', '');
    location.hash = `#/alerts?${next}`;
  });

  const refreshCounts = debounce(loadCounts, 300);
  const reload = debounce(() => load(), 300);
  const unsubscribe = live.subscribe(({ alert }) => {
    refreshCounts();
    if (f.outletId) return reload();
    alerts = alerts.filter((a) => a.id !== alert.id);
    if (matches(alert)) {
      alerts.unshift(alert);
      fresh.add(alert.id);
      setTimeout(() => {
        fresh.delete(alert.id);
        rowsEl.querySelector(`tr[data-id="${CSS.escape(alert.id)}"]`)?.classList.remove('fresh');
      }, 4000);
    }
    paint();
  });
  const offWork = [...(['hold:new', 'hold:updated', 'hold:overdue', 'case:updated'] as const), ...INTERCEPTION_EVENTS].map((e) => live.on(e, () => refreshCounts()));
  const unResync = live.onResync(() => {
    reload();
    refreshCounts();
  });
  // Opened before the socket was up (a fresh login): what changed between the first load and the socket
  // joining its rooms would be heard by nobody, so load again once it is live.
  let awaitingLive = live.state() !== 'live';
  const unState = live.onState((state) => {
    if (state !== 'live' || !awaitingLive) return;
    awaitingLive = false;
    reload();
    refreshCounts();
  });
  void load();
  void loadCounts();
  return () => {
    unsubscribe();
    offWork.forEach((off) => off());
    unResync();
    unState();
  };
}
