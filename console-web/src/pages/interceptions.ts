// Interception orders (拦截件, issue 23): parcels accepted and already in the network when an alert or a suspect list
// reached back to them. The list is the jurisdiction's (an outlet supervisor's: their outlet's), open orders the most
// urgent first so the overdue lead; an officer can order one by hand. The alert and case pages show each parcel's state
// with interceptionCell. Live interception events reload the list; a reconnect does too (the server replays nothing).
import { api, esc, get, qs } from '../api.js';
import { PARCEL_STATUS_LABELS } from '../../../server/reports/labels.js';
import { currentLang, defineStrings, fmtTime, said, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import { clearFieldErrors, debounce, fmtDuration, problemText, showFieldErrors } from './common.js';

export type Interception = {
  id: string;
  waybillNo: string;
  outletId: string;
  regionCode: string;
  crossBorder: boolean;
  status: 'requested' | 'intercepted' | 'not_found' | 'already_delivered' | 'withdrawn';
  orderedAt: string;
  dueAt: string;
  overdue: boolean;
  escalatedAt: string | null;
  sources: { kind: 'alert' | 'watchlist_entry' | 'manual'; alertId: string | null; entryId: string | null; by: string | null; note: string | null; reason: { code: string; message: string; messageZh: string }; at: string }[];
  answer: { result: 'intercepted' | 'not_found' | 'already_delivered' | 'withdrawn'; note: string | null; by: string | null; byRole: string | null; at: string } | null;
};
export type InterceptionCounts = { open: number; overdue: number };

export const ti = defineStrings(
  {
    nav: '拦截件',
    title: '拦截件（在途拦截指令）',
    lead: '收寄后才触发预警或列入嫌疑名单的邮件：网点须在寄递网络中拦截并答复，超时未答复的标红。',
    open: '待答复',
    answered: '已答复',
    all: '全部',
    requested: '待拦截',
    intercepted: '已拦截',
    not_found: '未找到',
    already_delivered: '已妥投（拦截不及）',
    withdrawn: '已撤回（拦截理由已撤销）',
    overdue: '超时',
    column: '拦截',
    source: '拦截原因',
    orderedAt: '下达时间',
    dueAt: '答复期限',
    state: '状态',
    none: '没有符合条件的拦截指令',
    onlyOverdue: '仅看超时',
    orderTitle: '下达拦截指令',
    orderWaybill: '运单号',
    orderNote: '拦截理由（必填）',
    orderSubmit: '下达拦截',
    ordered: '已下达拦截指令：{w}',
    added: '{w} 已有拦截指令，已追加本次理由',
    boardOpen: '待答复拦截',
    boardOverdue: '其中超时',
    more: '更多',
    alertSource: '预警',
    entrySource: '嫌疑名单',
    manualSource: '人工',
  },
  {
    nav: 'Interceptions',
    title: 'Interception orders (in the network)',
    lead: 'Parcels an alert or a suspect list reached only after intake: the outlet must stop them in the network and answer; overdue ones are in red.',
    open: 'Open',
    answered: 'Answered',
    all: 'All',
    requested: 'To intercept',
    intercepted: 'Intercepted',
    not_found: 'Not found',
    already_delivered: 'Too late (delivered)',
    withdrawn: 'Withdrawn (its reasons were taken back)',
    overdue: 'Overdue',
    column: 'Interception',
    source: 'Why',
    orderedAt: 'Ordered',
    dueAt: 'Answer due',
    state: 'State',
    none: 'No interception orders match',
    onlyOverdue: 'Overdue only',
    orderTitle: 'Order an interception',
    orderWaybill: 'Waybill no.',
    orderNote: 'Why (required)',
    orderSubmit: 'Order it stopped',
    ordered: 'Interception ordered: {w}',
    added: '{w} was ordered already: your reason was added',
    boardOpen: 'Open interceptions',
    boardOverdue: 'overdue',
    more: 'More',
    alertSource: 'Alert',
    entrySource: 'Suspect list',
    manualSource: 'By hand',
  },
);

const STATE_CLASS: Record<Interception['status'], string> = { requested: 'held', intercepted: 'accepted', not_found: 'rejected', already_delivered: 'rejected', withdrawn: 'released' };

/** A parcel's interception state for the alert and case pages: a badge, the overdue marker, the answer. */
export function interceptionCell(o: Interception | undefined): string {
  if (!o) return '—';
  const late = o.status === 'requested' && (o.overdue || Date.parse(o.dueAt) <= Date.now());
  return `<span class="verdict ${STATE_CLASS[o.status]}" data-interception="${esc(o.status)}">${esc(ti(o.status))}</span>${
    late ? ` <b class="overdue" data-overdue>${esc(ti('overdue'))}</b>` : ''
  }${o.answer?.note ? `<div class="muted">${esc(o.answer.note)}</div>` : ''}`;
}

/** A parcel's status in words, from the server's one table (unknown ones: undefined, for the caller's own words). */
export function parcelStatusWord(status: string): string | undefined {
  const l = PARCEL_STATUS_LABELS[status];
  if (!l) return undefined;
  return currentLang() === 'zh' ? l.zh : l.en.charAt(0).toUpperCase() + l.en.slice(1);
}

/** The orders of an alert's or a case's parcels, by waybill (what the caller may see of them). */
export async function interceptionsOf(filter: { alertId: string } | { caseId: string }): Promise<Map<string, Interception>> {
  const page = await get<{ interceptions: Interception[] }>(`/api/interceptions${qs({ ...filter, status: 'all', limit: 200 })}`);
  return new Map(page.interceptions.map((o) => [o.waybillNo, o]));
}

export const INTERCEPTION_EVENTS = ['interception:ordered', 'interception:answered', 'interception:overdue', 'interception:withdrawn'] as const;

const sourceWord = (k: Interception['sources'][number]['kind']) => ti(k === 'alert' ? 'alertSource' : k === 'watchlist_entry' ? 'entrySource' : 'manualSource');

type Filters = { status: 'open' | 'answered' | 'all'; overdue: boolean };

export function renderInterceptions({ main, live, user }: PageContext, params: URLSearchParams) {
  const s = params.get('status');
  const f: Filters = { status: s === 'answered' || s === 'all' ? s : 'open', overdue: params.get('overdue') === 'true' };
  let rows: Interception[] = [];
  let nextCursor: string | null = null;
  const href = (over: Partial<Filters>) => {
    const n = { ...f, ...over };
    return `#/interceptions${qs({ status: n.status, overdue: n.overdue ? 'true' : '' })}`;
  };
  const mayOrder = user.role === 'postal_regulator' || user.role === 'customs_officer' || user.role === 'admin';
  main.innerHTML = `
    <h1>${esc(ti('title'))}</h1>
    <p class="muted">${esc(ti('lead'))}</p>
    <nav class="tabs">${(['open', 'answered', 'all'] as const).map((st) => `<a href="${esc(href({ status: st }))}" class="${st === f.status ? 'active' : ''}" data-status="${st}">${esc(ti(st))}</a>`).join('')}</nav>
    <form class="filters card" id="ic-filters">
      <label class="check"><input type="checkbox" name="overdue" value="true"${f.overdue ? ' checked' : ''}> ${esc(ti('onlyOverdue'))}</label>
    </form>
    ${
      mayOrder
        ? `<form class="card outcome-form" id="ic-order" novalidate>
            <strong>${esc(ti('orderTitle'))}</strong>
            <label>${esc(ti('orderWaybill'))}<input name="waybillNo" maxlength="60" required></label>
            <label>${esc(ti('orderNote'))}<input name="note" maxlength="2000" required></label>
            <button type="submit" class="primary">${esc(ti('orderSubmit'))}</button>
            <span class="error" role="alert" id="ic-order-error"></span><span class="notice info" id="ic-order-done" hidden></span>
          </form>`
        : ''
    }
    <p class="error" id="ic-error" role="alert"></p>
    <div class="scroll"><table class="grid holds" id="ic-table">
      <thead><tr><th>${esc(ti('orderWaybill'))}</th><th>${esc(t('outlet'))}</th><th>${esc(ti('source'))}</th><th>${esc(ti('orderedAt'))}</th><th>${esc(ti('dueAt'))}</th><th>${esc(ti('state'))}</th></tr></thead>
      <tbody id="ic-rows"></tbody>
    </table></div>
    <p><button type="button" class="secondary" id="ic-more" hidden>${esc(ti('more'))}</button></p>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;

  async function load(append = false) {
    try {
      const page = await get<{ interceptions: Interception[]; nextCursor: string | null }>(
        `/api/interceptions${qs({ status: f.status, overdue: f.overdue ? 'true' : '', limit: 50, cursor: append ? nextCursor : null })}`,
      );
      rows = append ? [...rows, ...page.interceptions] : page.interceptions;
      nextCursor = page.nextCursor;
      $('#ic-error').textContent = '';
      paint();
    } catch (err) {
      $('#ic-error').textContent = problemText(err);
    }
  }

  function due(o: Interception) {
    const late = Date.now() - Date.parse(o.dueAt);
    return o.status === 'requested' && (o.overdue || late > 0)
      ? `<span class="overdue">${esc(fmtTime(o.dueAt))}<br><b>${esc(ti('overdue'))} ${esc(fmtDuration(Math.max(late, 0)))}</b></span>`
      : esc(fmtTime(o.dueAt));
  }

  const row = (o: Interception) => `<tr data-waybill="${esc(o.waybillNo)}" class="${o.status === 'requested' && o.overdue ? 'late' : ''}">
    <td class="mono">${esc(o.waybillNo)}${o.crossBorder ? ` <span class="badge low">${esc(t('crossBorder'))}</span>` : ''}</td>
    <td>${esc(o.outletId)}</td>
    <td><ul class="reasons">${o.sources
      .map((x) => `<li><b>${esc(sourceWord(x.kind))}</b> ${x.alertId ? `<a href="#/alerts/${esc(x.alertId)}">${esc(said(x.reason))}</a>` : esc(said(x.reason))}${x.by ? ` <span class="muted">(${esc(x.by)})</span>` : ''}</li>`)
      .join('')}</ul></td>
    <td class="nowrap">${esc(fmtTime(o.orderedAt))}</td>
    <td class="nowrap">${due(o)}</td>
    <td>${interceptionCell(o)}${o.answer ? `<div class="muted">${esc(o.answer.by ?? '')} · ${esc(fmtTime(o.answer.at))}</div>` : ''}</td>
  </tr>`;

  function paint() {
    $('#ic-rows').innerHTML = rows.length ? rows.map(row).join('') : `<tr><td colspan="6" class="empty">${esc(ti('none'))}</td></tr>`;
    $('#ic-more').hidden = !nextCursor;
  }

  $('#ic-more').addEventListener('click', () => void load(true));
  main.querySelector<HTMLFormElement>('#ic-filters')!.addEventListener('change', (e) => {
    location.hash = href({ overdue: (e.target as HTMLInputElement).checked });
  });
  const orderForm = main.querySelector<HTMLFormElement>('#ic-order');
  orderForm?.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(orderForm);
    const data = new FormData(orderForm);
    const waybillNo = String(data.get('waybillNo') ?? '').trim();
    const done = $('#ic-order-done');
    done.hidden = true;
    try {
      const res = await api<{ interception: Interception }>('POST', `/api/parcels/${encodeURIComponent(waybillNo)}/intercept`, { note: String(data.get('note') ?? '') });
      done.textContent = ti(res.interception.sources.length > 1 ? 'added' : 'ordered', { w: res.interception.waybillNo });
      done.hidden = false;
      orderForm.reset();
      void load();
    } catch (err) {
      showFieldErrors(orderForm, err, $('#ic-order-error'));
    }
  });

  const reload = debounce(() => void load(), 300);
  const offs = [...INTERCEPTION_EVENTS.map((e) => live.on(e, reload)), live.onState((st) => st === 'live' && reload())];
  void load();
  return () => offs.forEach((off) => off());
}
