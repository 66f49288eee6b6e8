// 批量 on the handheld (issue 18): a courier uploads a contract customer's batch file (CSV or XLSX, one parcel a
// row) and watches its progress bar move (batch:progress on /outlet); the counts and the rows in error follow.
// Like the interception panel it lives beside the app's own screen: a corner button opens a panel of its own.
import type { Socket } from 'socket.io-client';
import { outletSocket } from './holds.js';
import { currentLang } from './i18n.js';

type Counts = { accepted: number; held: number; rejected: number; invalid: number };
type Batch = { batchId: string; status: 'queued' | 'running' | 'done'; total: number; done: number; counts: Counts };
type Result = { index: number; waybillNo: string | null; status: string; verdict?: string; errors?: { path: string; message: string; messageZh?: string }[] };

const WORDS = {
  zh: {
    button: '批量',
    title: '批量收寄',
    lead: '协议客户的电子运单文件（CSV 或 XLSX，每行一件）。每件按柜台收寄的同一流程核验，有误的行单独列出。',
    org: '协议客户',
    file: '文件',
    submit: '上传收寄',
    sending: '正在上传…',
    queued: '排队中',
    running: '收寄中',
    done: '已完成',
    progress: '已处理 {done} / {total}',
    accepted: '准予',
    held: '暂扣',
    rejected: '拒收',
    invalid: '有误',
    problems: '有误的行',
    row: '第 {row} 行',
    close: '关闭',
    choose: '请选择协议客户和文件',
    offline: '需要联网才能上传',
    none: '暂无审核通过的协议客户',
  },
  en: {
    button: 'Batch',
    title: 'Bulk intake',
    lead: "A contract customer's electronic waybills (CSV or XLSX, one parcel a row). Each parcel goes through the counter's checks; rows in error are listed.",
    org: 'Contract customer',
    file: 'File',
    submit: 'Upload',
    sending: 'Uploading…',
    queued: 'Queued',
    running: 'Taking in',
    done: 'Done',
    progress: '{done} of {total} done',
    accepted: 'Accepted',
    held: 'Held',
    rejected: 'Rejected',
    invalid: 'In error',
    problems: 'Rows in error',
    row: 'Row {row}',
    close: 'Close',
    choose: 'Choose a contract customer and a file',
    offline: 'Uploading needs a connection',
    none: 'No approved contract customers',
  },
} as const;
type Word = keyof (typeof WORDS)['zh'];
const w = (k: Word, vars: Record<string, string | number> = {}) => WORDS[currentLang()][k].replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? ''));
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `
#bt-button { position: fixed; left: 12px; bottom: 12px; z-index: 50; min-height: 56px; min-width: 96px; border-radius: 28px; border: 0;
  background: #0b3d91; color: #fff; font-size: 1.15rem; font-weight: 700; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
#bt-panel { position: fixed; inset: 0; z-index: 60; background: #f8fafc; overflow-y: auto; padding: 12px 12px 96px; }
#bt-panel[hidden] { display: none; }
#bt-panel h1 { font-size: 1.4rem; margin: 4px 0 8px; }
#bt-panel label { display: block; font-size: 1.1rem; margin: 10px 0; }
#bt-panel select, #bt-panel input[type=file] { display: block; width: 100%; min-height: 48px; font-size: 1.1rem; margin-top: 4px; }
#bt-panel progress { width: 100%; height: 28px; }
.bt-actions { display: flex; gap: 8px; margin-top: 12px; }
.bt-actions button { flex: 1; min-height: 60px; font-size: 1.2rem; font-weight: 700; border-radius: 12px; border: 2px solid #0b3d91; background: #fff; color: #0b3d91; }
.bt-actions button.primary { background: #0b3d91; color: #fff; }
.bt-counts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; text-align: center; font-weight: 700; }
.bt-counts span { background: #fff; border: 2px solid #e5e7eb; border-radius: 10px; padding: 8px 2px; }
.bt-error { color: #b91c1c; font-weight: 700; }
.bt-row { background: #fff; border: 2px solid #fecaca; border-radius: 10px; padding: 8px; margin: 6px 0; }
`;

let button: HTMLButtonElement | null = null;
let panel: HTMLElement | null = null;
let socket: Socket | null = null;
let current: Batch | null = null;
let problems: Result[] = [];
let error = '';
let sending = false;
let orgs: { uscc: string; name: string }[] = [];

/** Couriers only (a supervisor's handheld is the holds list): the corner button and live progress. */
export async function startBatch(user: { role: string } | null): Promise<void> {
  if (!user || user.role !== 'courier' || button) return;
  if ('adoptedStyleSheets' in document) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  button = document.createElement('button');
  button.type = 'button';
  button.id = 'bt-button';
  button.textContent = w('button');
  button.addEventListener('click', () => void open());
  panel = document.createElement('section');
  panel.id = 'bt-panel';
  panel.hidden = true;
  panel.setAttribute('aria-label', w('title'));
  panel.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).dataset.bt === 'close') panel!.hidden = true;
  });
  panel.addEventListener('submit', (e) => void submit(e));
  document.body.append(button, panel);
  // The one /outlet connection the holds list opened (holds.ts): a poor link carries one socket, not one per panel.
  socket = await outletSocket();
  socket.on('batch:progress', onProgress);
}

