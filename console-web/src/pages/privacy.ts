// Personal data through its life, for administrators (auditors read): the retention schedule per data class with
// its default and why; the purges that ran, with counts per class; "purge now", followed until the job is done;
// and a person's own data (PIPL Art. 45) exported as the file the server writes.
import { api, ApiProblem, esc, get } from '../api.js';
import { currentLang, fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import { clearFieldErrors } from './common.js';
import { auditTabs, ID_TYPE_NAMES, idTypeName, p, problemSay, showProblem } from '../strings-privacy.js';

type RetentionClass = { key: string; env: string; days: number; cutoff: string; what: string; whatZh: string; from: string; then: string; why: string; fromZh?: string; thenZh?: string; whyZh?: string };
type Schedule = { classes: RetentionClass[]; chunkRows: number; schedule: { rule: string; nextRunAt: string | null } };
type Counts = { removed: number; anonymised: number; waiting: number };
type PurgeRun = {
  jobId: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  trigger: 'schedule' | 'on_demand';
  requestedBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  lastError: string | null;
  report: { asOf: string; classes: Record<string, Counts>; related: Record<string, number>; durationMs: number } | null;
};

const POLL_MS = 1000;

export function renderPrivacy(ctx: PageContext) {
  const { main, user } = ctx;
  const admin = user.role === 'admin';
  const zh = currentLang() === 'zh';
  let classes: RetentionClass[] = [];
  let runs: PurgeRun[] = [];
  /** The run this page started (or found running): its per-class counts are shown open. */
  let following: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = false;

  main.innerHTML = `
    ${auditTabs('#/privacy')}
    <h1>${esc(p('retentionTitle'))}</h1>
    <p class="muted">${esc(p('retentionHint'))}</p>
    <p class="error" role="alert" id="privacy-error"></p>
    <section class="card"><p id="retention-schedule" class="lead"></p><div id="retention"><p class="muted">${esc(t('loading'))}</p></div></section>
    <section class="card" id="purges-card">
      <div class="row-between"><h2>${esc(p('runsTitle'))}</h2>
        ${admin ? `<button type="button" class="danger" id="purge-now">${esc(p('purgeNow'))}</button>` : `<span class="muted">${esc(p('readOnlyPurge'))}</span>`}</div>
      <p id="purge-state" class="purge-state" aria-live="polite" hidden></p>
      <div id="purge-runs"></div>
    </section>
    ${admin ? exportForm() : ''}`;
  const $ = <T extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<T>(sel)!;

  const className = (key: string) => {
    const c = classes.find((x) => x.key === key);
    return c ? (zh ? c.whatZh : c.what) : key;
  };

  async function loadSchedule() {
    try {
      const s = await get<Schedule>('/api/privacy/retention');
      classes = s.classes;
      const rule = /^every (\d+)s$/.exec(s.schedule.rule);
      const ruleText = rule ? (Number(rule[1]) === 86_400 ? p('everyDay') : p('everySeconds', { n: rule[1]! })) : s.schedule.rule;
      $('#retention-schedule').textContent = p('schedule', { rule: ruleText, next: s.schedule.nextRunAt ? fmtTime(s.schedule.nextRunAt) : p('notScheduled') });
      $('#retention').innerHTML = `<table class="grid stack retention" id="retention-table">
        <thead><tr><th>${esc(p('dataClass'))}</th><th>${esc(p('keep'))}</th><th>${esc(p('countedFrom'))}</th><th>${esc(p('then'))}</th><th>${esc(p('whyKept'))}</th><th>${esc(p('cutoff'))}</th></tr></thead>
        <tbody>${classes
          .map(
            (c) => `<tr data-class="${esc(c.key)}">
              <td data-label="${esc(p('dataClass'))}"><b>${esc(zh ? c.whatZh : c.what)}</b><div class="muted mono small-id" translate="no">${esc(c.env)}</div></td>
              <td data-label="${esc(p('keep'))}" class="nowrap"><b>${esc(p('days', { n: c.days }))}</b>${c.days >= 365 ? `<div class="muted">${esc(p('years', { n: Math.round((c.days / 365) * 10) / 10 }))}</div>` : ''}</td>
              <td data-label="${esc(p('countedFrom'))}">${esc(zh ? (c.fromZh ?? c.from) : c.from)}</td>
              <td data-label="${esc(p('then'))}">${esc(zh ? (c.thenZh ?? c.then) : c.then)}</td>
              <td data-label="${esc(p('whyKept'))}" class="why-text">${esc(zh ? (c.whyZh ?? c.why) : c.why)}</td>
              <td data-label="${esc(p('cutoff'))}" class="nowrap">${esc(fmtDay(c.cutoff))}</td>
            </tr>`,
          )
          .join('')}</tbody></table>`;
      paintRuns();
    } catch (err) {
      $('#privacy-error').textContent = problemSay(err);
      $('#retention').innerHTML = '';
    }
  }

  async function loadRuns() {
    try {
      runs = (await get<{ purges: PurgeRun[] }>('/api/privacy/purges')).purges;
      paintRuns();
    } catch (err) {
      $('#privacy-error').textContent = problemSay(err);
    }
  }

  /** The classes of a run in the schedule's order (the table above), whatever order the report lists them in. */
  const inScheduleOrder = (counts: Record<string, Counts>) => {
    const at = (k: string) => (classes.findIndex((c) => c.key === k) + 1 || classes.length + 1);
    return Object.entries(counts).sort(([a], [b]) => at(a) - at(b));
  };
  const fmtDay = (iso: string) =>
    new Date(iso).toLocaleDateString(zh ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

  const sum = (r: PurgeRun, k: keyof Counts) => Object.values(r.report?.classes ?? {}).reduce((s, c) => s + (c[k] ?? 0), 0);

  function paintRuns() {
    $('#purge-runs').innerHTML = runs.length
      ? `<table class="grid stack purge-runs" id="purge-table">
          <thead><tr><th>${esc(p('started'))}</th><th>${esc(p('trigger'))}</th><th>${esc(p('state'))}</th><th class="num">${esc(p('removed'))}</th><th class="num">${esc(p('anonymised'))}</th><th class="num">${esc(p('waiting'))}</th><th>${esc(p('perClass'))}</th></tr></thead>
          <tbody>${runs.map(runRow).join('')}</tbody></table>`
      : `<p class="empty">${esc(p('noRuns'))}</p>`;
  }

  function runRow(r: PurgeRun) {
    const rep = r.report;
    const n = (k: keyof Counts) => (rep ? String(sum(r, k)) : '—');
    const perClass = rep
      ? `<details class="per-class"${r.jobId === following ? ' open' : ''}><summary>${esc(p('perClass'))}${rep ? ` · ${esc(Math.round(rep.durationMs))} ms` : ''}</summary>
          <ul class="plain class-counts">${inScheduleOrder(rep.classes)
            .map(([k, c]) => `<li data-class="${esc(k)}" class="${c.removed || c.anonymised || c.waiting ? 'changed' : ''}"><span>${esc(className(k))}</span><span class="nowrap">${esc(p('countsLine', c))}</span></li>`)
            .join('')}</ul>
          <p class="muted">${esc(p('related', { ringMembers: 0, ringKeys: 0, archiveRecords: 0, caseLinks: 0, loginRecords: 0, ...rep.related }))}</p></details>`
      : r.lastError
        ? `<span class="error-text">${esc(r.lastError)}</span>`
        : '—';
    return `<tr data-job="${esc(r.jobId)}" class="${r.jobId === following ? 'followed' : ''}">
      <td data-label="${esc(p('started'))}" class="nowrap">${esc(fmtTime(r.createdAt))}</td>
      <td data-label="${esc(p('trigger'))}">${esc(r.trigger === 'on_demand' ? p('onDemand', { by: r.requestedBy ?? '' }) : p('scheduled'))}</td>
      <td data-label="${esc(p('state'))}"><span class="job ${esc(r.state)}">${esc(p(`st_${r.state}`))}</span></td>
      <td data-label="${esc(p('removed'))}" class="num" data-count="removed">${n('removed')}</td>
      <td data-label="${esc(p('anonymised'))}" class="num" data-count="anonymised">${n('anonymised')}</td>
      <td data-label="${esc(p('waiting'))}" class="num" data-count="waiting">${n('waiting')}</td>
      <td data-label="${esc(p('perClass'))}">${perClass}</td>
    </tr>`;
  }

  /** Follows one purge job until it is done or failed, then shows its counts. */
  async function follow(jobId: string) {
    following = jobId;
    clearTimeout(timer);
    try {
      const run = await get<PurgeRun>(`/api/privacy/purges/${encodeURIComponent(jobId)}`);
      if (left) return;
      const state = $('#purge-state');
      state.hidden = false;
      state.className = `purge-state ${run.state}`;
      state.dataset.state = run.state;
      if (run.state === 'done' && run.report) {
        state.textContent = `✔ ${p('purgeDone', { removed: sum(run, 'removed'), anonymised: sum(run, 'anonymised'), waiting: sum(run, 'waiting') })}`;
      } else if (run.state === 'failed') {
        state.textContent = `✖ ${p('purgeFailed', { error: run.lastError ?? '' })}`;
      } else {
        state.textContent = run.state === 'running' ? p('purgeRunning') : p('purgeQueued');
        timer = setTimeout(() => void follow(jobId), POLL_MS);
      }
      const i = runs.findIndex((r) => r.jobId === jobId);
      if (i >= 0) runs[i] = run;
      else runs.unshift(run);
      paintRuns();
      const button = main.querySelector<HTMLButtonElement>('#purge-now');
      if (button) button.disabled = run.state === 'queued' || run.state === 'running';
    } catch (err) {
      if (left) return;
      $('#purge-state').hidden = false;
      $('#purge-state').textContent = problemSay(err);
      // A lost answer is no verdict on the job: ask again a little later.
      timer = setTimeout(() => void follow(jobId), POLL_MS * 3);
    }
  }

  main.querySelector('#purge-now')?.addEventListener('click', async () => {
    if (!confirm(p('purgeConfirm'))) return;
    const button = $<HTMLButtonElement>('#purge-now');
    button.disabled = true;
    try {
      const res = await api<{ jobId: string; state: string; alreadyQueued: boolean }>('POST', '/api/privacy/purge');
      $('#purge-state').hidden = false;
      $('#purge-state').textContent = res.alreadyQueued ? p('purgeAlready') : p('purgeQueued');
      await follow(res.jobId);
    } catch (err) {
      button.disabled = false;
      $('#purge-state').hidden = false;
      $('#purge-state').textContent = problemSay(err);
    }
  });

  if (admin) bindExport();

  function bindExport() {
    const form = $<HTMLFormElement>('#subject-export');
    const errEl = $('#export-error');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      errEl.textContent = '';
      $('#export-done').textContent = '';
      const f = new FormData(form);
      const body = {
        idType: String(f.get('idType') ?? ''),
        idNumber: String(f.get('idNumber') ?? ''),
        reason: String(f.get('reason') ?? ''),
        format: f.get('format') === 'xlsx' ? 'xlsx' : 'json',
        includeInvestigations: !!f.get('includeInvestigations'),
        ...(String(f.get('phone') ?? '').trim() ? { phone: String(f.get('phone')).trim() } : {}),
      };
      const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      button.disabled = true;
      $('#export-busy').hidden = false;
      try {
        // The server answers the POST with the file itself: fetched here and handed to the browser as a download.
        const res = await fetch('/api/privacy/subject-export', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
          body: JSON.stringify(body),
        });
        if (!res.ok) throw new ApiProblem({ ...(await res.json().catch(() => ({ title: res.statusText }))), status: res.status });
        const blob = await res.blob();
        const file = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? `subject-export.${body.format}`;
        let found = true;
        if (body.format === 'json') found = !!(JSON.parse(await blob.text()) as { archive: unknown }).archive;
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = file;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        $('#export-done').textContent = `✔ ${p('exported', { file })}${found ? '' : ` ${p('exportNotFound')}`}`;
        form.querySelector<HTMLInputElement>('[name="idNumber"]')!.value = '';
      } catch (err) {
        showProblem(form, err, errEl);
      } finally {
        button.disabled = false;
        $('#export-busy').hidden = true;
      }
    });
  }

  void loadSchedule();
  void loadRuns().then(() => {
    // A purge already under way when the page opens is followed like one started here.
    const pending = runs.find((r) => r.state === 'queued' || r.state === 'running');
    if (pending && !left) void follow(pending.jobId);
  });
  return () => {
    left = true;
    clearTimeout(timer);
  };
}

