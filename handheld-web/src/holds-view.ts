// The "my holds" screen as HTML: each row says first, in large type, what the courier must do with the parcel
// now; the why (reasons), the decider's note and the times come below it. Supervisors get Release/Refuse on
// the rows they may decide, with a note always and a disposition for a refusal.
import { say, t, tf, when, type Key } from './i18n.js';
import { isDecided, ordered, unseenDecisions, type Disposition, type Hold, type HoldsSnapshot } from './holds.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const DISPOSITIONS: [Disposition, Key][] = [
  ['returned_to_sender', 'doReturn'],
  ['handed_to_customs', 'doCustoms'],
  ['handed_to_police', 'doPolice'],
];

/** The next step in plain words: keep it, hand it on, or where it goes now. */
export function nextStep(h: Hold): string {
  if (h.status === 'pending') return t('doKeep');
  if (h.status === 'released') return t('doRelease');
  const d = DISPOSITIONS.find(([v]) => v === h.decision?.disposition);
  return d ? t(d[1]) : t('refusedLabel');
}

/** A supervisor's open decision form: which row, which action, what is typed so far, what was wrong. */
export type Deciding = { parcelId: string; action: 'release' | 'refuse'; note: string; disposition?: Disposition; error?: string; busy?: boolean };
export type HoldsView = { snapshot: HoldsSnapshot; online: boolean; failed: boolean; deciding: Deciding | null; message?: string };

function decideForm(h: Hold, d: Deciding, online: boolean): string {
  const refuse = d.action === 'refuse';
  return `<form class="decide" id="decide-form" data-parcel="${esc(h.parcelId)}" novalidate>
    <label class="field${d.error === t('noteRequired') ? ' invalid' : ''}"><span class="label">${esc(t('noteLabel'))}</span><textarea name="note" rows="2" autofocus>${esc(d.note)}</textarea></label>
    ${refuse ? `<fieldset><legend>${esc(t('dispositionLabel'))}</legend><div class="choices" role="radiogroup">${DISPOSITIONS.map(([v, k]) => `<label class="choice"><input type="radio" name="disposition" value="${v}"${d.disposition === v ? ' checked' : ''}><span>${esc(t(k))}</span></label>`).join('')}</div></fieldset>` : ''}
    ${d.error ? `<p class="banner error" role="alert" id="decide-error">${esc(d.error)}</p>` : ''}
    <div class="nav"><button type="button" class="secondary" data-act="decide-cancel">${esc(t('cancel'))}</button><button type="submit" class="primary ${refuse ? 'danger' : 'go'}"${d.busy || !online ? ' disabled' : ''}>${esc(t(refuse ? 'confirmRefuse' : 'confirmRelease'))}</button></div>
    ${online ? '' : `<p class="hint">${esc(t('decideOffline'))}</p>`}
  </form>`;
}

