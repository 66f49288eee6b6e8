// The allowlist: patterns analysts judged legitimate from a ring's view (a registered seller's identity, a
// family's address), each with its reason, who added it and until when. In force by default, or every entry;
// revoke one (a reason is welcome) and it links again. Entries are added from the ring view, where the parcel is.
import { api, esc, get } from '../api.js';
import { fmtTime, jurisdictionLabel, t } from '../i18n.js';
import type { PageContext } from '../main.js';
import type { AllowlistEntry } from '../types.js';
import { problemText } from './common.js';
import { keyName, r, toolTabs } from '../strings-rings.js';

export function renderAllowlist(ctx: PageContext, params: URLSearchParams) {
  const { main } = ctx;
  const all = params.get('show') === 'all';
  let entries: AllowlistEntry[] = [];
  let revoking: string | null = null;

  main.innerHTML = `
    ${toolTabs('#/allowlist')}
    <h1>${esc(r('allowlistPage'))}</h1>
    <p class="muted">${esc(r('allowlistPageHint'))}</p>
    <nav class="tabs"><a href="#/allowlist" class="${all ? '' : 'active'}">${esc(r('activeOnly'))}</a><a href="#/allowlist?show=all" class="${all ? 'active' : ''}">${esc(r('allEntries'))}</a></nav>
    <p class="error" role="alert" id="allowlist-error"></p>
    <div id="allowlist"><p class="muted">${esc(t('loading'))}</p></div>`;
  const $ = (sel: string) => main.querySelector<HTMLElement>(sel)!;

  const state = (e: AllowlistEntry) => (e.revokedAt ? 'revoked' : e.active ? 'active' : 'expired');

  async function load() {
    try {
      entries = (await get<{ entries: AllowlistEntry[] }>(`/api/rings/allowlist?active=${all ? 'false' : 'true'}`)).entries;
      $('#allowlist-error').textContent = '';
      paint();
    } catch (err) {
      $('#allowlist-error').textContent = problemText(err);
      $('#allowlist').innerHTML = '';
    }
  }

  function paint() {
    $('#allowlist').innerHTML = entries.length
      ? `<table class="grid stack allowlist">
          <thead><tr><th>${esc(r('keyKind'))}</th><th>${esc(r('label'))}</th><th>${esc(t('reason'))}</th><th>${esc(r('region'))}</th><th>${esc(r('expiresAt'))}</th><th>${esc(r('createdBy'))}</th><th>${esc(r('state'))}</th><th></th></tr></thead>
          <tbody>${entries.map(row).join('')}</tbody></table>`
      : `<p class="empty">${esc(r('noAllowlist'))}</p>`;
  }

  function row(e: AllowlistEntry) {
    const s = state(e);
    const action =
      s !== 'active'
        ? ''
        : revoking === e.id
          ? `<form class="revoke-form" data-id="${esc(e.id)}" novalidate>
              <label>${esc(r('revokeReason'))}<input name="reason" maxlength="500"></label>
              <span class="error" role="alert"></span>
              <div class="actions"><button type="submit" class="danger">${esc(r('confirmRevoke'))}</button> <button type="button" class="secondary" data-cancel>${esc(r('cancel'))}</button></div>
            </form>`
          : `<button type="button" class="secondary" data-revoke="${esc(e.id)}">${esc(r('revoke'))}</button>`;
    return `<tr data-entry="${esc(e.id)}" class="${s === 'active' ? '' : 'inactive'}">
      <td data-label="${esc(r('keyKind'))}"><b>${esc(keyName(e.kind))}</b></td>
      <td data-label="${esc(r('label'))}" class="mono">${esc(e.label)}</td>
      <td data-label="${esc(t('reason'))}">${esc(e.reason)}</td>
      <td data-label="${esc(r('region'))}">${esc(jurisdictionLabel(e.regionCode.slice(0, 2)))} <span class="muted mono">${esc(e.regionCode)}</span></td>
      <td data-label="${esc(r('expiresAt'))}">${esc(fmtTime(e.expiresAt))}</td>
      <td data-label="${esc(r('createdBy'))}">${esc(e.createdByName)}<div class="muted">${esc(fmtTime(e.createdAt))}</div></td>
      <td data-label="${esc(r('state'))}"><span class="astate ${s}">${esc(r(s === 'active' ? 'stateActive' : s === 'revoked' ? 'stateRevoked' : 'stateExpired'))}</span>${e.revokedAt ? `<div class="muted">${esc(e.revokedByName ?? '')} · ${esc(fmtTime(e.revokedAt))}</div>` : ''}</td>
      <td>${action}</td>
    </tr>`;
  }

  $('#allowlist').addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const id = target.closest<HTMLElement>('[data-revoke]')?.dataset.revoke;
    if (id) {
      revoking = id;
      paint();
      main.querySelector<HTMLInputElement>(`form.revoke-form[data-id="${CSS.escape(id)}"] input`)?.focus();
    } else if (target.closest('[data-cancel]')) {
      revoking = null;
      paint();
    }
  });
  $('#allowlist').addEventListener('submit', async (e) => {
    const form = (e.target as HTMLElement).closest<HTMLFormElement>('form.revoke-form');
    if (!form) return;
    e.preventDefault();
    const reason = String(new FormData(form).get('reason') ?? '').trim();
    try {
      await api('DELETE', `/api/rings/allowlist/${encodeURIComponent(form.dataset.id!)}`, reason ? { reason } : {});
      revoking = null;
      await load();
    } catch (err) {
      form.querySelector('.error')!.textContent = problemText(err);
    }
  });
  void load();
}
