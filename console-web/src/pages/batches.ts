// 批量收寄: an outlet supervisor uploads a contract customer's CSV or XLSX batch, watches it move (batch:progress on
// /outlet, a socket of this page's own), and reads the result per row — refusals in the officer's language at the
// parcel's field — or downloads it. The outlet's recent batches below; one opens with #/batches/<id>.
import { io, type Socket } from 'socket.io-client';
import { ApiProblem, esc, get } from '../api.js';
import { fmtTime, said } from '../i18n.js';
import type { PageContext } from '../main.js';
import { b } from '../strings-batches.js';
import { problemText } from './common.js';

type Counts = { accepted: number; held: number; rejected: number; invalid: number };
type Batch = { batchId: string; status: 'queued' | 'running' | 'done'; total: number; done: number; counts: Counts; source: string; createdAt: string; organisation?: { uscc: string; name: string } };
type Result = { index: number; waybillNo: string | null; status: string; verdict?: string; errors?: { path: string; code: string; message: string; messageZh?: string }[] };

// The page's few rules of its own, as a constructed sheet (the CSP admits no inline styles; styles.css is shared).
const CSS = `
.batch-progress progress { display: block; width: 100%; height: 22px; margin: 6px 0; }
.batch-counts .chip { margin-right: 6px; }
label.batch-filter { display: flex; align-items: center; gap: 8px; margin: 8px 0; }
label.batch-filter input { width: auto; height: auto; margin: 0; }
#batch-results td { vertical-align: top; }
#batch-current h3, #batch-list { margin-top: 16px; }
`;
function addStyles() {
  if (!('adoptedStyleSheets' in document) || document.adoptedStyleSheets.some((x) => (x as CSSStyleSheet & { pgBatch?: boolean }).pgBatch)) return;
  const sheet = Object.assign(new CSSStyleSheet(), { pgBatch: true });
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

const pct = (x: Batch) => (x.total ? Math.floor((x.done / x.total) * 100) : 0);

function progressHtml(x: Batch): string {
  return `<div class="batch-progress" data-status="${esc(x.status)}">
    <p><strong>${esc(b(`status_${x.status}`))}</strong> · <span id="batch-done">${esc(b('done', { done: x.done, total: x.total }))}</span></p>
    <progress id="batch-bar" max="${x.total}" value="${x.done}" aria-label="${esc(b('progress'))}">${pct(x)}%</progress>
    <p class="batch-counts">
      <span class="chip ok" data-count="accepted">${esc(b('accepted'))} ${x.counts.accepted}</span>
      <span class="chip warn" data-count="held">${esc(b('held'))} ${x.counts.held}</span>
      <span class="chip bad" data-count="rejected">${esc(b('rejected'))} ${x.counts.rejected}</span>
      <span class="chip" data-count="invalid">${esc(b('invalid'))} ${x.counts.invalid}</span>
    </p>
  </div>`;
}

function resultRows(rows: Result[]): string {
  return rows
    .map(
      (r) => `<tr data-index="${r.index}" data-status="${esc(r.verdict ?? r.status)}">
        <td>${r.index + 1}</td><td>${r.index + 2}</td><td class="mono">${esc(r.waybillNo ?? '—')}</td>
        <td>${esc(r.verdict ? b(r.verdict as 'accepted') : r.status === 'invalid' ? b('invalid') : b('status_queued'))}</td>
        <td>${(r.errors ?? []).map((e) => `<div class="field-error"><span class="mono">${esc(e.path)}</span> ${esc(said(e))}</div>`).join('')}</td>
      </tr>`,
    )
    .join('');
}

export function renderBatches(ctx: PageContext, batchId?: string): () => void {
  const { main } = ctx;
  addStyles();
  let socket: Socket | undefined;
  let current: Batch | undefined;
  main.innerHTML = `
    <h2>${esc(b('title'))}</h2>
    <p class="muted">${esc(b('hint'))}</p>
    <form id="batch-form" class="card" novalidate>
      <label>${esc(b('organisation'))}<select name="uscc" required><option value="">…</option></select></label>
      <label>${esc(b('file'))}<input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
      <p class="muted">${esc(b('template'))}<a href="/api/parcels/batch/template?format=xlsx" download>XLSX</a> · <a href="/api/parcels/batch/template?format=csv" download>CSV</a></p>
      <p class="error" id="batch-error" role="alert"></p>
      <button class="primary" type="submit">${esc(b('submit'))}</button>
    </form>
    <section id="batch-current" aria-live="polite"></section>
    <section><h3>${esc(b('recent'))}</h3><div id="batch-list"></div></section>`;
  const form = main.querySelector<HTMLFormElement>('#batch-form')!;
  const error = main.querySelector<HTMLElement>('#batch-error')!;
  const currentEl = main.querySelector<HTMLElement>('#batch-current')!;

  void get<{ organisations: { uscc: string; name: string }[] }>('/api/organisations?status=approved&limit=200').then(
    (r) => {
      const select = form.querySelector('select')!;
      select.insertAdjacentHTML('beforeend', r.organisations.map((o) => `<option value="${esc(o.uscc)}">${esc(o.name)} · ${esc(o.uscc)}</option>`).join(''));
      if (!r.organisations.length) error.textContent = b('noOrganisations');
    },
    (err) => (error.textContent = problemText(err)),
  );

  async function loadList() {
    const r = await get<{ batches: Batch[] }>('/api/parcels/batch?limit=20');
    main.querySelector('#batch-list')!.innerHTML = r.batches.length
      ? `<table class="table"><thead><tr><th>${esc(b('created'))}</th><th>${esc(b('organisation'))}</th><th>${esc(b('source'))}</th><th>${esc(b('progress'))}</th><th></th></tr></thead><tbody>${r.batches
          .map((x) => `<tr><td>${esc(fmtTime(x.createdAt))}</td><td>${esc(x.organisation?.name ?? '')}</td><td>${esc(x.source.toUpperCase())}</td><td>${esc(b(`status_${x.status}`))} ${x.done}/${x.total}</td><td><a href="#/batches/${esc(x.batchId)}">${esc(b('open'))}</a></td></tr>`)
          .join('')}</tbody></table>`
      : `<p class="muted">${esc(b('none'))}</p>`;
  }

  /** The batch's progress, then (once done) its results: problems first, all on request. */
  async function show(id: string) {
    const x = await get<Batch & { results: Result[]; nextCursor: string | null }>(`/api/parcels/batch/${id}?limit=500`);
    current = x;
    currentEl.innerHTML = `<h3>${esc(x.organisation?.name ?? '')} <span class="mono muted">${esc(x.batchId)}</span></h3>${progressHtml(x)}
      <p>${esc(b('download'))}<a href="/api/parcels/batch/${esc(x.batchId)}?format=xlsx" download>XLSX</a> · <a href="/api/parcels/batch/${esc(x.batchId)}?format=csv" download>CSV</a></p>
      <h4>${esc(b('results'))}</h4>
      <label class="batch-filter"><input type="checkbox" id="only-problems" checked> ${esc(b('onlyProblems'))}</label>
      <table class="table" id="batch-results"><thead><tr><th>${esc(b('index'))}</th><th>${esc(b('row'))}</th><th>${esc(b('waybill'))}</th><th>${esc(b('verdict'))}</th><th>${esc(b('errors'))}</th></tr></thead><tbody>${resultRows(x.results)}</tbody></table>
      ${x.nextCursor ? `<button type="button" class="ghost" id="more" data-cursor="${esc(x.nextCursor)}">${esc(b('more'))}</button>` : ''}`;
    const table = currentEl.querySelector<HTMLTableElement>('#batch-results')!;
    const filter = () => {
      const only = currentEl.querySelector<HTMLInputElement>('#only-problems')!.checked;
      for (const tr of table.tBodies[0]!.rows) tr.hidden = only && tr.dataset.status === 'accepted';
    };
    currentEl.querySelector('#only-problems')!.addEventListener('change', filter);
    filter();
    currentEl.querySelector<HTMLButtonElement>('#more')?.addEventListener('click', async (e) => {
      const button = e.currentTarget as HTMLButtonElement;
      const page = await get<{ results: Result[]; nextCursor: string | null }>(`/api/parcels/batch/${id}?limit=500&cursor=${button.dataset.cursor}`);
      table.tBodies[0]!.insertAdjacentHTML('beforeend', resultRows(page.results));
      filter();
      if (page.nextCursor) button.dataset.cursor = page.nextCursor;
      else button.remove();
    });
  }

  // Live progress of this outlet's batches; the page's own socket, closed when the page is left.
  socket = io('/outlet', { transports: ['websocket', 'polling'] });
  socket.on('batch:progress', (p: Batch) => {
    if (!current || p.batchId !== current.batchId) return;
    if (p.status === 'done') return void show(p.batchId).then(loadList);
    current = { ...current, ...p };
    const bar = currentEl.querySelector<HTMLProgressElement>('#batch-bar');
    if (bar) currentEl.querySelector('.batch-progress')!.outerHTML = progressHtml(current);
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const data = new FormData(form);
    if (!data.get('uscc')) return void (error.textContent = b('chooseOrg'));
    if (!(data.get('file') as File | null)?.size) return void (error.textContent = b('chooseFile'));
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    button.disabled = true;
    button.textContent = b('submitting');
    try {
      const res = await fetch('/api/parcels/batch/upload', { method: 'POST', body: data, headers: { 'Idempotency-Key': crypto.randomUUID() }, credentials: 'same-origin' });
      const body = await res.json();
      if (!res.ok) throw new ApiProblem(body);
      form.reset();
      history.replaceState(null, '', `#/batches/${body.batchId}`);
      await show(body.batchId);
      await loadList();
    } catch (err) {
      error.textContent = err instanceof ApiProblem && err.problem.errors?.length ? err.problem.errors.map((x) => `${x.path}: ${said(x)}`).join('；') : problemText(err);
    } finally {
      button.disabled = false;
      button.textContent = b('submit');
    }
  });

  void loadList().catch((err) => (error.textContent = problemText(err)));
  if (batchId) void show(batchId).catch((err) => (currentEl.innerHTML = `<p class="error">${esc(problemText(err))}</p>`));
  return () => socket?.close();
}
