// Suspect lists: browse and search, add one entry, remove one (it stops matching; the server keeps it for
// audit), and import a CSV or XLSX file — the row report says what came in and which rows did not, and why.
import { api, ApiProblem, esc, fieldText, get, qs } from '../api.js';
import { currentLang, fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { ImportReport, WatchlistEntry } from '../types.js';
import { chinaDayStart, clearFieldErrors, problemText, showFieldErrors } from './common.js';

const TYPES: Record<string, [string, string]> = {
  id_number: ['证件号', 'ID number'],
  phone: ['电话', 'Phone'],
  person_name: ['姓名', 'Person name'],
  address: ['地址', 'Address'],
  consignee: ['收件人', 'Consignee'],
  company: ['企业', 'Company'],
  waybill: ['运单号', 'Waybill'],
  brand: ['品牌', 'Brand'],
};
const typeName = (type: string) => TYPES[type]?.[currentLang() === 'zh' ? 0 : 1] ?? type;

export function renderWatchlist({ main }: PageContext, params: URLSearchParams) {
  const type = params.get('type') ?? '';
  const q = params.get('q') ?? '';
  let entries: WatchlistEntry[] = [];
  let nextCursor: string | null = null;
  const typeOptions = (current: string, anyLabel?: string) =>
    `${anyLabel ? `<option value="">${esc(anyLabel)}</option>` : ''}${Object.keys(TYPES).map((k) => `<option value="${k}"${k === current ? ' selected' : ''}>${esc(typeName(k))}</option>`).join('')}`;

  main.innerHTML = `
    <h1>${esc(t('watchlistTitle'))}</h1>
    <div class="cols">
      <section class="card">
        <h2>${esc(t('add'))}</h2>
        <form id="add">
          <label>${esc(t('entryType'))}<select name="type">${typeOptions('phone')}</select></label>
          <label>${esc(t('entryValue'))}<input name="value" required maxlength="500"></label>
          <label>${esc(t('note'))}<input name="note" maxlength="500"></label>
          <label>${esc(t('source'))}<input name="source" maxlength="200"></label>
          <label>${esc(t('expiresAt'))}<input name="expiresAt" type="date"></label>
          <p class="error" role="alert" id="add-error"></p>
          <button type="submit" class="primary">${esc(t('add'))}</button> <span class="ok" role="status" id="add-status"></span>
        </form>
      </section>
      <section class="card">
        <h2>${esc(t('importFile'))}</h2>
        <form id="import">
          <label>${esc(currentLang() === 'zh' ? '选择文件' : 'Choose a file')}<input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
          <p class="muted">${esc(t('importHint'))}</p>
          <button type="submit" class="primary">${esc(t('import'))}</button>
        </form>
        <div id="import-report" aria-live="polite"></div>
      </section>
    </div>
    <form class="filters card" id="search">
      <label>${esc(t('entryType'))}<select name="type">${typeOptions(type, t('any'))}</select></label>
      <label>${esc(t('search'))}<input name="q" value="${esc(q)}" type="search" maxlength="100"></label>
      <button type="submit" class="secondary">${esc(t('search'))}</button>
    </form>
    <p class="error" role="alert" id="list-error"></p>
    <table class="grid"><thead><tr><th>${esc(t('entryType'))}</th><th>${esc(t('entryValue'))}</th><th>${esc(t('note'))}</th><th>${esc(t('source'))}</th><th>${esc(t('time'))}</th><th>${esc(t('expiresAt'))}</th><th></th></tr></thead>
      <tbody id="entries"></tbody></table>
    <p><button type="button" class="secondary" id="more" hidden>${esc(t('more'))}</button></p>`;

  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  async function load(append = false) {
    try {
      const page = await get<{ entries: WatchlistEntry[]; nextCursor: string | null }>(`/api/watchlist/entries${qs({ type, q, limit: 50, cursor: append ? nextCursor : null })}`);
      entries = append ? [...entries, ...page.entries] : page.entries;
      nextCursor = page.nextCursor;
      paint();
    } catch (err) {
      $('#list-error').textContent = problemText(err);
    }
  }

  function paint() {
    $('#entries').innerHTML = entries.length
      ? entries
          .map(
            (e) => `<tr data-id="${esc(e.id)}"><td>${esc(typeName(e.type))}</td><td class="mono">${esc(e.value)}</td><td>${esc(e.note ?? '')}</td><td>${esc(e.source ?? '')}</td>
              <td>${esc(fmtTime(e.createdAt))}</td><td>${e.expiresAt ? esc(fmtTime(e.expiresAt)) : '—'}</td>
              <td><button type="button" class="secondary small" data-expire="${esc(e.id)}">${esc(t('expire'))}</button></td></tr>`,
          )
          .join('')
      : `<tr><td colspan="7" class="empty">${esc(t('noEntries'))}</td></tr>`;
    $<HTMLButtonElement>('#more').hidden = !nextCursor;
  }

  function showReport(r: ImportReport & { rows?: number }) {
    $('#import-report').innerHTML = `
      <h3>${esc(t('importReport'))}</h3>
      <p><b>${esc(t('created'))}</b> ${r.created} · <b>${esc(t('duplicates'))}</b> ${r.duplicates} · <b>${esc(t('rejectedRows'))}</b> ${r.rejected.length}</p>
      ${r.rejected.length
        ? `<table class="grid report"><thead><tr><th>${esc(t('row'))}</th><th></th></tr></thead><tbody>${r.rejected
            .map((x) => `<tr><td>${x.row ?? (x.index ?? 0) + 1}</td><td>${x.errors.map((e) => `<span data-code="${esc(e.code)}">${esc(fieldText(e))}</span>`).join('<br>')}</td></tr>`)
            .join('')}</tbody></table>`
        : ''}`;
  }

  $<HTMLFormElement>('#add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = Object.fromEntries(new FormData(form)) as Record<string, string>;
    const entry = { type: f.type, value: f.value, ...(f.note ? { note: f.note } : {}), ...(f.source ? { source: f.source } : {}), ...(f.expiresAt ? { expiresAt: chinaDayStart(f.expiresAt, 1) } : {}) };
    $('#add-status').textContent = '';
    try {
      const r = await api<ImportReport>('POST', '/api/watchlist/entries', { entries: [entry] });
      if (r.rejected.length) {
        // The one entry's problems, at its fields (paths come as entries.0.value or value).
        const errors = r.rejected[0]!.errors.map((x) => ({ ...x, path: x.path.replace(/^entries\.\d+\./, '') }));
        showFieldErrors(form, new ApiProblem({ status: 422, errors }), $('#add-error'));
        return;
      }
      clearFieldErrors(form);
      $('#add-error').textContent = '';
      $('#add-status').textContent = r.duplicates ? t('duplicates') : t('saved');
      form.reset();
      void load();
    } catch (err) {
      showFieldErrors(form, err, $('#add-error'));
    }
  });
  $<HTMLFormElement>('#import').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      showReport(await api<ImportReport>('POST', '/api/watchlist/import', new FormData(e.target as HTMLFormElement)));
      void load();
    } catch (err) {
      $('#import-report').innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`;
    }
  });
  $<HTMLFormElement>('#search').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    location.hash = `#/watchlist${qs({ type: String(f.get('type') ?? ''), q: String(f.get('q') ?? '').trim() })}`;
  });
  $('#entries').addEventListener('click', async (e) => {
    const id = (e.target as HTMLElement).closest<HTMLElement>('[data-expire]')?.dataset.expire;
    if (!id || !confirm(t('expireConfirm'))) return;
    try {
      await api('DELETE', `/api/watchlist/entries/${encodeURIComponent(id)}`);
      entries = entries.filter((x) => x.id !== id);
      paint();
    } catch (err) {
      $('#list-error').textContent = problemText(err);
    }
  });
  $('#more').addEventListener('click', () => load(true));
  void load();
}
