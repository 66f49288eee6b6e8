// 协议客户: the organisations of the jurisdiction — those flagged for review first, with why (the seized parcel,
// the confirmed alert) — a filter, the registration form (refusals at their fields, in the officer's language),
// the review dialog with its reason; and one organisation with its flags, review history and parcels.
// Couriers' supervisors see approved organisations only (the server decides) and may register; regulators review.
import { api, esc, get, qs } from '../api.js';
import { countryName, fmtTime } from '../i18n.js';
import type { PageContext } from '../main.js';
import { ID_TYPE_NAMES, idTypeName } from '../strings-privacy.js';
import { decisionName, o, orgFieldSay, orgProblemSay, statusChip } from '../strings-orgs.js';
import type { User } from '../types.js';
import { clearFieldErrors, showFieldErrors } from './common.js';

type Status = 'pending' | 'approved' | 'suspended' | 'revoked';
type Flag = { id: string; kind: 'seizure' | 'alert_confirmed'; waybillNo: string | null; alertId: string | null; at: string; cleared: boolean };
type Org = {
  id: string;
  uscc: string;
  name: string;
  status: Status;
  regionCode?: string;
  regionName?: string;
  legalRepresentative?: { idType: string; idNumber: string; name: string };
  phone?: string;
  address?: string;
  registeredAtOutletId?: string | null;
  registeredBy?: string | null;
  createdAt?: string;
  reviewFlaggedAt?: string | null;
  openFlags?: Flag[];
};
type Detail = Org & {
  history: { id: string; decision: string; fromStatus: Status | null; toStatus: Status; reason: string; by: string; at: string }[];
  flags: Flag[];
  parcels: {
    last30Days: { accepted: number; held: number; rejected: number };
    latest: { waybillNo: string; createdAt: string; verdict: string; status: string; outletId: string; recipientCountry: string; description: string; valueCny: number }[];
  };
  unmasked: boolean;
};

const STATUSES: Status[] = ['pending', 'approved', 'suspended', 'revoked'];
const mayReview = (u: User) => u.role === 'postal_regulator' || u.role === 'admin';
const mayRegister = (u: User) => u.role !== 'customs_officer' && u.role !== 'auditor';
const mayUnmask = (u: User) => ['postal_regulator', 'customs_officer', 'admin'].includes(u.role);
/** What each status may be moved to (server/organisations/store.ts nextStatus). */
const DECISIONS: Record<Status, ('approve' | 'suspend' | 'revoke')[]> = {
  pending: ['approve', 'suspend', 'revoke'],
  approved: ['suspend', 'revoke'],
  suspended: ['approve', 'revoke'],
  revoked: [],
};

/** Why an organisation waits for review: each open flag in words, linking to the alert where there is one. */
function flagLines(flags: Flag[]): string {
  return flags
    .map(
      (f) =>
        `<li class="org-flag" data-kind="${esc(f.kind)}">${
          f.kind === 'seizure'
            ? esc(o('flagSeizure', { waybill: f.waybillNo ?? '—' }))
            : `${esc(o('flagAlert'))}${f.waybillNo ? ` · <span class="mono">${esc(f.waybillNo)}</span>` : ''}${f.alertId ? ` · <a href="#/alerts/${esc(f.alertId)}">${esc(o('flagAlertLink'))}</a>` : ''}`
        } <span class="muted">${esc(fmtTime(f.at))}</span></li>`,
    )
    .join('');
}

