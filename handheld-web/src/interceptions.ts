// 拦截件 on the handheld: parcels this outlet took in that an alert or a suspect list reached afterwards. The outlet
// must stop them in the network and say what happened: 已拦截 (intercepted: it becomes a hold), 未找到 (not found) or
// 已妥投 (already delivered), the last two with a note. A button in the corner counts the open orders (red when one is
// overdue) and opens the list; new orders arrive live on /outlet with a vibration. It lives beside the app's own screen
// (main.ts repaints #app; this panel is its own element), so the intake flow is never interrupted.
import type { Socket } from 'socket.io-client';
import { outletSocket } from './holds.js';
import { currentLang, say, when } from './i18n.js';

export type Interception = {
  id: string;
  waybillNo: string;
  outletId: string;
  crossBorder: boolean;
  status: 'requested' | 'intercepted' | 'not_found' | 'already_delivered' | 'withdrawn';
  orderedAt: string;
  dueAt: string;
  overdue: boolean;
  sources: { kind: string; by: string | null; reason: { message: string; messageZh?: string } }[];
  answer: { result: string; note: string | null; by: string | null; at: string } | null;
};
type Result = 'intercepted' | 'not_found' | 'already_delivered';

const WORDS = {
  zh: {
    button: '拦截',
    title: '拦截件',
    lead: '以下邮件收寄后被预警或列入嫌疑名单，须在寄递网络中拦截。找到后点“已拦截”，邮件转为暂扣，等待监管部门处理。',
    none: '没有待处理的拦截指令',
    due: '答复期限',
    overdue: '已超时',
    why: '原因',
    note: '备注（未找到、已妥投时必填）',
    intercepted: '已拦截',
    not_found: '未找到',
    already_delivered: '已妥投',
    noteRequired: '请填写备注：说明在哪里查找过或何时妥投',
    done: '已答复：{w} {r}',
    answeredBy: '{w} 已由 {by} 答复为“{r}”，不能再次答复',
    withdrawn: '已撤回',
    withdrawnNotice: '{w} 的拦截指令已撤回，无需处理',
    newOrder: '新的拦截指令：{w}',
    close: '关闭',
    offline: '需要联网才能答复',
    reload: '刷新',
    crossBorder: '跨境',
  },
  en: {
    button: 'Intercept',
    title: 'Interception orders',
    lead: 'These parcels were flagged by an alert or a suspect list after intake and must be stopped in the network. Found: tap "Intercepted" — it becomes a hold for the regulator.',
    none: 'No interception orders to answer',
    due: 'Answer by',
    overdue: 'Overdue',
    why: 'Why',
    note: 'Note (required for not found or delivered)',
    intercepted: 'Intercepted',
    not_found: 'Not found',
    already_delivered: 'Delivered',
    noteRequired: 'Write a note: where you looked, or when it was delivered',
    done: 'Answered: {w} {r}',
    answeredBy: '{w} was already answered by {by}: {r}. It cannot be answered again.',
    withdrawn: 'Withdrawn',
    withdrawnNotice: 'The interception of {w} was withdrawn: nothing to do',
    newOrder: 'New interception order: {w}',
    close: 'Close',
    offline: 'Answering needs the network',
    reload: 'Reload',
    crossBorder: 'cross-border',
  },
};
type Word = keyof (typeof WORDS)['zh'];
const w = (k: Word, params: Record<string, string> = {}) => WORDS[currentLang()][k].replace(/\{(\w+)\}/g, (m, n: string) => params[n] ?? m);
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Its look, as a constructed sheet: the page's CSP allows no inline <style>.
const CSS = `
#ic-button { position: fixed; right: 12px; bottom: 12px; z-index: 50; min-height: 56px; min-width: 96px; border-radius: 28px; border: 0;
  background: #b45309; color: #fff; font-size: 1.15rem; font-weight: 700; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
#ic-button[hidden] { display: none; }
#ic-button.late { background: #b91c1c; }
#ic-panel { position: fixed; inset: 0; z-index: 60; background: #f8fafc; overflow-y: auto; padding: 12px 12px 96px; }
#ic-panel[hidden] { display: none; }
#ic-panel h1 { font-size: 1.4rem; margin: 4px 0 8px; }
.ic-card { background: #fff; border: 2px solid #e5e7eb; border-radius: 12px; padding: 12px; margin: 12px 0; }
.ic-card.late { border-color: #b91c1c; }
.ic-waybill { font-family: ui-monospace, monospace; font-size: 1.3rem; font-weight: 700; }
.ic-late { color: #b91c1c; font-weight: 700; }
.ic-actions { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 8px; margin-top: 8px; }
.ic-actions button { min-height: 64px; font-size: 1.2rem; font-weight: 700; border-radius: 12px; border: 2px solid #0b3d91; background: #fff; color: #0b3d91; }
.ic-actions button[data-result="intercepted"] { background: #0f7b3f; border-color: #0f7b3f; color: #fff; }
.ic-card textarea { width: 100%; min-height: 56px; font-size: 1.1rem; box-sizing: border-box; }
.ic-notice { background: #ecfdf5; border: 2px solid #0f7b3f; border-radius: 12px; padding: 10px; margin: 8px 0; font-weight: 700; }
.ic-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
`;

