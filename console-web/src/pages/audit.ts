// The audit trail (审计日志) for auditors and administrators: newest first, filtered by actor, action (a prefix
// with *), subject and a Beijing-time window; paged by the server's cursor; the same filters as one CSV; and a
// verification of the hash chain that says in words what is wrong, if anything. The filters live in the address
// (#/audit?actor=…), so a reload or a shared link keeps them.
import { esc, get, qs } from '../api.js';
import { currentLang, fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import { chinaLocalToIso, clearFieldErrors, isoToChinaLocal } from './common.js';
import { actionName, auditTabs, p, problemSay, showProblem } from '../strings-privacy.js';

type AuditRecord = { seq: number; id: number; at: string; actor: string | null; action: string; subjectType: string | null; subjectId: string | null; requestId: string | null; details: Record<string, unknown> };
type Verification = {
  intact: boolean;
  checkedRows: number;
  head: { seq: number; hash: string };
  base: { seq: number; hash: string };
  anchors: { checked: number; latest: { seq: number; at: string } | null };
  firstBroken: { seq: number | null; id: number | null; reason: string } | null;
  checkedAt: string;
};
const BREAK_REASONS = ['HASH_MISMATCH', 'LINK_BROKEN', 'ROW_MISSING', 'UNCHAINED_ROW', 'HEAD_MISMATCH', 'ANCHOR_SIGNATURE_INVALID', 'ANCHOR_MISMATCH'] as const;
const FILTERS = ['actor', 'action', 'subjectType', 'subjectId', 'from', 'to'] as const;
const READABLE = ['reason', 'criterion', 'results', 'unmasked', 'intact', 'checkedRows', 'trigger', 'found', 'rows', 'classes', 'caseId'];
/** Suggestions for the action filter: the families an auditor asks about most. */
const ACTION_SUGGESTIONS = ['lookup.*', 'lookup.unmask', 'pii.unmask', 'privacy.*', 'audit.*', 'session.login_failed', 'case.*', 'alert.*', 'user.*', 'watchlist.*'];

/** What a record is about, in words; a type without a name here shows its code, marked as a code. */
const SUBJECT_NAMES: Record<string, [string, string]> = {
  alert: ['预警', 'Alert'], case: ['案件', 'Case'], watchlist: ['嫌疑名单', 'Suspect list'], watchlist_entry: ['名单条目', 'List entry'],
  watchlist_retro: ['名单回溯筛查', 'List screening of past parcels'], organisation: ['协议客户', 'Contract customer'], parcel: ['邮件', 'Parcel'],
  user: ['账号', 'Account'], session: ['会话', 'Session'], route: ['线路', 'Route'], hold: ['暂扣', 'Hold'], report: ['报表', 'Report'],
  right_holder_notice: ['权利人通知', 'Right-holder notice'], service_account: ['接入账号', 'Service account'], webhook: ['事件推送', 'Webhook'],
  interception: ['拦截', 'Interception'], batch: ['批量收寄', 'Bulk intake'], goods_rule: ['重点商品规则', 'Goods rule'], lookup: ['查询', 'Look-up'],
};
const subjectName = (type: string) => {
  const n = SUBJECT_NAMES[type];
  return n ? esc(n[currentLang() === 'zh' ? 0 : 1]) : `<span translate="no">${esc(type)}</span>`;
};

export function renderAudit(ctx: PageContext, params: URLSearchParams) {
  const { main } = ctx;
  const filters: Record<string, string> = {};
  for (const k of FILTERS) if (params.get(k)) filters[k] = params.get(k)!;
  let records: AuditRecord[] = [];
  let nextCursor: string | null = null;
  const csv = `/api/audit${qs({ ...filters, format: 'csv' })}`;

  main.innerHTML = `
    ${auditTabs('#/audit')}
    <div class="row-between">
      <h1>${esc(p('auditTitle'))}</h1>
      <p class="exports"><a class="button secondary" id="audit-csv" href="${esc(csv)}" download>⬇ ${esc(p('csv'))}</a></p>
    </div>
    <p class="muted">${esc(p('auditHint'))}</p>
    <section class="card verify-card" id="audit-verify">
      <div class="row-between"><h2>${esc(p('verifyTitle'))}</h2><button type="button" class="primary" id="verify">${esc(p('verify'))}</button></div>
      <p class="muted">${esc(p('verifyHint'))}</p>
      <div id="verify-result" aria-live="polite"></div>
    </section>
    <form id="audit-filters" class="card filters" novalidate>
      <label>${esc(p('actor'))}<input name="actor" value="${esc(filters.actor ?? '')}" autocomplete="off" maxlength="64"></label>
      <label>${esc(p('action'))}<input name="actionPrefix" data-field="action" value="${esc(filters.action ?? '')}" list="audit-actions" autocomplete="off" maxlength="81" placeholder="${esc(p('actionHint'))}"></label>
      <datalist id="audit-actions">${ACTION_SUGGESTIONS.map((a) => `<option value="${esc(a)}">${esc(actionName(a))}</option>`).join('')}</datalist>
      <label>${esc(p('subjectType'))}<input name="subjectType" value="${esc(filters.subjectType ?? '')}" autocomplete="off" maxlength="40"></label>
      <label>${esc(p('subjectId'))}<input name="subjectId" value="${esc(filters.subjectId ?? '')}" autocomplete="off" maxlength="120"></label>
      <label>${esc(p('fromTime'))}<input type="datetime-local" name="from" value="${esc(filters.from ? isoToChinaLocal(filters.from) : '')}"></label>
      <label>${esc(p('toTime'))}<input type="datetime-local" name="to" value="${esc(filters.to ? isoToChinaLocal(filters.to) : '')}"></label>
      <div class="actions"><button type="submit" class="primary">${esc(p('filter'))}</button><button type="button" class="secondary" id="audit-clear">${esc(p('clear'))}</button></div>
      <p class="error" role="alert" id="audit-error"></p>
    </form>
    <div id="audit-rows"><p class="muted">${esc(t('loading'))}</p></div>
    <p><button type="button" class="secondary" id="audit-more" hidden>${esc(p('more'))}</button></p>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;
  const form = $<HTMLFormElement>('#audit-filters');

  async function load(append = false) {
    try {
      const page = await get<{ records: AuditRecord[]; nextCursor: string | null }>(`/api/audit${qs({ ...filters, limit: 100, cursor: append ? nextCursor : null })}`);
      records = append ? [...records, ...page.records] : page.records;
      nextCursor = page.nextCursor;
      $('#audit-error').textContent = '';
      paint();
    } catch (err) {
      $('#audit-rows').innerHTML = '';
      showProblem(form, err, $('#audit-error'));
    }
  }

  function paint() {
    $('#audit-rows').innerHTML = records.length
      ? `<table class="grid stack audit-rows">
          <thead><tr><th>${esc(p('at'))}</th><th>${esc(p('actor'))}</th><th>${esc(p('action'))}</th><th>${esc(p('subject'))}</th><th>${esc(p('details'))}</th><th class="num">${esc(p('seq'))}</th></tr></thead>
          <tbody>${records.map(row).join('')}</tbody></table>`
      : `<p class="empty">${esc(p('noRecords'))}</p>`;
    $('#audit-more').hidden = !nextCursor;
  }

  function row(r: AuditRecord) {
    const name = actionName(r.action);
    return `<tr data-seq="${r.seq}" data-action="${esc(r.action)}">
      <td data-label="${esc(p('at'))}" class="nowrap">${esc(fmtTime(r.at))}</td>
      <td data-label="${esc(p('actor'))}">${r.actor ? esc(r.actor) : `<span class="muted">${esc(p('system'))}</span>`}</td>
      <td data-label="${esc(p('action'))}">${name ? `<b>${esc(name)}</b><br>` : ''}<code>${esc(r.action)}</code></td>
      <td data-label="${esc(p('subject'))}">${r.subjectType ? `${subjectName(r.subjectType)}<br><span class="mono small-id">${esc(r.subjectId ?? '')}</span>` : '—'}</td>
      <td data-label="${esc(p('details'))}">${details(r.details)}</td>
      <td data-label="${esc(p('seq'))}" class="num mono">${r.seq}</td>
    </tr>`;
  }

  /** The first few values inline; the whole record (already hashed or masked by the server) on demand. */
  function details(d: Record<string, unknown>) {
    // What a person reads first (the reason, what it was about, what came of it); hashes and ids after.
    const rank = (k: string) => (READABLE.indexOf(k) + 1 || READABLE.length + 1);
    const entries = Object.entries(d ?? {})
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .sort(([a], [b]) => rank(a) - rank(b));
    if (!entries.length) return '—';
    const short = (v: unknown) => {
      const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return s.length > 60 ? `${s.slice(0, 57)}…` : s;
    };
    return `<details class="audit-details" translate="no"><summary>${entries.slice(0, 3).map(([k, v]) => `<span class="kv"><span class="muted">${esc(k)}</span> ${esc(short(v))}</span>`).join(' ')}${entries.length > 3 ? ' …' : ''}</summary><pre>${esc(JSON.stringify(d, null, 2))}</pre></details>`;
  }

  function query(): Record<string, string> {
    const f = new FormData(form);
    const q: Record<string, string> = {};
    for (const k of FILTERS) {
      const v = String(f.get(k === 'action' ? 'actionPrefix' : k) ?? '').trim();
      if (v) q[k] = k === 'from' || k === 'to' ? chinaLocalToIso(v) : v;
    }
    return q;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const next = `#/audit${qs(query())}`;
    // The same filters again would not change the address: reload in place.
    if (next === location.hash) void load();
    else ctx.navigate(next);
  });
  $('#audit-clear').addEventListener('click', () => ctx.navigate('#/audit'));
  $('#audit-more').addEventListener('click', () => void load(true));

  $('#verify').addEventListener('click', async () => {
    const button = $<HTMLButtonElement>('#verify');
    button.disabled = true;
    $('#verify-result').innerHTML = `<p class="muted">${esc(p('verifying'))}</p>`;
    try {
      paintVerification(await get<Verification>('/api/audit/verify'));
    } catch (err) {
      $('#verify-result').innerHTML = `<p class="error" role="alert">${esc(problemSay(err))}</p>`;
    } finally {
      button.disabled = false;
    }
  });

  function paintVerification(v: Verification) {
    const b = v.firstBroken;
    const reason = b && (BREAK_REASONS as readonly string[]).includes(b.reason) ? p(`br_${b.reason as (typeof BREAK_REASONS)[number]}`) : (b?.reason ?? '');
    const anchor = v.anchors.latest;
    $('#verify-result').innerHTML = `
      <p class="chain-state ${v.intact ? 'intact' : 'broken'}" id="verify-state" data-intact="${v.intact}">${v.intact ? '✔' : '✖'} ${esc(v.intact ? p('intact') : p('broken'))}</p>
      ${v.intact
        ? `<p>${esc(p(v.anchors.checked ? 'intactText' : 'intactNoAnchor', { n: v.checkedRows, anchors: v.anchors.checked }))}</p>`
        : `<p class="broken-reason" id="verify-reason" data-reason="${esc(b?.reason ?? '')}"><b>${esc(reason)}</b><br>${esc(p('brokenAt', { seq: b?.seq ?? '—', id: b?.id ? p('brokenId', { id: b.id }) : '' }))}</p>`}
      <dl class="facts">
        <div><dt>${esc(p('head'))}</dt><dd class="mono">#${v.head.seq} · ${esc(v.head.hash.slice(0, 16))}…</dd></div>
        ${v.base.seq ? `<div><dt>${esc(p('base'))}</dt><dd class="mono">#${v.base.seq}</dd></div>` : ''}
        <div><dt>${esc(p('latestAnchor'))}</dt><dd id="verify-anchor">${anchor ? `<span class="mono">#${anchor.seq}</span> · ${esc(fmtTime(anchor.at))}` : `<span class="muted">${esc(p('noAnchor'))}</span>`}</dd></div>
        <div><dt>${esc(p('checkedAt'))}</dt><dd>${esc(fmtTime(v.checkedAt))}</dd></div>
      </dl>`;
  }

  void load();
}