/** The review dialog: the decisions the status allows, a reason, refusals at their fields; resolves when done. */
function openReview(host: HTMLElement, org: Org, done: () => void) {
  const decisions = DECISIONS[org.status];
  host.querySelector('#org-review')?.remove();
  host.insertAdjacentHTML(
    'beforeend',
    `<dialog id="org-review" class="confirm-panel" aria-labelledby="org-review-title">
      <form method="dialog" id="org-review-form" novalidate>
        <h3 id="org-review-title">${esc(o('reviewTitle', { name: org.name }))}</h3>
        <p>${statusChip(org.status)} <span class="mono">${esc(org.uscc)}</span></p>
        ${
          decisions.length
            ? `<fieldset class="choice-row big" name="decision"><legend>${esc(o('decision'))}</legend>
                ${decisions.map((d, i) => `<label><input type="radio" name="decision" value="${d}"${i === 0 ? ' checked' : ''}> ${esc(o(d))}</label>`).join('')}
              </fieldset>
              <p class="muted" id="org-revoke-warn" hidden>${esc(o('revokeWarn'))}</p>
              <label><span>${esc(o('reason'))} <span class="req" aria-hidden="true">*</span></span>
                <textarea name="reason" rows="3" maxlength="2000" aria-required="true" placeholder="${esc(o('reasonHint'))}"></textarea></label>`
            : `<p>${esc(o('noDecision'))}</p>`
        }
        <p class="error" role="alert" id="org-review-error"></p>
        <div class="actions">
          ${decisions.length ? `<button type="submit" class="primary" id="org-review-confirm">${esc(o('confirm'))}</button>` : ''}
          <button type="button" class="secondary" id="org-review-cancel">${esc(o('cancel'))}</button>
        </div>
      </form>
    </dialog>`,
  );
  const dialog = host.querySelector<HTMLDialogElement>('#org-review')!;
  const form = dialog.querySelector<HTMLFormElement>('form')!;
  const errEl = dialog.querySelector<HTMLElement>('#org-review-error')!;
  dialog.querySelector('#org-review-cancel')!.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('change', () => {
    const warn = dialog.querySelector<HTMLElement>('#org-revoke-warn');
    if (warn) warn.hidden = new FormData(form).get('decision') !== 'revoke';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    errEl.textContent = '';
    const f = new FormData(form);
    const button = form.querySelector<HTMLButtonElement>('#org-review-confirm')!;
    button.disabled = true;
    try {
      await api('POST', `/api/organisations/${encodeURIComponent(org.id)}/review`, { decision: f.get('decision'), reason: String(f.get('reason') ?? '') });
      dialog.close();
      done();
    } catch (err) {
      showFieldErrors(form, err, errEl, orgFieldSay);
      if (!errEl.textContent && !form.querySelector('.field-error')) errEl.textContent = orgProblemSay(err);
    } finally {
      button.disabled = false;
    }
  });
  dialog.showModal();
  dialog.querySelector<HTMLTextAreaElement>('textarea')?.focus();
}

function registerForm() {
  const input = (name: string, label: string, extra = '') =>
    `<label>${esc(label)} <input name="${name}" autocomplete="off" spellcheck="false" ${extra}></label>`;
  return `<form class="card" id="org-register" hidden novalidate>
    <h2>${esc(o('register'))}</h2>
    <p class="muted">${esc(o('registerHint'))}</p>
    <div class="form-grid">
      <label class="wide">${esc(o('name'))} <input name="orgName" data-field="name" maxlength="100" autocomplete="organization"></label>
      ${input('uscc', o('uscc'), `maxlength="40" class="mono" placeholder="${esc(o('usccPlaceholder'))}"`)}
      ${input('legalRepresentative.name', o('legalRepName'), 'maxlength="100"')}
      <label>${esc(o('idType'))}<select name="legalRepresentative.idType">${Object.keys(ID_TYPE_NAMES).map((k) => `<option value="${k}">${esc(idTypeName(k))}</option>`).join('')}</select></label>
      ${input('legalRepresentative.idNumber', o('idNumber'), 'maxlength="40"')}
      <label>${esc(o('phone'))} <input name="phone" type="tel" maxlength="40" autocomplete="off"></label>
      <label class="wide">${esc(o('address'))} <input name="address" maxlength="300" autocomplete="off"></label>
    </div>
    <p class="error" role="alert" id="org-register-error"></p>
    <div class="actions"><button type="submit" class="primary">${esc(o('submit'))}</button>
      <button type="button" class="secondary" id="org-register-cancel">${esc(o('cancel'))}</button></div>
  </form>`;
}