let orders: Interception[] = [];
let socket: Socket | null = null;
let button: HTMLButtonElement | null = null;
let panel: HTMLElement | null = null;
let notice = '';
/** What is being typed per order, kept across repaints (a live update must not wipe a note). */
const notes = new Map<string, string>();
const errors = new Map<string, string>();
const busy = new Set<string>();

const isLate = (o: Interception) => o.status === 'requested' && (o.overdue || Date.parse(o.dueAt) <= Date.now());

/** Starts for a courier or supervisor of an outlet: the corner button, the list, and the live orders. */
export async function startInterceptions(user: { role: string } | null): Promise<void> {
  if (!user || (user.role !== 'courier' && user.role !== 'outlet_supervisor') || button) return;
  if ('adoptedStyleSheets' in document && !document.adoptedStyleSheets.some((s) => (s as CSSStyleSheet & { pgIc?: boolean }).pgIc)) {
    const sheet = Object.assign(new CSSStyleSheet(), { pgIc: true });
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  button = document.createElement('button');
  button.type = 'button';
  button.id = 'ic-button';
  button.hidden = true;
  button.addEventListener('click', () => open());
  panel = document.createElement('section');
  panel.id = 'ic-panel';
  panel.hidden = true;
  panel.setAttribute('aria-label', w('title'));
  panel.addEventListener('click', onClick);
  panel.addEventListener('input', (e) => {
    const t = e.target as HTMLTextAreaElement;
    if (t.name === 'ic-note') notes.set(t.dataset.id!, t.value);
  });
  document.body.append(button, panel);
  // The app's language button repaints #app only: repaint this panel in the new language too.
  document.addEventListener('click', onLangClick);
  await reload();
  // The app's one /outlet connection (holds.ts); only this list's own listeners come and go with it.
  socket = await outletSocket();
  for (const [event, fn] of Object.entries(LISTENERS)) socket.on(event, fn);
}

// Each (re)connect reloads: the server replays nothing. A withdrawn order leaves the list (upsert keeps open ones).
const LISTENERS: Record<string, (o: Interception) => void> = {
  connect: () => void reload(),
  'interception:ordered': (o) => {
    notice = w('newOrder', { w: o.waybillNo });
    navigator.vibrate?.([200, 100, 200]);
    upsert(o);
  },
  'interception:answered': (o) => upsert(o),
  'interception:overdue': (o) => upsert(o),
  'interception:withdrawn': (o) => upsert(o),
};

const onLangClick = (e: Event) => {
  if ((e.target as HTMLElement).closest?.('[data-act="lang"]')) setTimeout(paint, 0);
};

export function stopInterceptions(): void {
  document.removeEventListener('click', onLangClick);
  for (const [event, fn] of Object.entries(LISTENERS)) socket?.off(event, fn);
  socket = null;
  button?.remove();
  panel?.remove();
  button = panel = null;
  orders = [];
  notes.clear();
  errors.clear();
  notice = '';
}

async function reload(): Promise<void> {
  try {
    const res = await fetch('/api/interceptions?status=open&limit=200', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) return;
    orders = ((await res.json()) as { interceptions: Interception[] }).interceptions;
    paint();
  } catch {
    // Offline: the last list stays on screen.
  }
}

function upsert(o: Interception) {
  orders = [o, ...orders.filter((x) => x.id !== o.id)].filter((x) => x.status === 'requested').sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  paint();
}

function open() {
  if (!panel) return;
  panel.hidden = false;
  paint();
  panel.querySelector<HTMLElement>('h1')?.focus();
}

function paint() {
  if (!button || !panel) return;
  const late = orders.filter(isLate).length;
  button.hidden = orders.length === 0 && panel.hidden;
  button.className = late ? 'late' : '';
  button.innerHTML = `${esc(w('button'))} <b id="ic-count" data-count="${orders.length}">${orders.length}</b>`;
  // The name starts with the words on the button (WCAG 2.5.3 label in name), then says what it opens.
  button.setAttribute('aria-label', `${w('button')} ${orders.length} · ${w('title')}`);
  if (panel.hidden) return;
  panel.innerHTML = `
    <div class="ic-head"><h1 tabindex="-1">${esc(w('title'))}</h1><button type="button" class="secondary" data-ic="close">${esc(w('close'))}</button></div>
    <p>${esc(w('lead'))}</p>
    ${notice ? `<p class="ic-notice" role="status" id="ic-notice">${esc(notice)}</p>` : ''}
    ${orders.length ? orders.map(card).join('') : `<p class="ic-none" id="ic-none">${esc(w('none'))}</p>`}`;
}

function card(o: Interception) {
  const late = isLate(o);
  const err = errors.get(o.id);
  return `<article class="ic-card${late ? ' late' : ''}" data-waybill="${esc(o.waybillNo)}">
    <div class="ic-waybill">${esc(o.waybillNo)}${o.crossBorder ? ` · ${esc(w('crossBorder'))}` : ''}</div>
    <div>${esc(w('due'))}: ${esc(when(o.dueAt))}${late ? ` <span class="ic-late" data-overdue>${esc(w('overdue'))}</span>` : ''}</div>
    <div>${esc(w('why'))}: ${o.sources.map((s) => esc(say(s.reason))).join('；')}</div>
    <label>${esc(w('note'))}<textarea name="ic-note" data-id="${esc(o.id)}" maxlength="2000">${esc(notes.get(o.id) ?? '')}</textarea></label>
    ${err ? `<p class="error" role="alert">${esc(err)}</p>` : ''}
    <div class="ic-actions">${(['intercepted', 'not_found', 'already_delivered'] as const)
      .map((r) => `<button type="button" data-result="${r}" data-id="${esc(o.id)}"${busy.has(o.id) ? ' disabled' : ''}>${esc(w(r))}</button>`)
      .join('')}</div>
  </article>`;
}

function onClick(e: Event) {
  const el = (e.target as HTMLElement).closest<HTMLElement>('button');
  if (!el || !panel) return;
  if (el.dataset.ic === 'close') {
    panel.hidden = true;
    notice = '';
    return paint();
  }
  const id = el.dataset.id;
  const result = el.dataset.result as Result | undefined;
  if (id && result) void answer(id, result);
}

async function answer(id: string, result: Result) {
  const o = orders.find((x) => x.id === id);
  if (!o) return;
  const note = (notes.get(id) ?? '').trim();
  errors.delete(id);
  if (result !== 'intercepted' && !note) {
    errors.set(id, w('noteRequired'));
    return paint();
  }
  busy.add(id);
  paint();
  try {
    const res = await fetch(`/api/parcels/${encodeURIComponent(o.waybillNo)}/interception`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(note ? { result, note } : { result }),
    });
    const body = (await res.json().catch(() => ({}))) as { interception?: Interception; detail?: string; detailZh?: string; code?: string };
    if (res.ok) {
      notes.delete(id);
      notice = w('done', { w: o.waybillNo, r: w(result) });
      orders = orders.filter((x) => x.id !== id);
    } else if (body.code === 'INTERCEPTION_ALREADY_ANSWERED' || body.code === 'NOT_ORDERED') {
      // Someone else answered first (or the order was withdrawn): say what is stored and who said it, not what was tapped.
      notes.delete(id);
      orders = orders.filter((x) => x.id !== id);
      notice = await storedAnswer(o);
      void reload();
    } else errors.set(id, (currentLang() === 'zh' ? body.detailZh : undefined) ?? body.detail ?? `HTTP ${res.status}`);
  } catch {
    errors.set(id, w('offline'));
  } finally {
    busy.delete(id);
    paint();
  }
}

/** The order as the server keeps it, in words: who answered it and how, or that it was withdrawn. */
async function storedAnswer(o: Interception): Promise<string> {
  let stored: Interception | null = null;
  try {
    const res = await fetch(`/api/parcels/${encodeURIComponent(o.waybillNo)}`, { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) stored = ((await res.json()) as { parcel: { interception: Interception | null } }).parcel.interception;
  } catch {
    // Offline: the generic words below.
  }
  if (!stored || stored.status === 'withdrawn') return w('withdrawnNotice', { w: o.waybillNo });
  const result = stored.answer?.result ?? stored.status;
  return w('answeredBy', { w: o.waybillNo, by: stored.answer?.by ?? '—', r: result in WORDS.zh ? w(result as Word) : result });
}
