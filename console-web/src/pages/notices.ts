// Right-holder notices (知识产权海关保护): a seizure of a protected brand's goods opens one per brand. What waits
// comes first — overdue answers, then holders not yet told — and each row carries its next step: record how and
// when the holder was told (the deadline defaults to three working days later), then the holder's answer.
// Customs officers act; regulators read. The list exports as CSV or XLSX.
import { api, esc, get, qs } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Notice } from '../types.js';
import { chinaLocalToIso, fmtDuration, problemText, showFieldErrors } from './common.js';
import { answerName, c, ipTabs, methodName, NOTICE_ANSWERS, NOTICE_METHODS, noticeStatusName } from '../strings-customs.js';

const TABS = ['todo', 'notified', 'answered', 'all'] as const;
type Tab = (typeof TABS)[number];
const mayAct = (ctx: PageContext) => ctx.user.role === 'customs_officer' || ctx.user.role === 'admin';

export function renderNotices(ctx: PageContext, params: URLSearchParams) {
  const { main } = ctx;
  const tab: Tab = (TABS as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as Tab) : 'todo';
  const act = mayAct(ctx);
  let notices: Notice[] = [];
  let nextCursor: string | null = null;
  const exportStatus = tab === 'todo' ? 'all' : tab;
  const file = (format: 'csv' | 'xlsx') => `/api/customs/notices${qs({ status: exportStatus, format })}`;
  const tabLabel: Record<Tab, string> = { todo: c('tabTodo'), notified: c('tabNotified'), answered: c('tabAnswered'), all: t('all') };

  main.innerHTML = `
    ${ipTabs('#/notices')}
    <div class="row-between">
      <h1>${esc(c('noticesTitle'))}</h1>
      <p class="exports"><a class="button secondary" id="notices-csv" href="${esc(file('csv'))}" download>${esc(t('download'))} CSV</a>
        <a class="button secondary" id="notices-xlsx" href="${esc(file('xlsx'))}" download>${esc(t('download'))} XLSX</a></p>
    </div>
    <p class="muted">${esc(c('noticesHint'))}</p>
    ${act ? '' : `<p class="notice info">${esc(c('readOnlyCustoms'))}</p>`}
    <nav class="tabs">${TABS.map((s) => `<a href="#/notices${s === 'todo' ? '' : `?status=${s}`}" class="${s === tab ? 'active' : ''}" data-tab="${s}">${esc(tabLabel[s])}</a>`).join('')}</nav>
    <p class="error" role="alert" id="notices-error"></p>
    <div id="notice-list"><p class="muted">${esc(t('loading'))}</p></div>
    <p><button type="button" class="secondary" id="notices-more" hidden>${esc(t('more'))}</button></p>`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  const page = (status: string, cursor: string | null = null) =>
    get<{ notices: Notice[]; nextCursor: string | null }>(`/api/customs/notices${qs({ status, limit: 100, cursor })}`);

  async function load(append = false) {
    try {
      if (tab === 'todo') {
        // Overdue answers first, then holders not yet told: the two things an officer must do today.
        const [overdue, pending] = await Promise.all([page('overdue'), page('pending')]);
        notices = [...overdue.notices, ...pending.notices];
        nextCursor = null;
      } else {
        const p = await page(tab, append ? nextCursor : null);
        notices = append ? [...notices, ...p.notices] : p.notices;
        nextCursor = p.nextCursor;
      }
      $('#notices-error').textContent = '';
      paint();
    } catch (err) {
      $('#notices-error').textContent = problemText(err);
    }
  }

  function paint() {
    $('#notice-list').innerHTML = notices.length
      ? `<table class="grid stack notices">
          <thead><tr><th>${esc(t('status'))}</th><th>${esc(c('seizedParcel'))}</th><th>${esc(c('rightHolder'))}</th><th>${esc(c('deadline'))}</th><th>${esc(act ? c('nextStep') : c('answer'))}</th></tr></thead>
          <tbody>${notices.map(row).join('')}</tbody></table>`
      : `<p class="empty">${esc(tab === 'todo' ? c('nothingToDo') : c('noNotices'))}</p>`;
    $('#notices-more').hidden = !nextCursor;
  }

  function deadline(n: Notice) {
    if (!n.deadlineAt) return n.status === 'pending' ? `<span class="muted">${esc(c('deadlineAfterNotice'))}</span>` : '—';
    const late = Date.now() - Date.parse(n.deadlineAt);
    if (n.status === 'overdue' || (n.status === 'notified' && late > 0))
      return `<span class="overdue">${esc(fmtTime(n.deadlineAt))}<br><b>${esc(t('overdueBy', { d: fmtDuration(Math.max(late, 0)) }))}</b></span>`;
    return esc(fmtTime(n.deadlineAt));
  }

  function row(n: Notice) {
    return `<tr data-notice="${esc(n.id)}" data-status="${esc(n.status)}" class="${n.status === 'overdue' ? 'late' : ''}">
      <td data-label="${esc(t('status'))}"><span class="nstatus ${esc(n.status)}">${esc(noticeStatusName(n.status))}</span></td>
      <td data-label="${esc(c('seizedParcel'))}"><span class="mono">${esc(n.waybillNo)}</span><div><b>${esc(n.brandName)}</b>${n.recordationNo ? ` <span class="muted">${esc(c('recordationNo'))} ${esc(n.recordationNo)}</span>` : ''}</div><div class="muted">${esc(c('seizedAt'))} ${esc(fmtTime(n.createdAt))}</div></td>
      <td data-label="${esc(c('rightHolder'))}">${esc(n.rightHolder ?? '') || `<span class="muted">${esc(c('unknown'))}</span>`}${n.contact ? `<div class="muted">${esc(n.contact)}</div>` : ''}
        ${n.notifiedAt ? `<div class="muted">${esc(c('notifiedVia', { method: methodName(n.method ?? ''), by: n.notifiedBy ?? '', at: fmtTime(n.notifiedAt) }))}${n.note ? ` — ${esc(n.note)}` : ''}</div>` : ''}</td>
      <td data-label="${esc(c('deadline'))}">${deadline(n)}</td>
      <td data-label="${esc(act ? c('nextStep') : c('answer'))}" class="step">${step(n)}</td>
    </tr>`;
  }

  function step(n: Notice) {
    if (n.status === 'answered' || n.answer)
      return `<span class="answer ${esc(n.answer ?? '')}">${esc(answerName(n.answer ?? ''))}</span>${n.answerNote ? ` <span>${esc(n.answerNote)}</span>` : ''}${n.answeredAt ? `<div class="muted">${esc(fmtTime(n.answeredAt))}</div>` : ''}`;
    if (!act) return `<span class="muted">${esc(n.status === 'pending' ? c('waitingNotify') : c('waitingAnswer'))}</span>`;
    if (n.status === 'pending')
      return `<form class="step-form notify-form" data-id="${esc(n.id)}" novalidate>
        <label>${esc(c('method'))}<select name="noticeMethod" data-field="method">${NOTICE_METHODS.map((m) => `<option value="${m}">${esc(methodName(m))}</option>`).join('')}</select></label>
        <label>${esc(t('note'))}<input name="note" maxlength="1000" placeholder="${esc(c('notifyNoteHint'))}"></label>
        <label>${esc(c('deadlineOptional'))}<input name="deadlineAt" type="datetime-local"></label>
        <span class="error" role="alert"></span>
        <button type="submit" class="primary">${esc(c('recordNotified'))}</button>
      </form>`;
    return `<form class="step-form answer-form" data-id="${esc(n.id)}" novalidate>
        <fieldset class="choice-col" name="answer"><legend>${esc(c('holderAnswer'))}</legend>
          ${NOTICE_ANSWERS.map((a, i) => `<label><input type="radio" name="answer" value="${a}"${i === 0 ? ' checked' : ''}> ${esc(answerName(a))}</label>`).join('')}
        </fieldset>
        <label>${esc(t('noteRequired'))}<input name="note" maxlength="1000" required></label>
        <span class="error" role="alert"></span>
        <button type="submit" class="primary">${esc(c('recordAnswer'))}</button>
      </form>`;
  }

  $('#notice-list').addEventListener('submit', async (e) => {
    const form = (e.target as HTMLElement).closest<HTMLFormElement>('form.step-form');
    if (!form) return;
    e.preventDefault();
    const f = new FormData(form);
    const id = form.dataset.id!;
    const notify = form.classList.contains('notify-form');
    const note = String(f.get('note') ?? '').trim();
    const local = String(f.get('deadlineAt') ?? '');
    const body = notify
      ? { method: String(f.get('noticeMethod')), ...(note ? { note } : {}), ...(local ? { deadlineAt: chinaLocalToIso(local) } : {}) }
      : { answer: String(f.get('answer')), note };
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    button.disabled = true;
    try {
      const saved = await api<Notice>('POST', `/api/customs/notices/${encodeURIComponent(id)}/${notify ? 'notify' : 'answer'}`, body);
      notices = notices.map((n) => (n.id === saved.id ? saved : n));
      paint();
      main.querySelector(`tr[data-notice="${CSS.escape(saved.id)}"]`)?.classList.add('fresh');
    } catch (err) {
      button.disabled = false;
      showFieldErrors(form, err, form.querySelector('.error')!);
    }
  });
  $('#notices-more').addEventListener('click', () => void load(true));
  void load();
}