export function renderOrganisations({ main, user, navigate }: PageContext, params: URLSearchParams) {
  const status = STATUSES.includes(params.get('status') as Status) ? (params.get('status') as Status) : '';
  const flaggedOnly = params.get('flagged') === 'true';
  const q = params.get('q') ?? '';
  const full = user.role !== 'courier' && user.role !== 'outlet_supervisor';
  let rows: Org[] = [];
  let nextCursor: string | null = null;
  let left = false;

  main.innerHTML = `
    <div class="row-between"><h1>${esc(o('title'))}</h1>
      ${mayRegister(user) ? `<button type="button" class="primary" id="org-register-toggle">＋ ${esc(o('register'))}</button>` : ''}</div>
    <p class="muted">${esc(o('hint'))}</p>
    ${mayRegister(user) ? registerForm() : ''}
    <p class="ok" id="org-done" aria-live="polite"></p>
    ${full ? `<section class="card" id="org-flagged" hidden></section>` : ''}
    <form class="filters card" id="org-filter">
      <label>${esc(o('status'))}<select name="status"><option value="">${esc(o('statusAll'))}</option>${STATUSES.map((s) => `<option value="${s}"${s === status ? ' selected' : ''}>${esc(o(s))}</option>`).join('')}</select></label>
      ${full ? `<label class="check"><input type="checkbox" name="flagged"${flaggedOnly ? ' checked' : ''}> ${esc(o('flaggedOnly'))}</label>` : ''}
      <label>${esc(o('search'))}<input name="q" type="search" value="${esc(q)}" placeholder="${esc(o('searchPlaceholder'))}"></label>
      <button type="submit" class="secondary">${esc(o('search'))}</button>
    </form>
    <p class="error" id="org-error" role="alert"></p>
    <div class="scroll"><table class="grid organisations">
      <thead><tr><th>${esc(o('name'))}</th><th>${esc(o('uscc'))}</th>${full ? `<th>${esc(o('region'))}</th><th>${esc(o('legalRep'))}</th>` : ''}<th>${esc(o('status'))}</th>${full ? `<th>${esc(o('registeredAt'))}</th>` : ''}${mayReview(user) ? `<th>${esc(o('actions'))}</th>` : ''}</tr></thead>
      <tbody id="org-rows"><tr><td colspan="7" class="muted">${esc(o('loading'))}</td></tr></tbody>
    </table></div>
    <p><button type="button" class="secondary" id="org-more" hidden>${esc(o('more'))}</button></p>`;
  const $ = <E extends HTMLElement = HTMLElement>(sel: string) => main.querySelector<E>(sel)!;

  const row = (g: Org) => `<tr data-id="${esc(g.id)}" data-uscc="${esc(g.uscc)}"${g.reviewFlaggedAt ? ' class="flagged sev-high"' : ''}>
      <td><a href="#/organisations/${esc(g.id)}">${esc(g.name)}</a>${g.reviewFlaggedAt ? ` <span class="badge high org-flag-mark" title="${esc(o('flaggedHint'))}">${esc(o('flagged'))}</span>` : ''}</td>
      <td class="mono">${esc(g.uscc)}</td>
      ${full ? `<td>${esc(g.regionName ?? g.regionCode ?? '')}</td><td>${esc(g.legalRepresentative?.name ?? '')}</td>` : ''}
      <td>${statusChip(g.status)}</td>
      ${full ? `<td>${g.createdAt ? esc(fmtTime(g.createdAt)) : ''}</td>` : ''}
      ${mayReview(user) ? `<td>${g.status !== 'revoked' ? `<button type="button" class="secondary" data-review="${esc(g.id)}">${esc(o('review'))}</button>` : ''}</td>` : ''}
    </tr>`;

  async function loadFlagged() {
    if (!full) return;
    const page = await get<{ organisations: Org[] }>('/api/organisations?flagged=true&limit=200');
    if (left) return;
    const box = $('#org-flagged');
    box.hidden = !page.organisations.length;
    box.innerHTML = `<h2>${esc(o('flaggedTitle', { n: page.organisations.length }))}</h2><p class="muted">${esc(o('flaggedHint'))}</p>
      <ul class="org-flagged-list">${page.organisations
        .map(
          (g) => `<li data-id="${esc(g.id)}" data-uscc="${esc(g.uscc)}"><a href="#/organisations/${esc(g.id)}"><b>${esc(g.name)}</b></a> <span class="mono">${esc(g.uscc)}</span> ${statusChip(g.status)}
            ${mayReview(user) && g.status !== 'revoked' ? `<button type="button" class="secondary" data-review="${esc(g.id)}">${esc(o('review'))}</button>` : ''}
            <ul>${flagLines(g.openFlags ?? [])}</ul></li>`,
        )
        .join('')}</ul>`;
    rememberAll(page.organisations);
  }

  const known = new Map<string, Org>();
  const rememberAll = (list: Org[]) => list.forEach((g) => known.set(g.id, g));

  async function load(append = false) {
    try {
      const page = await get<{ organisations: Org[]; nextCursor: string | null }>(
        `/api/organisations${qs({ status, flagged: flaggedOnly ? 'true' : '', q, limit: 50, cursor: append ? nextCursor : null })}`,
      );
      if (left) return;
      rows = append ? [...rows, ...page.organisations] : page.organisations;
      nextCursor = page.nextCursor;
      rememberAll(page.organisations);
      $('#org-error').textContent = '';
      $('#org-rows').innerHTML = rows.length ? rows.map(row).join('') : `<tr><td colspan="7" class="muted">${esc(o('none'))}</td></tr>`;
      $('#org-more').hidden = !nextCursor;
    } catch (err) {
      if (!left) $('#org-error').textContent = orgProblemSay(err);
    }
  }
  const reload = () => Promise.all([loadFlagged().catch(() => undefined), load()]);

  main.addEventListener('click', (e) => {
    const id = (e.target as HTMLElement).closest<HTMLElement>('[data-review]')?.dataset.review;
    const org = id ? known.get(id) : undefined;
    if (org) openReview(main, org, () => {
      $('#org-done').textContent = `✔ ${org.name}`;
      void reload();
    });
  });
  $('#org-more').addEventListener('click', () => void load(true));
  $<HTMLFormElement>('#org-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    navigate(`#/organisations${qs({ status: String(f.get('status') ?? ''), flagged: f.get('flagged') ? 'true' : '', q: String(f.get('q') ?? '').trim() })}`);
  });

  if (mayRegister(user)) {
    const form = $<HTMLFormElement>('#org-register');
    const errEl = $('#org-register-error');
    $('#org-register-toggle').addEventListener('click', () => {
      form.hidden = !form.hidden;
      if (!form.hidden) form.querySelector<HTMLInputElement>('[name="orgName"]')!.focus();
    });
    $('#org-register-cancel').addEventListener('click', () => (form.hidden = true));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      errEl.textContent = '';
      const f = new FormData(form);
      const v = (k: string) => String(f.get(k) ?? '').trim();
      const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
      button.disabled = true;
      button.textContent = o('submitting');
      try {
        const made = await api<Org>('POST', '/api/organisations', {
          name: v('orgName'),
          uscc: v('uscc'),
          legalRepresentative: { idType: v('legalRepresentative.idType'), idNumber: v('legalRepresentative.idNumber'), name: v('legalRepresentative.name') },
          address: v('address'),
          phone: v('phone'),
        });
        form.reset();
        form.hidden = true;
        $('#org-done').textContent = `✔ ${o('registered', { name: made.name })}`;
        await reload();
      } catch (err) {
        showFieldErrors(form, err, errEl, orgFieldSay);
        if (!form.querySelector('.field-error')) errEl.textContent = orgProblemSay(err);
      } finally {
        button.disabled = false;
        button.textContent = o('submit');
      }
    });
  }

  void reload();
  return () => {
    left = true;
    main.querySelector<HTMLDialogElement>('#org-review')?.close();
  };
}