function holdRow(h: Hold, v: HoldsView, unseen: Set<string>): string {
  const state = h.status === 'pending' ? (h.overdue ? 'overdue' : 'pending') : h.status === 'released' ? 'released' : `refused ${h.decision?.disposition ?? ''}`;
  const timing =
    h.status === 'pending'
      ? h.overdue
        ? tf('overdueSince', { time: when(h.overdueAt ?? h.dueAt) })
        : tf('dueBy', { time: when(h.dueAt) })
      : h.decision
        ? tf('decidedBy', { by: h.decision.by, time: when(h.decision.at) })
        : '';
  const isNew = unseen.has(h.parcelId);
  const d = v.deciding?.parcelId === h.parcelId ? v.deciding : null;
  return `<li class="hold h-${state}" data-waybill="${esc(h.waybillNo)}" data-status="${h.status}"${h.decision?.disposition ? ` data-disposition="${h.decision.disposition}"` : ''}${isNew ? ' data-new="true"' : ''}>
    <div class="h-top"><strong class="h-wb">${esc(h.waybillNo)}</strong>${isNew ? `<span class="tag-new">${esc(t('holdsNew'))}</span>` : ''}</div>
    <p class="h-next">${esc(nextStep(h))}</p>
    <p class="h-when">${esc(timing)}</p>
    ${h.decision?.note ? `<p class="h-note">${esc(tf('decisionNote', { note: h.decision.note }))}</p>` : ''}
    <ul class="h-reasons">${h.reasons.map((r) => `<li>${esc(say(r))}</li>`).join('')}</ul>
    <small class="h-held">${esc(tf('heldAtLabel', { time: when(h.heldAt) }))}</small>
    ${
      h.mayDecide && !isDecided(h)
        ? d
          ? decideForm(h, d, v.online)
          : `<div class="nav decide-acts"><button type="button" class="secondary go" data-act="decide" data-action="release" data-parcel="${esc(h.parcelId)}">${esc(t('releaseAct'))}</button><button type="button" class="secondary danger" data-act="decide" data-action="refuse" data-parcel="${esc(h.parcelId)}">${esc(t('refuseAct'))}</button></div>`
        : ''
    }
  </li>`;
}

export function holdsScreen(v: HoldsView, closable: boolean): string {
  const s = v.snapshot;
  const at = s.fetchedAt ? when(s.fetchedAt) : '';
  const status = !v.online
    ? `<p class="banner offline" id="holds-status" data-state="offline" role="status">${esc(s.fetchedAt ? tf('holdsOfflineAt', { time: at }) : t('holdsNeverLoaded'))}</p>`
    : v.failed
      ? `<p class="banner offline" id="holds-status" data-state="stale" role="status">${esc(tf('holdsLoadFailed', { time: at || '—' }))}</p>`
      : `<p class="updated" id="holds-status" data-state="live">${esc(at ? tf('holdsUpdatedAt', { time: at }) : '…')}</p>`;
  const unseen = new Set(unseenDecisions(s).map((h) => h.parcelId));
  const list = s.holds.length
    ? `<ul class="holds" id="holds-list">${ordered(s.holds).map((h) => holdRow(h, v, unseen)).join('')}</ul>`
    : `<p class="empty" id="holds-list-empty">${esc(t('holdsEmpty'))}</p>`;
  return `<h1>${esc(t('myHolds'))}</h1>${status}${v.message ? `<p class="banner info" role="status">${esc(v.message)}</p>` : ''}${list}${
    closable ? `<div class="nav"><button type="button" class="primary" data-act="close-holds">${esc(t('close'))}</button></div>` : ''
  }`;
}

/** The main screen's way in, with the two counts that matter: held here now, and decisions not yet seen. */
export function holdsBadge(pending: number, unseen: number): string {
  return `<button type="button" class="holds-link${unseen ? ' has-new' : ''}" data-act="holds" id="holds-button">
    <span class="hl-title">${esc(t('myHolds'))}</span>
    <span class="hl-counts"><b class="count${pending ? ' pending' : ''}" id="holds-pending">${pending}</b> ${esc(t('holdsPending'))}${
      unseen ? ` · <b class="count new" id="holds-unseen">${unseen}</b> ${esc(t('holdsNew'))}` : ''
    }</span></button>`;
}

/** A decision that just arrived: what to do with which parcel, until dismissed. */
export function decisionNotice(h: Hold): string {
  return `<div class="notice n-${h.status}" id="decision-notice" role="alert" data-waybill="${esc(h.waybillNo)}">
    <div><small>${esc(t('liveDecision'))}</small><strong>${esc(h.waybillNo)}</strong><p>${esc(nextStep(h))}</p></div>
    <div class="notice-acts"><button type="button" class="secondary" data-act="holds">${esc(t('show'))}</button><button type="button" class="ghost-dark" data-act="dismiss-notice">${esc(t('dismiss'))}</button></div>
  </div>`;
}
