// Protected brands and their right holders (知识产权海关保护): the one list the suspect lists, the ring indicators
// and the goods rules match against. Browse and search; customs officers add a brand and edit its aliases (how
// declarations write it: 劳力士, rolex), categories, right holder, contact and recordation number, or retire it.
// Regulators read. An alias another brand already uses is refused at the aliases field.
import { api, esc, get, qs } from '../api.js';
import { categoryName, CATEGORIES } from '../categories.js';
import { fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Brand } from '../types.js';
import { clearFieldErrors, problemText, showFieldErrors } from './common.js';
import { c, ipTabs } from '../strings-customs.js';

const mayEdit = (ctx: PageContext) => ctx.user.role === 'customs_officer' || ctx.user.role === 'admin';
/** One alias a line, or separated by commas (中文逗号 too). */
const splitList = (text: string) => [...new Set(text.split(/[\n,，;；]+/).map((s) => s.trim()).filter(Boolean))];

export function renderBrands(ctx: PageContext, params: URLSearchParams) {
  const { main } = ctx;
  const q = params.get('q') ?? '';
  const edit = mayEdit(ctx);
  let brands: Brand[] = [];
  let editing: Brand | null = null;

  main.innerHTML = `
    ${ipTabs('#/brands')}
    <h1>${esc(c('brandsTitle'))}</h1>
    <p class="muted">${esc(c('brandsHint'))}</p>
    ${edit ? '' : `<p class="notice info">${esc(c('readOnlyCustoms'))}</p>`}
    ${edit ? `<p><button type="button" class="primary" id="new-brand">＋ ${esc(c('addBrand'))}</button></p><section class="card" id="brand-editor" hidden></section>` : ''}
    <form class="filters card" id="brand-search" role="search">
      <label>${esc(c('searchBrands'))}<input name="q" type="search" value="${esc(q)}" maxlength="100" placeholder="${esc(c('searchBrandsHint'))}"></label>
      <button type="submit" class="secondary">${esc(t('search'))}</button>
    </form>
    <p class="error" role="alert" id="brands-error"></p>
    <div id="brand-list"><p class="muted">${esc(t('loading'))}</p></div>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  async function load() {
    try {
      brands = (await get<{ brands: Brand[] }>(`/api/brands${qs({ q })}`)).brands;
      $('#brands-error').textContent = '';
      paint();
    } catch (err) {
      $('#brands-error').textContent = problemText(err);
    }
  }

  function paint() {
    $('#brand-list').innerHTML = brands.length
      ? `<table class="grid stack brands">
          <thead><tr><th>${esc(c('brand'))}</th><th>${esc(c('aliases'))}</th><th>${esc(c('categories'))}</th><th>${esc(c('rightHolder'))}</th><th>${esc(c('contact'))}</th><th>${esc(c('recordationNo'))}</th><th>${esc(t('updated'))}</th>${edit ? '<th></th>' : ''}</tr></thead>
          <tbody>${brands.map(row).join('')}</tbody></table>`
      : `<p class="empty">${esc(c('noBrands'))}</p>`;
  }

  function row(b: Brand) {
    return `<tr data-brand="${esc(b.brandKey)}" class="${b.active ? '' : 'inactive'}">
      <td data-label="${esc(c('brand'))}" translate="no"><b>${esc(b.displayName)}</b> <span class="muted mono">${esc(b.brandKey)}</span>${b.active ? '' : ` <span class="badge low">${esc(c('inactive'))}</span>`}</td>
      <td data-label="${esc(c('aliases'))}" translate="no">${b.aliases.map((a) => `<span class="tag">${esc(a)}</span>`).join(' ') || '—'}</td>
      <td data-label="${esc(c('categories'))}">${esc(b.categories.map(categoryName).join('、')) || '—'}</td>
      <td data-label="${esc(c('rightHolder'))}"><span translate="no">${esc(b.rightHolder ?? '')}</span>${b.rightHolder ? '' : `<span class="muted">${esc(c('unknown'))}</span>`}</td>
      <td data-label="${esc(c('contact'))}">${esc(b.contact ?? '') || '—'}</td>
      <td data-label="${esc(c('recordationNo'))}" class="mono">${esc(b.recordationNo ?? '') || '—'}</td>
      <td data-label="${esc(t('updated'))}" class="muted">${esc([b.updatedBy, b.updatedAt && fmtTime(b.updatedAt)].filter(Boolean).join(' · '))}</td>
      ${edit ? `<td><button type="button" class="secondary" data-edit="${esc(b.brandKey)}">${esc(c('edit'))}</button></td>` : ''}
    </tr>`;
  }

  /** One form for adding and editing: a new brand may choose its key; an existing one may be retired. */
  function openEditor(b: Brand | null) {
    editing = b;
    const box = $('#brand-editor');
    const v = (x: string | null | undefined) => esc(x ?? '');
    box.hidden = false;
    box.innerHTML = `
      <h2>${esc(b ? c('editBrand', { name: b.displayName }) : c('addBrand'))}</h2>
      <form id="brand-form" novalidate>
        <div class="form-grid">
          <label><span>${esc(c('displayName'))} <span class="req">*</span></span><input name="displayName" required maxlength="100" value="${v(b?.displayName)}"></label>
          ${b ? '' : `<label>${esc(c('brandKey'))}<input name="brandKey" maxlength="100" placeholder="${esc(c('brandKeyHint'))}"></label>`}
          <label class="wide">${esc(c('aliases'))}<textarea name="aliases" rows="2" placeholder="${esc(c('aliasesHint'))}">${v(b?.aliases.join('\n'))}</textarea></label>
          <fieldset class="wide cat-grid" name="categories"><legend>${esc(c('categories'))}</legend>
            ${CATEGORIES.map((k) => `<label class="check"><input type="checkbox" name="categories" value="${k}"${b?.categories.includes(k) ? ' checked' : ''}> ${esc(categoryName(k))}</label>`).join('')}
          </fieldset>
          <label>${esc(c('rightHolder'))}<input name="rightHolder" maxlength="200" value="${v(b?.rightHolder)}"></label>
          <label>${esc(c('contact'))}<input name="contact" maxlength="200" value="${v(b?.contact)}" placeholder="${esc(c('contactHint'))}"></label>
          <label>${esc(c('recordationNo'))}<input name="recordationNo" maxlength="100" value="${v(b?.recordationNo)}" placeholder="T2023-12345"></label>
          ${b ? `<label class="check"><input type="checkbox" name="active" value="true"${b.active ? ' checked' : ''}> ${esc(c('activeBrand'))}</label>` : ''}
        </div>
        <p class="error" role="alert" id="brand-form-error"></p>
        <div class="actions"><button type="submit" class="primary">${esc(t('save'))}</button> <button type="button" class="secondary" id="brand-cancel">${esc(c('cancel'))}</button> <span class="ok" role="status" id="brand-saved"></span></div>
      </form>`;
    box.scrollIntoView({ block: 'start' });
    box.querySelector<HTMLInputElement>('input[name="displayName"]')!.focus();
    box.querySelector('#brand-cancel')!.addEventListener('click', () => {
      box.hidden = true;
      editing = null;
    });
    const form = box.querySelector<HTMLFormElement>('#brand-form')!;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const text = (name: string) => String(f.get(name) ?? '').trim();
      const body: Record<string, unknown> = {
        displayName: text('displayName'),
        aliases: splitList(text('aliases')),
        categories: f.getAll('categories').map(String),
        rightHolder: text('rightHolder') || null,
        contact: text('contact') || null,
        recordationNo: text('recordationNo') || null,
      };
      if (!editing && text('brandKey')) body.brandKey = text('brandKey');
      if (editing) body.active = f.get('active') === 'true';
      const error = box.querySelector<HTMLElement>('#brand-form-error')!;
      if (!body.displayName) {
        clearFieldErrors(form);
        const input = form.querySelector<HTMLInputElement>('input[name="displayName"]')!;
        input.setAttribute('aria-invalid', 'true');
        input.insertAdjacentHTML('afterend', `<span class="field-error">${esc(c('required'))}</span>`);
        input.focus();
        return;
      }
      try {
        const saved = editing
          ? await api<Brand>('PATCH', `/api/brands/${encodeURIComponent(editing.brandKey)}`, body)
          : await api<Brand>('POST', '/api/brands', body);
        clearFieldErrors(form);
        error.textContent = '';
        box.hidden = true;
        editing = null;
        brands = [saved, ...brands.filter((x) => x.brandKey !== saved.brandKey)];
        paint();
        main.querySelector(`tr[data-brand="${CSS.escape(saved.brandKey)}"]`)?.classList.add('fresh');
      } catch (err) {
        showFieldErrors(form, err, error);
      }
    });
  }

  main.querySelector('#new-brand')?.addEventListener('click', () => openEditor(null));
  $('#brand-list').addEventListener('click', (e) => {
    const key = (e.target as HTMLElement).closest<HTMLElement>('[data-edit]')?.dataset.edit;
    const b = brands.find((x) => x.brandKey === key);
    if (b) openEditor(b);
  });
  $<HTMLFormElement>('#brand-search').addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.navigate(`#/brands${qs({ q: String(new FormData(e.target as HTMLFormElement).get('q') ?? '').trim() })}`);
  });
  void load();
}