export function renderOrganisation({ main, user }: PageContext, id: string, params: URLSearchParams) {
  let left = false;
  const unmask = params.get('unmask') === 'true' && mayUnmask(user);
  async function load() {
    try {
      const d = await get<Detail | Org>(`/api/organisations/${encodeURIComponent(id)}${unmask ? '?unmask=true' : ''}`);
      if (left) return;
      paint(d);
    } catch (err) {
      if (!left) main.innerHTML = `<p><a href="#/organisations">← ${esc(o('back'))}</a></p><p class="error" role="alert">${esc(orgProblemSay(err))}</p>`;
    }
  }
  function paint(d: Detail | Org) {
    const full = 'history' in d;
    const fact = (label: string, value: string, cls = '') => `<div><dt>${esc(label)}</dt><dd class="${cls}">${value}</dd></div>`;
    main.innerHTML = `
      <p><a href="#/organisations">← ${esc(o('back'))}</a></p>
      <div class="row-between"><h1 id="org-name">${esc(d.name)} ${statusChip(d.status)}${d.reviewFlaggedAt ? ` <span class="badge high org-flag-mark">${esc(o('flagged'))}</span>` : ''}</h1>
        ${full && mayReview(user) && d.status !== 'revoked' ? `<button type="button" class="primary" id="org-review-open">${esc(o('review'))}</button>` : ''}</div>
      <p class="ok" id="org-done" aria-live="polite"></p>
      <section class="card"><h2>${esc(o('facts'))}</h2><dl class="facts">
        ${fact(o('uscc'), esc(d.uscc), 'mono')}
        ${full ? fact(o('region'), esc(d.regionName ?? d.regionCode ?? '')) : ''}
        ${full && d.legalRepresentative ? fact(o('legalRep'), `${esc(d.legalRepresentative.name)} · ${esc(idTypeName(d.legalRepresentative.idType))} <span class="mono" id="org-legal-id">${esc(d.legalRepresentative.idNumber)}</span>`) : ''}
        ${full ? fact(o('phone'), `<span class="mono" id="org-phone">${esc(d.phone ?? '')}</span>`) : ''}
        ${full ? fact(o('address'), esc(d.address ?? '')) : ''}
        ${full ? fact(o('registeredBy'), `${esc(d.registeredBy ?? '—')}${d.registeredAtOutletId ? ` · ${esc(o('registeredOutlet'))} ${esc(d.registeredAtOutletId)}` : ''}`) : ''}
        ${full && d.createdAt ? fact(o('registeredAt'), esc(fmtTime(d.createdAt))) : ''}
      </dl>
      ${full && mayUnmask(user) ? (d.unmasked ? `<p class="muted">${esc(o('unmasked'))}</p>` : `<p><a href="#/organisations/${esc(d.id)}?unmask=true" id="org-unmask">${esc(o('unmask'))}</a></p>`) : ''}
      </section>
      ${full ? detailSections(d) : ''}`;
    if (full && mayReview(user)) {
      main.querySelector('#org-review-open')?.addEventListener('click', () =>
        openReview(main, d, () => {
          void load().then(() => {
            const done = main.querySelector('#org-done');
            if (done) done.textContent = '✔';
          });
        }),
      );
    }
  }
  void load();
  return () => {
    left = true;
    main.querySelector<HTMLDialogElement>('#org-review')?.close();
  };
}

