// 机器客户端 (admin only): service accounts for carriers' systems, their API keys — issued (shown once, with a copy
// button), listed by prefix with last use, revoked, rotated — and disabling an account.
import { api, esc, get } from '../api.js';
import { fmtTime } from '../i18n.js';
import type { PageContext } from '../main.js';
import { bindCopy, m, onceBox, problemSay, showProblem } from '../strings-machine.js';

type Account = { id: string; name: string; outletId: string | null; carrier: string | null; disabled: boolean; createdAt: string; activeKeys: number };
type Key = { id: string; prefix: string; label: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null };
type Issued = Key & { key: string };

export function renderServiceAccounts({ main, navigate }: PageContext, params: URLSearchParams) {
  const selected = params.get('id');
  main.innerHTML = `
    <h1>${esc(m('saTitle'))}</h1>
    <p class="muted">${esc(m('saHint'))}</p>
    <section class="card">
      <h2>${esc(m('saCreate'))}</h2>
      <form id="sa-form" class="actions" novalidate>
        <label>${esc(m('saName'))}<input name="accountName" data-field="name" required maxlength="64" autocomplete="off"></label>
        <label>${esc(m('saScope'))}<select name="scope"><option value="outlet">${esc(m('scopeOutlet'))}</option><option value="carrier">${esc(m('scopeCarrier'))}</option></select></label>
        <label data-scope="outlet">${esc(m('outletId'))}<input name="outletId" maxlength="64" placeholder="GZ-TH-001"></label>
        <label data-scope="carrier" hidden>${esc(m('carrier'))}<input name="carrier" maxlength="64" placeholder="EMS"></label>
        <button class="primary" type="submit">${esc(m('create'))}</button>
        <p class="error" id="sa-error" role="alert"></p>
      </form>
    </section>
    <section class="card"><h2>${esc(m('accounts'))}</h2><div id="sa-list"><p class="muted">…</p></div></section>
    <section class="card" id="sa-keys"${selected ? '' : ' hidden'}></section>`;
  const form = main.querySelector<HTMLFormElement>('#sa-form')!;
  const listEl = main.querySelector<HTMLElement>('#sa-list')!;
  const keysEl = main.querySelector<HTMLElement>('#sa-keys')!;
  const time = (x: string | null, empty = m('none')) => (x ? esc(fmtTime(x)) : esc(empty));
  let accounts: Account[] = [];

  const scopeSelect = form.querySelector<HTMLSelectElement>('select[name="scope"]')!;
  scopeSelect.addEventListener('change', () => {
    form.querySelectorAll<HTMLElement>('[data-scope]').forEach((l) => (l.hidden = l.dataset.scope !== scopeSelect.value));
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const scope = f.get('scope') === 'carrier' ? { carrier: String(f.get('carrier') ?? '').trim() } : { outletId: String(f.get('outletId') ?? '').trim() };
    try {
      const created = await api<Account>('POST', '/api/service-accounts', { name: String(f.get('accountName') ?? '').trim(), ...scope });
      form.reset();
      navigate(`#/service-accounts?id=${created.id}`);
    } catch (err) {
      showProblem(form, err, main.querySelector('#sa-error')!);
    }
  });

  async function loadAccounts() {
    try {
      ({ serviceAccounts: accounts } = await get<{ serviceAccounts: Account[] }>('/api/service-accounts'));
    } catch (err) {
      listEl.innerHTML = `<p class="error" role="alert">${esc(problemSay(err))}</p>`;
      return;
    }
    listEl.innerHTML = accounts.length
      ? `<div class="scroll"><table class="grid" id="sa-table"><thead><tr><th>${esc(m('saName').split('（')[0]!.split(' (')[0])}</th><th>${esc(m('saScope'))}</th><th>${esc(m('status'))}</th><th class="num">${esc(m('activeKeys'))}</th><th>${esc(m('created'))}</th><th></th></tr></thead><tbody>${accounts
          .map(
            (a) => `<tr data-account="${esc(a.id)}"${a.id === selected ? ' class="active"' : ''}><td class="mono">${esc(a.name)}</td><td>${a.outletId ? `${esc(m('outletId'))} <span class="mono">${esc(a.outletId)}</span>` : `${esc(m('carrier'))} <span class="mono">${esc(a.carrier)}</span>`}</td><td>${esc(a.disabled ? m('disabledState') : m('active'))}</td><td class="num">${a.activeKeys}</td><td class="nowrap">${time(a.createdAt)}</td><td class="actions"><a class="button" href="#/service-accounts?id=${esc(a.id)}">${esc(m('showKeys'))}</a> <button type="button" data-toggle="${esc(a.id)}">${esc(a.disabled ? m('enable') : m('disable'))}</button></td></tr>`,
          )
          .join('')}</tbody></table></div>`
      : `<p class="empty">${esc(m('noAccounts'))}</p>`;
    listEl.querySelectorAll<HTMLButtonElement>('[data-toggle]').forEach((b) =>
      b.addEventListener('click', async () => {
        const a = accounts.find((x) => x.id === b.dataset.toggle)!;
        if (!a.disabled && !confirm(m('confirmDisable', { name: a.name }))) return;
        try {
          await api('PATCH', `/api/service-accounts/${a.id}`, { disabled: !a.disabled });
          await loadAccounts();
          if (selected === a.id) await loadKeys();
        } catch (err) {
          listEl.insertAdjacentHTML('afterbegin', `<p class="error" role="alert">${esc(problemSay(err))}</p>`);
        }
      }),
    );
    if (selected) await loadKeys();
  }

  async function loadKeys(issued?: Issued) {
    const a = accounts.find((x) => x.id === selected);
    if (!a) {
      keysEl.hidden = true;
      return;
    }
    let keys: Key[] = [];
    try {
      ({ keys } = await get<{ keys: Key[] }>(`/api/service-accounts/${a.id}/keys`));
    } catch (err) {
      keysEl.innerHTML = `<p class="error" role="alert">${esc(problemSay(err))}</p>`;
      return;
    }
    keysEl.hidden = false;
    keysEl.innerHTML = `
      <h2>${esc(m('keysOf', { name: a.name }))}</h2>
      ${issued ? onceBox('key-once', m('keyOnce'), issued.key) : ''}
      <form id="key-form" class="actions"${a.disabled ? ' hidden' : ''}>
        <label>${esc(m('keyLabel'))}<input name="label" maxlength="100"></label>
        <button class="primary" type="submit">${esc(m('issueKey'))}</button>
        <p class="error" id="key-error" role="alert"></p>
      </form>
      ${
        keys.length
          ? `<div class="scroll"><table class="grid" id="key-table"><thead><tr><th>${esc(m('prefix'))}</th><th>${esc(m('label'))}</th><th>${esc(m('created'))}</th><th>${esc(m('lastUsed'))}</th><th>${esc(m('expires'))}</th><th>${esc(m('status'))}</th><th></th></tr></thead><tbody>${keys
              .map(
                (k) => `<tr data-key="${esc(k.id)}"><td class="mono">pgk_${esc(k.prefix)}_…</td><td>${esc(k.label)}</td><td class="nowrap">${time(k.createdAt)}</td><td class="nowrap">${time(k.lastUsedAt, m('never'))}</td><td class="nowrap">${time(k.expiresAt)}</td><td>${k.revokedAt ? `${esc(m('revoked'))} · ${time(k.revokedAt)}` : esc(m('active'))}</td><td class="actions">${
                  k.revokedAt || a.disabled ? '' : `<button type="button" data-rotate="${esc(k.id)}">${esc(m('rotate'))}</button> <button type="button" data-revoke="${esc(k.id)}">${esc(m('revoke'))}</button>`
                }</td></tr>`,
              )
              .join('')}</tbody></table></div>`
          : `<p class="empty">${esc(m('noKeys'))}</p>`
      }`;
    bindCopy(keysEl);
    const keyForm = keysEl.querySelector<HTMLFormElement>('#key-form')!;
    keyForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const fresh = await api<Issued>('POST', `/api/service-accounts/${a.id}/keys`, { label: String(new FormData(keyForm).get('label') ?? '') });
        await refreshCounts();
        await loadKeys(fresh);
      } catch (err) {
        showProblem(keyForm, err, keysEl.querySelector('#key-error')!);
      }
    });
    keysEl.querySelectorAll<HTMLButtonElement>('[data-revoke]').forEach((b) =>
      b.addEventListener('click', async () => {
        const k = keys.find((x) => x.id === b.dataset.revoke)!;
        if (!confirm(m('confirmRevoke', { prefix: k.prefix }))) return;
        await act(() => api('DELETE', `/api/service-accounts/${a.id}/keys/${k.id}`));
      }),
    );
    keysEl.querySelectorAll<HTMLButtonElement>('[data-rotate]').forEach((b) =>
      b.addEventListener('click', async () => {
        const k = keys.find((x) => x.id === b.dataset.rotate)!;
        if (!confirm(m('confirmRotate', { prefix: k.prefix }))) return;
        await act(() => api<Issued>('POST', `/api/service-accounts/${a.id}/keys/${k.id}/rotate`, { revokeOldAfterSeconds: 86_400 }));
      }),
    );
  }

  async function act(call: () => Promise<unknown>) {
    try {
      const res = await call();
      await refreshCounts();
      await loadKeys(res && typeof res === 'object' && 'key' in res ? (res as Issued) : undefined);
    } catch (err) {
      keysEl.insertAdjacentHTML('afterbegin', `<p class="error" role="alert">${esc(problemSay(err))}</p>`);
    }
  }

  /** The list's key counts after a key changed, without repainting the keys (which would lose a key shown once). */
  async function refreshCounts() {
    try {
      ({ serviceAccounts: accounts } = await get<{ serviceAccounts: Account[] }>('/api/service-accounts'));
      for (const a of accounts) {
        const cell = listEl.querySelector(`tr[data-account="${CSS.escape(a.id)}"] td.num`);
        if (cell) cell.textContent = String(a.activeKeys);
      }
    } catch {
      // the counts stay as they were; the keys below are what matters
    }
  }

  void loadAccounts();
}