function onProgress(p: Batch): void {
  if (!current || p.batchId !== current.batchId) return;
  current = p;
  if (p.status === 'done') void loadProblems();
  else paint();
}

export function stopBatch(): void {
  socket?.off('batch:progress', onProgress);
  socket = null;
  button?.remove();
  panel?.remove();
  button = panel = null;
  current = null;
}

async function open() {
  panel!.hidden = false;
  paint();
  try {
    const res = await fetch('/api/organisations?status=approved&limit=200', { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) orgs = ((await res.json()) as { organisations: typeof orgs }).organisations;
  } catch {
    error = w('offline');
  }
  paint();
}

async function submit(e: Event) {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  const data = new FormData(form);
  if (!data.get('uscc') || !(data.get('file') as File | null)?.size) return void ((error = w('choose')), paint());
  sending = true;
  error = '';
  paint();
  try {
    const res = await fetch('/api/parcels/batch/upload', { method: 'POST', body: data, credentials: 'same-origin', headers: { 'Idempotency-Key': crypto.randomUUID() } });
    const body = await res.json();
    if (!res.ok) {
      const zh = currentLang() === 'zh';
      error = body.errors?.length ? body.errors.map((x: { path: string; message: string; messageZh?: string }) => `${x.path}: ${zh && x.messageZh ? x.messageZh : x.message}`).join('；') : (zh && body.detailZh) || body.detail;
    } else {
      current = { batchId: body.batchId, status: body.status, total: body.total, done: 0, counts: { accepted: 0, held: 0, rejected: 0, invalid: 0 } };
      problems = [];
      // The answer may come before the socket's first event: what is known now (invalid rows counted at once).
      const now = await fetch(`/api/parcels/batch/${body.batchId}?limit=1`, { credentials: 'same-origin', cache: 'no-store' });
      if (now.ok) current = (await now.json()) as Batch;
      if (current.status === 'done') await loadProblems();
    }
  } catch {
    error = w('offline');
  } finally {
    sending = false;
    paint();
  }
}

async function loadProblems() {
  if (!current) return;
  const res = await fetch(`/api/parcels/batch/${current.batchId}?limit=1000`, { credentials: 'same-origin', cache: 'no-store' });
  if (res.ok) {
    const x = (await res.json()) as Batch & { results: Result[] };
    current = x;
    problems = x.results.filter((r) => r.status === 'invalid');
  }
  paint();
}

function paint() {
  if (!panel) return;
  const zh = currentLang() === 'zh';
  const c = current;
  panel.innerHTML = `<h1>${esc(w('title'))}</h1><p>${esc(w('lead'))}</p>
    <form id="bt-form" novalidate>
      <label>${esc(w('org'))}<select name="uscc" required>${orgs.length ? orgs.map((o) => `<option value="${esc(o.uscc)}">${esc(o.name)}</option>`).join('') : `<option value="">${esc(w('none'))}</option>`}</select></label>
      <label>${esc(w('file'))}<input type="file" name="file" accept=".csv,.xlsx" required></label>
      ${error ? `<p class="bt-error" role="alert">${esc(error)}</p>` : ''}
      <div class="bt-actions"><button type="button" data-bt="close">${esc(w('close'))}</button><button type="submit" class="primary"${sending ? ' disabled' : ''}>${esc(sending ? w('sending') : w('submit'))}</button></div>
    </form>
    ${
      c
        ? `<section id="bt-progress" data-status="${esc(c.status)}" aria-live="polite"><p><strong>${esc(w(c.status))}</strong> · ${esc(w('progress', { done: c.done, total: c.total }))}</p>
            <progress max="${c.total}" value="${c.done}"></progress>
            <div class="bt-counts"><span data-count="accepted">${esc(w('accepted'))}<br>${c.counts.accepted}</span><span data-count="held">${esc(w('held'))}<br>${c.counts.held}</span><span data-count="rejected">${esc(w('rejected'))}<br>${c.counts.rejected}</span><span data-count="invalid">${esc(w('invalid'))}<br>${c.counts.invalid}</span></div>
            ${problems.length ? `<h2>${esc(w('problems'))}</h2>${problems.map((r) => `<div class="bt-row"><strong>${esc(w('row', { row: r.index + 2 }))}</strong> <span>${esc(r.waybillNo ?? '')}</span>${(r.errors ?? []).map((x) => `<div>${esc(zh && x.messageZh ? x.messageZh : x.message)}</div>`).join('')}</div>`).join('')}` : ''}
          </section>`
        : ''
    }`;
}
