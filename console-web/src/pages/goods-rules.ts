// Key supervised goods (重点监管商品), beside the routes: every goods class with a rule or with cross-border traffic
// in 30 days, riskiest first, with the seizure share and a suggested rate; a class's page sets its inspection
// rate (reason required, optional expiry) or restores the base, and shows the history. Customs officers decide;
// regulators read. A class is a category (category:watches) or a protected brand written any way a declaration
// writes it (brand:劳力士 is brand:rolex — the server answers with the canonical key).
import { api, esc, get } from '../api.js';
import { categoryName, CATEGORIES } from '../categories.js';
import { currentLang, fmtPct, fmtTime, said, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { GoodsRule, GoodsRuleChange } from '../types.js';
import { chinaLocalToIso, clearFieldErrors, problemText, routesTabs, showFieldErrors } from './common.js';
import { c } from '../strings-customs.js';

const mayDecide = (ctx: PageContext) => ctx.user.role === 'customs_officer' || ctx.user.role === 'admin';
const label = (r: GoodsRule) => (currentLang() === 'zh' ? r.labelZh || r.label : r.label || r.labelZh);
const kindBadge = (r: GoodsRule) => `<span class="kind ${esc(r.kind)}">${esc(c(r.kind === 'brand' ? 'kindBrand' : 'kindCategory'))}</span>`;
const rateText = (r: GoodsRule) =>
  `<b>${fmtPct(r.rate)}</b>${r.raised ? ` <span class="muted">(${esc(t('baseRate'))} ${fmtPct(r.baseRate)}; ${r.raisedUntil ? `${esc(t('raisedUntil'))} ${esc(fmtTime(r.raisedUntil))}` : esc(t('noExpiry'))})</span>` : ''}`;
const riskLevel = (r: GoodsRule) => (r.risk.suggested ? (r.risk.seizureShare >= 0.2 ? 'high' : 'elevated') : 'normal');
const href = (ruleKey: string) => `#/goods-rules/${encodeURIComponent(ruleKey)}`;

export function renderGoodsRules(ctx: PageContext) {
  const { main } = ctx;
  const decide = mayDecide(ctx);
  main.innerHTML = `
    ${routesTabs('#/goods-rules')}
    <h1>${esc(c('goodsRulesTitle'))} <small class="muted">${esc(t('riskRank'))}</small></h1>
    ${decide
      ? `<form class="filters card" id="find-rule">
          <fieldset class="choice-row" id="rule-kind">
            <legend class="sr">${esc(c('ruleKind'))}</legend>
            <label><input type="radio" name="kind" value="brand" checked> ${esc(c('kindBrand'))}</label>
            <label><input type="radio" name="kind" value="category"> ${esc(c('kindCategory'))}</label>
          </fieldset>
          <label data-for="brand">${esc(c('brandAnyName'))}<input name="value" maxlength="100" placeholder="${esc(c('brandPlaceholder'))}"></label>
          <label data-for="category" hidden>${esc(c('kindCategory'))}<select name="category">${CATEGORIES.map((k) => `<option value="${k}">${esc(categoryName(k))}</option>`).join('')}</select></label>
          <button type="submit" class="primary">${esc(c('openRule'))}</button>
          <p class="error" role="alert" id="find-error"></p>
        </form>`
      : `<p class="notice info">${esc(t('readOnly'))}</p>`}
    <div id="rules"><p class="muted">${esc(t('loading'))}</p></div>`;
  const el = main.querySelector<HTMLElement>('#rules')!;

  const find = main.querySelector<HTMLFormElement>('#find-rule');
  if (find) {
    const sync = () => {
      const kind = (find.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value ?? 'brand') as 'brand' | 'category';
      find.querySelector<HTMLElement>('[data-for="brand"]')!.hidden = kind !== 'brand';
      find.querySelector<HTMLElement>('[data-for="category"]')!.hidden = kind !== 'category';
      find.querySelector<HTMLInputElement>('input[name="value"]')!.required = kind === 'brand';
    };
    sync();
    find.addEventListener('change', sync);
    find.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = new FormData(find);
      const kind = String(f.get('kind'));
      const value = kind === 'brand' ? String(f.get('value') ?? '').trim() : String(f.get('category'));
      const error = main.querySelector<HTMLElement>('#find-error')!;
      clearFieldErrors(find);
      error.textContent = '';
      try {
        // The server knows the brand under any of its aliases and answers with the canonical key.
        const rule = await get<GoodsRule>(`/api/customs/goods-rules/${encodeURIComponent(`${kind}:${value}`)}`);
        ctx.navigate(href(rule.ruleKey));
      } catch (err) {
        // The key's problem is the value typed (params.ruleKey).
        showFieldErrors(find, relabel(err), error);
      }
    });
    const relabel = (err: unknown) => {
      const p = (err as { problem?: { errors?: { path: string }[] } }).problem;
      p?.errors?.forEach((x) => (x.path = x.path.replace(/^(params\.)?ruleKey$/, kindValue(find))));
      return err;
    };
    const kindValue = (form: HTMLFormElement) => (form.querySelector<HTMLInputElement>('input[name="kind"]:checked')?.value === 'category' ? 'category' : 'value');
  }

  get<{ rules: GoodsRule[] }>('/api/customs/goods-rules')
    .then(({ rules }) => {
      el.innerHTML = rules.length
        ? `<table class="grid stack goods-rules">
            <thead><tr><th>${esc(t('risk'))}</th><th>${esc(c('goodsClass'))}</th><th class="num">${esc(c('parcels30d'))}</th><th class="num">${esc(c('selected30d'))}</th><th class="num">${esc(t('seized30d'))}</th><th class="num">${esc(c('seizureShare'))}</th><th>${esc(t('rate'))}</th><th>${esc(t('suggested'))}</th></tr></thead>
            <tbody>${rules
              .map((r) => {
                const level = riskLevel(r);
                return `<tr class="risk-${level}" data-rule="${esc(r.ruleKey)}">
                  <td data-label="${esc(t('risk'))}"><span class="risk ${level}">${esc(c(level === 'high' ? 'riskHigh' : level === 'elevated' ? 'riskElevated' : 'riskNormal'))}</span></td>
                  <td data-label="${esc(c('goodsClass'))}"><a class="big-link" href="${href(r.ruleKey)}">${esc(label(r))}</a> ${kindBadge(r)}<div class="muted mono" translate="no">${esc(r.ruleKey)}</div></td>
                  <td class="num" data-label="${esc(c('parcels30d'))}">${r.parcels30d}</td>
                  <td class="num" data-label="${esc(c('selected30d'))}">${r.selected30d}</td>
                  <td class="num" data-label="${esc(t('seized30d'))}">${r.seized30d}</td>
                  <td class="num" data-label="${esc(c('seizureShare'))}">${fmtPct(r.risk.seizureShare)}</td>
                  <td data-label="${esc(t('rate'))}">${rateText(r)}</td>
                  <td data-label="${esc(t('suggested'))}">${r.risk.suggested && r.risk.suggestedRate !== null ? `<b>${fmtPct(r.risk.suggestedRate)}</b> <span class="muted">${esc(r.risk.evidence.map(said).join(' '))}</span>` : '—'}</td>
                </tr>`;
              })
              .join('')}</tbody></table>`
        : `<p class="empty">${esc(c('noGoodsRules'))}</p>`;
    })
    .catch((err) => (el.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}

export function renderGoodsRule(ctx: PageContext, ruleKey: string) {
  const { main } = ctx;
  const path = `/api/customs/goods-rules/${encodeURIComponent(ruleKey)}`;
  const back = `<p><a href="#/goods-rules" class="back">← ${esc(c('backToGoods'))}</a></p>`;

  async function load() {
    try {
      paint(await get<GoodsRule & { changes: GoodsRuleChange[] }>(path));
    } catch (err) {
      main.innerHTML = `${back}<p class="error" role="alert">${esc(problemText(err))}</p>`;
    }
  }

  function paint(r: GoodsRule & { changes: GoodsRuleChange[] }) {
    const decide = mayDecide(ctx);
    const level = riskLevel(r);
    main.innerHTML = `
      ${back}
      <h1>${esc(label(r))} ${kindBadge(r)} <span class="risk ${level}">${esc(c(level === 'high' ? 'riskHigh' : level === 'elevated' ? 'riskElevated' : 'riskNormal'))}</span></h1>
      <p class="lead" id="rule-rate">${esc(t('rate'))} ${rateText(r)}</p>
      <p class="muted mono">${esc(r.ruleKey)}</p>
      ${r.reason ? `<p class="muted">${esc(t('reason'))}: ${esc(r.reason)} — ${esc(r.setBy ?? '')}${r.setAt ? ` · ${esc(fmtTime(r.setAt))}` : ''}</p>` : ''}
      <dl class="facts">
        <div><dt>${esc(c('parcels30d'))}</dt><dd>${r.parcels30d}</dd></div>
        <div><dt>${esc(c('selected30d'))}</dt><dd>${r.selected30d}</dd></div>
        <div><dt>${esc(t('seized30d'))}</dt><dd>${r.seized30d}</dd></div>
        <div><dt>${esc(c('seizureShare'))}</dt><dd>${fmtPct(r.risk.seizureShare)}</dd></div>
        ${r.risk.suggested && r.risk.suggestedRate !== null ? `<div><dt>${esc(t('suggested'))}</dt><dd>${fmtPct(r.risk.suggestedRate)}</dd></div>` : ''}
      </dl>
      ${r.risk.evidence.length ? `<ul class="evidence">${r.risk.evidence.map((e) => `<li>${esc(said(e))}</li>`).join('')}</ul>` : ''}
      <div class="cols">
        ${decide
          ? `<section class="card">
              <h2>${esc(t('setRate'))}</h2>
              <form id="set-rate" novalidate>
                <label><span>${esc(t('ratePercent'))} <span class="req">*</span></span><input name="rate" type="number" inputmode="decimal" min="0" max="100" step="0.1" required value="${r.raised ? +(r.rate * 100).toFixed(1) : r.risk.suggestedRate !== null ? (r.risk.suggestedRate * 100).toFixed(0) : ''}"></label>
                <label><span>${esc(t('reason'))} <span class="req">*</span></span><input name="reason" required maxlength="500"></label>
                <label>${esc(c('expiresBeijing'))}<input name="expiresAt" type="datetime-local"></label>
                <p class="error" role="alert" id="set-error"></p>
                <button type="submit" class="primary">${esc(t('save'))}</button>
              </form>
              ${r.raised
                ? `<form id="restore" class="restore" novalidate>
                    <label><span>${esc(t('restoreReason'))} <span class="req">*</span></span><input name="reason" required maxlength="500"></label>
                    <p class="error" role="alert" id="restore-error"></p>
                    <button type="submit" class="secondary">${esc(t('restore'))}</button>
                  </form>`
                : ''}
            </section>`
          : `<p class="notice info">${esc(t('readOnly'))}</p>`}
        <section class="card">
          <h2>${esc(t('history'))}</h2>
          ${r.changes.length
            ? `<table class="grid stack" id="rule-history"><tbody>${r.changes
                .map(
                  (h) => `<tr><td>${esc(fmtTime(h.changedAt))}</td><td>${esc(h.changedBy)}</td>
                    <td>${esc(c(h.action === 'restore' ? 'actionRestore' : 'actionSet'))} ${fmtPct(h.previousRate)} → <b>${fmtPct(h.rate)}</b>${h.expiresAt ? ` <span class="muted">${esc(t('raisedUntil'))} ${esc(fmtTime(h.expiresAt))}</span>` : ''}</td>
                    <td>${esc(h.reason)}</td></tr>`,
                )
                .join('')}</tbody></table>`
            : `<p class="muted">${esc(c('noChanges'))}</p>`}
        </section>
      </div>`;

    const setForm = main.querySelector<HTMLFormElement>('#set-rate');
    setForm?.addEventListener('submit', async (e) => {
      e.preventDefault();
      const form = new FormData(setForm);
      const local = String(form.get('expiresAt') ?? '');
      // An empty rate is no rate (the server says so at the field), never 0%.
      const percent = String(form.get('rate') ?? '').trim();
      const body = { rate: percent === '' ? null : Number(percent) / 100, reason: String(form.get('reason') ?? '').trim(), ...(local ? { expiresAt: chinaLocalToIso(local) } : {}) };
      try {
        await api('PUT', `/api/customs/goods-rules/${encodeURIComponent(r.ruleKey)}/inspection-rate`, body);
        await load();
      } catch (err) {
        showFieldErrors(setForm, err, main.querySelector('#set-error')!);
      }
    });
    const restoreForm = main.querySelector<HTMLFormElement>('#restore');
    restoreForm?.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('DELETE', `/api/customs/goods-rules/${encodeURIComponent(r.ruleKey)}/inspection-rate`, { reason: String(new FormData(restoreForm).get('reason') ?? '').trim() });
        await load();
      } catch (err) {
        showFieldErrors(restoreForm, err, main.querySelector('#restore-error')!);
      }
    });
  }
  void load();
}