function detailSections(d: Detail): string {
  const c = d.parcels.last30Days;
  return `
    <section class="card" id="org-flags"><h2>${esc(o('flags'))}</h2>
      ${d.flags.length ? `<ul>${d.flags.map((f) => `${flagLines([f]).replace('</li>', ` <span class="${f.cleared ? 'muted' : 'badge high'}">${esc(f.cleared ? o('flagCleared') : o('flagOpen'))}</span></li>`)}`).join('')}</ul>` : `<p class="muted">${esc(o('noFlags'))}</p>`}
    </section>
    <section class="card" id="org-history"><h2>${esc(o('history'))}</h2>
      <div class="scroll"><table class="grid"><thead><tr><th>${esc(o('when'))}</th><th>${esc(o('decision'))}</th><th>${esc(o('fromTo'))}</th><th>${esc(o('reason'))}</th><th>${esc(o('by'))}</th></tr></thead>
      <tbody>${d.history
        .map(
          (h) => `<tr data-decision="${esc(h.decision)}"><td>${esc(fmtTime(h.at))}</td><td>${esc(decisionName(h.decision))}</td>
            <td>${h.fromStatus ? `${statusChip(h.fromStatus)} → ` : ''}${statusChip(h.toStatus)}</td><td>${esc(h.reason)}</td><td>${esc(h.by)}</td></tr>`,
        )
        .join('')}</tbody></table></div>
    </section>
    <section class="card" id="org-parcels"><h2>${esc(o('parcels'))}</h2>
      <p id="org-counts">${esc(o('last30', c))}</p>
      <h3>${esc(o('latest'))}</h3>
      ${
        d.parcels.latest.length
          ? `<div class="scroll"><table class="grid"><thead><tr><th>${esc(o('waybill'))}</th><th>${esc(o('when'))}</th><th>${esc(o('verdict'))}</th><th>${esc(o('outlet'))}</th><th>${esc(o('destination'))}</th><th>${esc(o('goods'))}</th></tr></thead>
            <tbody>${d.parcels.latest
              .map(
                (p) => `<tr><td class="mono">${esc(p.waybillNo)}</td><td>${esc(fmtTime(p.createdAt))}</td><td><span class="verdict ${esc(p.verdict)}">${esc(o(p.verdict as 'accepted'))}</span></td>
                  <td>${esc(p.outletId)}</td><td>${esc(countryName(p.recipientCountry))}</td><td>${esc(p.description)} · ¥${esc(p.valueCny)}</td></tr>`,
              )
              .join('')}</tbody></table></div>`
          : `<p class="muted">${esc(o('noParcels'))}</p>`
      }
    </section>`;
}
