// Work done outside requests (admin only): what is queued, running and failed — with the last error — and
// the schedules with their next run, so an administrator sees at once whether Friday's report will be stored.
import { esc, get, qs } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { Job, JobSchedule } from '../types.js';
import { problemText } from './common.js';

const STATES = ['queued', 'running', 'failed', 'done'] as const;

export function renderJobs({ main }: PageContext, params: URLSearchParams) {
  const state = STATES.includes(params.get('state') as never) ? params.get('state')! : 'failed';
  main.innerHTML = `
    <h1>${esc(t('jobsTitle'))}</h1>
    <section class="card"><h2>${esc(t('schedules'))}</h2><div id="schedules"><p class="muted">${esc(t('loading'))}</p></div></section>
    <nav class="tabs">${STATES.map((s) => `<a href="#/jobs?state=${s}" class="${s === state ? 'active' : ''}">${esc(t(s))}</a>`).join('')}</nav>
    <div id="jobs"><p class="muted">${esc(t('loading'))}</p></div>`;
  const jobsEl = main.querySelector<HTMLElement>('#jobs')!;
  const schedEl = main.querySelector<HTMLElement>('#schedules')!;
  const time = (x?: string | null) => (x ? esc(fmtTime(x)) : '—');

  get<{ jobs: Job[] }>(`/api/jobs${qs({ state, limit: 100 })}`)
    .then(({ jobs }) => {
      jobsEl.innerHTML = jobs.length
        ? `<div class="scroll"><table class="grid jobs"><thead><tr><th>${esc(t('kind'))}</th><th>key</th><th>${esc(t('runAt'))}</th><th class="num">${esc(t('attempts'))}</th><th>${esc(t('status'))}</th><th>${esc(t('lastError'))}</th></tr></thead><tbody>${jobs
            .map((j) => `<tr><td class="mono">${esc(j.kind)}</td><td class="mono">${esc(j.key ?? '')}</td><td class="nowrap">${time(j.runAt)}</td><td class="num">${j.attempts}</td><td><span class="job ${esc(j.state)}">${esc(t(j.state))}</span>${j.finishedAt ? ` · ${time(j.finishedAt)}` : j.startedAt ? ` · ${time(j.startedAt)}` : ''}</td><td class="error-text">${esc(j.lastError ?? '')}</td></tr>`)
            .join('')}</tbody></table></div>`
        : `<p class="empty">${esc(t('noJobs'))}</p>`;
    })
    .catch((err) => (jobsEl.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));

  get<{ schedules: JobSchedule[] } | JobSchedule[]>('/api/jobs/schedules')
    .then((res) => {
      const list = Array.isArray(res) ? res : res.schedules;
      schedEl.innerHTML = list.length
        ? `<table class="grid"><thead><tr><th>${esc(t('kind'))}</th><th></th><th>${esc(t('nextRun'))}</th><th>${esc(t('updated'))}</th></tr></thead><tbody>${list
            .map((s) => `<tr><td class="mono" translate="no">${esc(s.name ?? s.kind)}${s.name && s.name !== s.kind ? ` <span class="muted">${esc(s.kind)}</span>` : ''}</td><td class="mono" translate="no">${esc(s.rule ?? s.cron ?? s.every ?? '')}</td><td class="nowrap">${time((s.nextRunAt ?? s.nextRun) as string | null)}</td><td class="nowrap">${time(s.lastRunAt as string | null)}</td></tr>`)
            .join('')}</tbody></table>`
        : `<p class="muted">—</p>`;
    })
    .catch((err) => (schedEl.innerHTML = `<p class="error" role="alert">${esc(problemText(err))}</p>`));
}