function exportForm() {
  return `<section class="card" id="export-card">
    <h2>${esc(p('exportTitle'))}</h2>
    <p class="muted">${esc(p('exportHint'))}</p>
    <form id="subject-export" class="work" novalidate>
      <div class="form-grid">
        <label>${esc(p('idType'))}<select name="idType">${Object.keys(ID_TYPE_NAMES).map((k) => `<option value="${k}">${esc(idTypeName(k))}</option>`).join('')}</select></label>
        <label>${esc(p('idNumber'))} <input name="idNumber" autocomplete="off" spellcheck="false" maxlength="40"></label>
        <label>${esc(p('exportPhone'))} <input name="phone" type="tel" autocomplete="off" maxlength="40"></label>
      </div>
      <p class="muted small-hint">${esc(p('exportPhoneHint'))}</p>
      <label><span>${esc(p('exportReason'))} <span class="req" aria-hidden="true">*</span></span><textarea name="reason" rows="2" maxlength="500" aria-required="true" placeholder="${esc(p('exportReasonHint'))}"></textarea></label>
      <label class="check big"><input type="checkbox" name="includeInvestigations"> ${esc(p('includeInvestigations'))}</label>
      <p class="muted small-hint">${esc(p('includeInvestigationsHint'))}</p>
      <fieldset class="choice-row big"><legend>${esc(p('format'))}</legend>
        <label><input type="radio" name="format" value="json" checked> JSON</label>
        <label><input type="radio" name="format" value="xlsx"> Excel (XLSX)</label>
      </fieldset>
      <p class="error" role="alert" id="export-error"></p>
      <div class="actions"><button type="submit" class="primary">${esc(p('exportButton'))}</button><span class="muted" id="export-busy" hidden>${esc(p('exporting'))}</span></div>
      <p class="ok" id="export-done" aria-live="polite"></p>
    </form>
  </section>`;
}
