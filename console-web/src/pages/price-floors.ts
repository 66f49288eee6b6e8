// Price floors: the least a protected brand or a goods category plausibly costs, each with its source. A
// declaration far below (a Gucci bag at ¥50) is ring evidence of its own. Regulators add, change and delete
// them; customs officers read. A floor's key is `<brand|*>|<category|*>`; the server takes a brand under any of
// its aliases and keeps the canonical one.
import { api, esc, get } from '../api.js';
import { categoryName, CATEGORIES } from '../categories.js';
import { currentLang, fmtCny, fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { PriceFloor } from '../types.js';
import { clearFieldErrors, problemText, showFieldErrors } from './common.js';
import { r, toolTabs } from '../strings-rings.js';

/**
 * The built-in floors' source (server/rings/price-floors.ts DEFAULT_PRICE_FLOORS) in Chinese: stored once in
 * English with the seed; an officer's own source is shown as written.
 */
const DEFAULT_SOURCES_ZH: [RegExp, string][] = [
  [/^default: about half the lowest mainland-China retail price/, '默认值：约为2024年品牌官方渠道中国大陆正品最低零售价的一半（近似值），请复核'],
  [/^default: below the cheapest genuine item/, '默认值：低于该类别所有登记保护品牌（含运动服饰及配件）正品的最低价，2024年（近似值），请复核'],
];
const sourceText = (source: string) => (currentLang() === 'zh' ? DEFAULT_SOURCES_ZH.find(([re]) => re.test(source))?.[1] ?? source : source);

const mayEdit = (ctx: PageContext) => ctx.user.role === 'postal_regulator' || ctx.user.role === 'admin';

export function renderPriceFloors(ctx: PageContext) {
  const { main } = ctx;
  const edit = mayEdit(ctx);
  let floors: PriceFloor[] = [];

  main.innerHTML = `
    ${toolTabs('#/price-floors')}
    <h1>${esc(r('floorsTitle'))}</h1>
    <p class="muted">${esc(r('floorsHint'))}</p>
    ${edit ? `<section class="card" id="floor-editor"></section>` : `<p class="notice info">${esc(r('readOnlyFloors'))}</p>`}
    <p class="error" role="alert" id="floors-error"></p>
    <div id="floors"><p class="muted">${esc(t('loading'))}</p></div>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  const brandText = (f: PriceFloor) => (f.brand ? `<span translate="no">${esc(f.brandName ?? f.brand)}</span>` : `<span class="muted">${esc(r('anyBrand'))}</span>`);
  const categoryText = (f: PriceFloor) => (f.category ? esc(categoryName(f.category)) : `<span class="muted">${esc(r('anyCategory'))}</span>`);

  async function load() {
    try {
      floors = (await get<{ floors: PriceFloor[] }>('/api/rings/price-floors')).floors;
      $('#floors-error').textContent = '';
      paint();
    } catch (err) {
      $('#floors-error').textContent = problemText(err);
      $('#floors').innerHTML = '';
    }
  }

  function paint() {
    $('#floors').innerHTML = floors.length
      ? `<table class="grid stack floors">
          <thead><tr><th>${esc(r('floorBrand'))}</th><th>${esc(r('floorCategory'))}</th><th class="num">${esc(r('floorCny'))}</th><th>${esc(r('floorSource'))}</th><th>${esc(r('setBy'))}</th>${edit ? '<th></th>' : ''}</tr></thead>
          <tbody>${floors
            .map(
              (f) => `<tr data-floor="${esc(f.key)}">
                <td data-label="${esc(r('floorBrand'))}">${brandText(f)}</td>
                <td data-label="${esc(r('floorCategory'))}">${categoryText(f)}</td>
                <td data-label="${esc(r('floorCny'))}" class="num"><b>${fmtCny(f.floorCny)}</b></td>
                <td data-label="${esc(r('floorSource'))}">${esc(sourceText(f.source))}</td>
                <td data-label="${esc(r('setBy'))}">${esc(f.setBy ?? '')}<div class="muted">${esc(fmtTime(f.setAt))}</div></td>
                ${edit ? `<td class="nowrap"><button type="button" class="secondary" data-edit="${esc(f.key)}">${esc(r('edit'))}</button> <button type="button" class="secondary" data-remove="${esc(f.key)}">${esc(r('remove'))}</button></td>` : ''}
              </tr>`,
            )
            .join('')}</tbody></table>`
      : `<p class="empty">${esc(r('noFloors'))}</p>`;
  }

  /** The one form, empty to add a floor or filled to change one (its brand and category then stay). */
  function editor(f: PriceFloor | null) {
    const box = $('#floor-editor');
    box.innerHTML = `
      <h2>${esc(f ? r('editFloor', { key: f.key }) : r('addFloor'))}</h2>
      <form id="floor-form" novalidate>
        <div class="form-grid">
          <label>${esc(r('floorBrand'))}<input name="brand" maxlength="100" placeholder="${esc(r('anyBrand'))}" value="${esc(f?.brand ?? '')}"${f ? ' readonly' : ''}></label>
          <label>${esc(r('floorCategory'))}<select name="category"${f ? ' disabled' : ''}><option value="">${esc(r('anyCategory'))}</option>${CATEGORIES.map((k) => `<option value="${k}"${f?.category === k ? ' selected' : ''}>${esc(categoryName(k))}</option>`).join('')}</select></label>
          <label><span>${esc(r('floorCny'))} <span class="req">*</span></span><input name="floorCny" type="number" inputmode="decimal" min="1" step="1" required value="${f ? esc(f.floorCny) : ''}"></label>
          <label><span>${esc(r('floorSource'))} <span class="req">*</span></span><input name="source" maxlength="300" required placeholder="${esc(r('floorSourceHint'))}" value="${esc(f?.source ?? '')}"></label>
        </div>
        <p class="error" role="alert" id="floor-error"></p>
        <div class="actions"><button type="submit" class="primary">${esc(r('save'))}</button>${f ? ` <button type="button" class="secondary" data-new>${esc(r('cancel'))}</button>` : ''} <span class="ok" role="status" id="floor-saved"></span></div>
      </form>`;
    const form = box.querySelector<HTMLFormElement>('#floor-form')!;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const d = new FormData(form);
      const brand = (f ? f.brand ?? '' : String(d.get('brand') ?? '')).trim();
      const category = f ? f.category ?? '' : String(d.get('category') ?? '');
      const key = f?.key ?? `${brand || '*'}|${category || '*'}`;
      const floorCny = Number(d.get('floorCny'));
      const source = String(d.get('source') ?? '').trim();
      clearFieldErrors(form);
      const missing = [!(floorCny > 0) && 'floorCny', !source && 'source'].filter(Boolean) as string[];
      if (missing.length) {
        for (const name of missing) {
          const input = form.querySelector<HTMLElement>(`[name="${name}"]`)!;
          input.setAttribute('aria-invalid', 'true');
          input.insertAdjacentHTML('afterend', `<span class="field-error">${esc(r('required'))}</span>`);
        }
        return;
      }
      try {
        const saved = await api<PriceFloor>('PUT', `/api/rings/price-floors/${encodeURIComponent(key)}`, { floorCny, source });
        floors = [saved, ...floors.filter((x) => x.key !== saved.key)];
        paint();
        main.querySelector(`tr[data-floor="${CSS.escape(saved.key)}"]`)?.classList.add('fresh');
        editor(null);
        $('#floor-saved').textContent = `✓ ${r('floorSaved')} ${saved.key}`;
      } catch (err) {
        // A key the server does not know (params.key) is the brand typed.
        const p = (err as { problem?: { errors?: { path: string }[] } }).problem;
        p?.errors?.forEach((x) => (x.path = x.path.replace(/^(params\.)?key$/, 'brand')));
        showFieldErrors(form, err, box.querySelector('#floor-error')!);
      }
    });
  }

  if (edit) {
    editor(null);
    main.addEventListener('click', async (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('[data-new]')) return editor(null);
      const key = target.closest<HTMLElement>('[data-edit]')?.dataset.edit;
      const f = floors.find((x) => x.key === key);
      if (f) {
        editor(f);
        $('#floor-editor').scrollIntoView({ block: 'start' });
        $<HTMLInputElement>('#floor-form input[name="floorCny"]').focus();
        return;
      }
      const remove = target.closest<HTMLElement>('[data-remove]')?.dataset.remove;
      if (remove && confirm(r('removeConfirm', { key: remove }))) {
        try {
          await api('DELETE', `/api/rings/price-floors/${encodeURIComponent(remove)}`);
          floors = floors.filter((x) => x.key !== remove);
          paint();
        } catch (err) {
          $('#floors-error').textContent = problemText(err);
        }
      }
    });
  }
  void load();
}
