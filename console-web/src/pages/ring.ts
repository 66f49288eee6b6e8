// The ring behind an ANT_MOVING (or RING_MOVED) alert, as analysts work it: where it went and when (its provinces
// and its moves between ports, 口岸转移), which key linked each parcel and to which others, and the two tools —
// split a wrongly linked parcel or a whole sender out (a note, and a confirmation first), allowlist a legitimate
// pattern with a reason and an expiry. Both are audited by the server and become labels for the evaluation.
import { api, esc, get } from '../api.js';
import { alertTypeName, currentLang, fmtCny, fmtTime, jurisdictionLabel, t } from '../i18n.js';
import type { Ring, RingEvent, RingMember } from '../types.js';
import { chinaDayStart, chinaToday, clearFieldErrors, problemText, showFieldErrors } from './common.js';
import { ALLOWLIST_KINDS, keyName, r } from '../strings-rings.js';
import { categoryName } from '../categories.js';
import { addDays } from '../../../server/reports/period.js';

/** How many parcels a link names before "and N more". */
const SHOWN_LINKS = 3;
/** The server keeps an allowlisting at most 366 days (server/rings/allowlist.ts MAX_ALLOWLIST_DAYS). */
const MAX_DAYS = 366;

type Pending = { kind: 'parcels'; waybillNos: string[] } | { kind: 'sender'; member: RingMember };

export function mountRing(el: HTMLElement, ringId: string, onChanged: () => void): { reload(): void; dispose(): void } {
  let ring: Ring | null = null;
  const selected = new Set<string>();
  let pending: Pending | null = null;
  let allowFrom: RingMember | null = null;
  let message = '';
  let gone = false;
  const path = `/api/rings/${encodeURIComponent(ringId)}`;

  async function load() {
    try {
      const next = await get<Ring>(path);
      if (gone) return;
      ring = next;
      paint();
    } catch (err) {
      if (!gone) el.innerHTML = `<h2>${esc(t('ringTitle'))}</h2><p class="error" role="alert">${esc(problemText(err))}</p>`;
    }
  }

  const province = (code: string) => esc(jurisdictionLabel(code));

  function paint() {
    const g = ring!;
    const split = g.splitCount;
    for (const w of [...selected]) if (!g.members.some((m) => m.waybillNo === w && !m.split)) selected.delete(w);
    el.innerHTML = `
      <div class="row-between"><h2>${esc(t('ringTitle'))} <small class="muted">${esc(r('ringParcels', { n: g.parcelCount, split }))}</small></h2></div>
      <div class="cols ring-where">
        <div>
          <h3>${esc(r('where'))}</h3>
          <table class="grid" id="ring-jurisdictions"><thead><tr><th>${esc(r('province'))}</th><th class="num">${esc(t('parcels'))}</th><th>${esc(r('firstSeen'))}</th><th>${esc(r('lastSeen'))}</th></tr></thead>
            <tbody>${g.jurisdictions.map((j) => `<tr><td>${province(j.province)}</td><td class="num">${j.parcels}</td><td>${esc(fmtTime(j.first))}</td><td>${esc(fmtTime(j.last))}</td></tr>`).join('')}</tbody></table>
        </div>
        <div>
          <h3>${esc(r('moves'))}</h3>
          ${g.movements.length
            ? `<ol class="moves" id="ring-moves">${g.movements
                .map(
                  (m) => `<li><time>${esc(fmtTime(m.at))}</time> <b>${esc(r('moved', { from: jurisdictionLabel(m.from), to: jurisdictionLabel(m.to) }))}</b>
                    <div class="muted">${esc(r('movedVia', { waybill: m.waybillNo }))}${m.outletName || m.outletId ? ` · ${esc(m.outletName ?? m.outletId)}` : ''}${m.status ? ` · ${esc(r(`was_${m.status}` as 'was_under_alert'))}` : ''}${m.alertId ? ` · <a href="#/alerts/${esc(m.alertId)}">${esc(alertTypeName('RING_MOVED'))}</a>` : ''}</div></li>`,
                )
                .join('')}</ol>`
            : `<p class="muted" id="ring-moves">${esc(r('noMoves'))}</p>`}
        </div>
      </div>
      ${g.alerts.length > 1 ? `<p class="ring-alerts">${g.alerts.map((a) => `<a href="#/alerts/${esc(a.id)}" class="chip"><span class="badge ${esc(a.severity)}">${esc(t(a.severity as 'high'))}</span> ${esc(alertTypeName(a.type))} · ${esc(fmtTime(a.createdAt))}</a>`).join(' ')}</p>` : ''}
      <h3>${esc(r('members'))}</h3>
      ${g.truncated ? `<p class="muted">${esc(t('truncated', { n: g.members.length, total: g.parcelCount + g.splitCount }))}</p>` : ''}
      <p class="muted">${esc(r('membersHint'))}</p>
      ${message ? `<p class="ok" role="status" id="ring-message">✓ ${esc(message)}</p>` : ''}
      <div id="ring-panel">${panel()}</div>
      <div class="scroll"><table class="grid stack ring-members" id="ring-members">
        <thead><tr><th>${esc(r('select'))}</th><th>${esc(t('waybill'))}</th><th>${esc(t('sender'))}</th><th>${esc(t('outlet'))}</th><th>${esc(t('goods'))}</th><th>${esc(r('linkedBy'))}</th><th></th></tr></thead>
        <tbody>${g.members.map(memberRow).join('')}</tbody>
      </table></div>
      <p class="ring-actions"><button type="button" class="danger" id="split-selected"${selected.size ? '' : ' disabled'}>${esc(r('splitSelected', { n: selected.size }))}</button></p>
      <div class="cols">
        <div><h3>${esc(r('history'))}</h3>${g.events.length ? `<ol class="notes ring-events" id="ring-events">${g.events.map(eventItem).join('')}</ol>` : `<p class="muted" id="ring-events">${esc(r('noEvents'))}</p>`}</div>
        <div><h3>${esc(r('ringAllowlisted'))}</h3>${g.allowlisted.length
          ? `<ul class="plain" id="ring-allowlisted">${g.allowlisted.map((a) => `<li><b>${esc(keyName(a.kind))}</b> <span class="mono">${esc(a.label)}</span> — ${esc(a.reason)} <span class="muted">→ ${esc(fmtTime(a.expiresAt))}${a.revokedAt ? ` · ${esc(r('stateRevoked'))}` : ''}</span></li>`).join('')}</ul>`
          : `<p class="muted" id="ring-allowlisted">—</p>`}</div>
      </div>`;
  }

  function memberRow(m: RingMember) {
    const links = m.linkedBy.length
      ? `<ul class="links-by">${m.linkedBy
          .map((l) => {
            const shown = l.to.slice(0, SHOWN_LINKS).map((w) => `<button type="button" class="ref" data-goto="${esc(w)}">${esc(w)}</button>`).join(' ');
            const total = Math.max(l.total, l.to.length);
            const more = total > SHOWN_LINKS ? ` ${esc(r('andMore', { n: total - SHOWN_LINKS }))}` : '';
            const name = (currentLang() === 'zh' ? l.labelZh : l.label) || keyName(l.kind);
            return `<li><b class="key ${esc(l.kind)}">${esc(name)}</b> ${l.to.length ? `<span class="muted">→</span> ${shown}${more}` : ''}</li>`;
          })
          .join('')}</ul>`
      : esc(r('notLinked'));
    // Another province's parcel: the server withholds its waybill, outlet and phone; it is theirs to split or allowlist.
    const actionable = !m.split && !m.withheld && m.waybillNo;
    const badge = m.split ? `<span class="badge low">${esc(r('splitBadge'))}</span>` : m.withheld ? `<span class="badge">${esc(r('withheldBadge'))}</span>` : '';
    return `<tr data-member="${esc(m.waybillNo ?? '')}" class="${m.split ? 'split' : ''}${m.withheld ? ' withheld' : ''}">
      <td data-label="${esc(r('select'))}">${actionable ? `<label class="check big"><input type="checkbox" data-select="${esc(m.waybillNo!)}"${selected.has(m.waybillNo!) ? ' checked' : ''} aria-label="${esc(r('select'))} ${esc(m.waybillNo!)}"></label>` : badge}</td>
      <td class="mono nowrap">${esc(m.waybillNo ?? '—')}<div class="muted">${esc(fmtTime(m.createdAt))}</div></td>
      <td>${esc(m.senderName)}<div class="mono muted">${esc(m.senderPhoneMasked ?? '')}</div></td>
      <td>${province(m.regionCode.slice(0, 2))}<div class="muted">${esc(m.outletId ?? '—')} → ${esc(m.country)}</div></td>
      <td>${esc(categoryName(m.category))}${m.brand ? ` · <b>${esc(m.brand)}</b>` : ''}<div>${fmtCny(m.valueCny)}</div></td>
      <td data-label="${esc(r('linkedBy'))}">${links}</td>
      <td>${actionable ? `<div class="member-actions"><button type="button" class="secondary" data-split-sender="${esc(m.waybillNo!)}">${esc(r('splitSender'))}</button> <button type="button" class="secondary" data-allow="${esc(m.waybillNo!)}">${esc(r('allowlistThis'))}</button></div>` : ''}</td>
    </tr>`;
  }

  function eventItem(e: RingEvent) {
    const d = e.details as Record<string, string | number | string[] | boolean | null | undefined>;
    const word = e.kind === 'allowlisted' && d.revoked ? r('ev_revoked') : r(`ev_${e.kind}` as 'ev_moved');
    const what =
      e.kind === 'moved'
        ? `${r('moved', { from: jurisdictionLabel(String(d.from ?? '')), to: jurisdictionLabel(String(d.to ?? '')) })} · ${String(d.waybillNo ?? '')}${d.outletName ? ` · ${String(d.outletName)}` : ''}`
        : e.kind === 'split'
          ? [Array.isArray(d.waybillNos) ? d.waybillNos.join(', ') : d.waybillNo ?? '', d.note].filter(Boolean).join(' — ')
          : [d.keyKind ? `${keyName(String(d.keyKind))} ${String(d.label ?? '')}` : '', d.reason].filter(Boolean).join(' — ');
    return `<li class="event ${esc(e.kind)}"><span class="muted">${esc(fmtTime(e.at))}${e.byName ? ` · ${esc(e.byName)}` : ''}</span><p><b>${esc(word)}</b> ${esc(what)}</p></li>`;
  }

  /** The confirmation of a split, or the allowlisting form: one at a time, above the members. */
  function panel() {
    if (pending) {
      const text =
        pending.kind === 'parcels'
          ? r('confirmSplitParcels', { n: pending.waybillNos.length })
          : r('confirmSplitSender', { name: pending.member.senderName, waybill: pending.member.waybillNo ?? '' });
      return `<form class="confirm-panel" id="split-form" role="alertdialog" aria-labelledby="split-title" novalidate>
        <h3 id="split-title">⚠ ${esc(r('confirmSplitTitle'))}</h3>
        <p>${esc(text)}</p>
        ${pending.kind === 'parcels' ? `<p class="mono">${pending.waybillNos.map(esc).join(', ')}</p>` : ''}
        <label>${esc(r('splitNote'))}<textarea name="note" rows="2" maxlength="2000" required placeholder="${esc(r('splitNoteHint'))}"></textarea></label>
        <p class="error" role="alert" id="split-error"></p>
        <div class="actions"><button type="submit" class="danger">${esc(r('confirmSplit'))}</button> <button type="button" class="secondary" data-cancel>${esc(r('cancel'))}</button></div>
      </form>`;
    }
    if (allowFrom) {
      const today = chinaToday();
      return `<form class="confirm-panel" id="allow-form" novalidate>
        <h3>${esc(r('allowlistTitle', { waybill: allowFrom.waybillNo ?? '' }))}</h3>
        <p class="muted">${esc(r('allowlistHint'))}</p>
        <fieldset class="choice-col" name="kind"><legend>${esc(r('keyKind'))}</legend>
          ${ALLOWLIST_KINDS.map((k, i) => `<label><input type="radio" name="kind" value="${k}"${i === 0 ? ' checked' : ''}> ${esc(keyName(k))}</label>`).join('')}
        </fieldset>
        <div class="form-grid">
          <label>${esc(r('reason'))}<input name="reason" required maxlength="500" placeholder="${esc(r('reasonHint'))}"></label>
          <label>${esc(r('expiresAt'))}<input name="expiresAt" type="date" required min="${esc(today)}" max="${esc(addDays(today, MAX_DAYS - 1))}" value="${esc(addDays(today, 90))}"></label>
        </div>
        <p class="error" role="alert" id="allow-error"></p>
        <div class="actions"><button type="submit" class="primary">${esc(r('allowlistSave'))}</button> <button type="button" class="secondary" data-cancel>${esc(r('cancel'))}</button></div>
      </form>`;
    }
    return '';
  }

  function openPanel() {
    message = '';
    paint();
    el.querySelector<HTMLElement>('#ring-panel')?.scrollIntoView({ block: 'nearest' });
    el.querySelector<HTMLElement>('#ring-panel textarea, #ring-panel input[name="reason"]')?.focus();
  }

  el.addEventListener('change', (e) => {
    const box = (e.target as HTMLElement).closest<HTMLInputElement>('[data-select]');
    if (!box) return;
    if (box.checked) selected.add(box.dataset.select!);
    else selected.delete(box.dataset.select!);
    const button = el.querySelector<HTMLButtonElement>('#split-selected')!;
    button.disabled = !selected.size;
    button.textContent = r('splitSelected', { n: selected.size });
  });

  el.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const g = ring;
    if (!g) return;
    if (target.closest('[data-cancel]')) {
      pending = null;
      allowFrom = null;
      paint();
      return;
    }
    if (target.closest('#split-selected') && selected.size) {
      pending = { kind: 'parcels', waybillNos: [...selected] };
      allowFrom = null;
      return openPanel();
    }
    const sender = target.closest<HTMLElement>('[data-split-sender]')?.dataset.splitSender;
    const member = g.members.find((m) => m.waybillNo === sender);
    if (member) {
      pending = { kind: 'sender', member };
      allowFrom = null;
      return openPanel();
    }
    const allow = g.members.find((m) => m.waybillNo === target.closest<HTMLElement>('[data-allow]')?.dataset.allow);
    if (allow) {
      allowFrom = allow;
      pending = null;
      return openPanel();
    }
    const goto = target.closest<HTMLElement>('[data-goto]')?.dataset.goto;
    if (goto) {
      el.querySelectorAll('tr.lit').forEach((x) => x.classList.remove('lit'));
      const row = el.querySelector<HTMLElement>(`tr[data-member="${CSS.escape(goto)}"]`);
      row?.classList.add('lit');
      row?.scrollIntoView({ block: 'center' });
    }
  });

  el.addEventListener('submit', async (e) => {
    const form = e.target as HTMLFormElement;
    e.preventDefault();
    const f = new FormData(form);
    if (form.id === 'split-form' && pending) {
      const note = String(f.get('note') ?? '').trim();
      const body = pending.kind === 'parcels' ? { waybillNos: pending.waybillNos, note } : { senderOf: pending.member.waybillNo, note };
      if (!note) return fieldMissing(form, 'note');
      try {
        const res = await api<{ splitParcels: string[]; ring: Ring }>('POST', `${path}/split`, body);
        pending = null;
        selected.clear();
        ring = res.ring;
        message = r('splitDone', { n: res.splitParcels.length });
        paint();
        onChanged();
      } catch (err) {
        showFieldErrors(form, err, form.querySelector('#split-error')!);
      }
    }
    if (form.id === 'allow-form' && allowFrom) {
      const reason = String(f.get('reason') ?? '').trim();
      const day = String(f.get('expiresAt') ?? '');
      if (!reason) return fieldMissing(form, 'reason');
      const body = { waybillNo: allowFrom.waybillNo, kind: String(f.get('kind')), reason, ...(day ? { expiresAt: chinaDayStart(day, 1) } : {}) };
      try {
        const entry = await api<{ label: string }>('POST', `${path}/allowlist`, body);
        allowFrom = null;
        message = r('allowlistDone', { label: `${keyName(body.kind)} ${entry.label}` });
        await load();
        onChanged();
      } catch (err) {
        showFieldErrors(form, err, form.querySelector('#allow-error')!);
      }
    }
  });

  function fieldMissing(form: HTMLFormElement, name: string) {
    clearFieldErrors(form);
    const input = form.querySelector<HTMLElement>(`[name="${name}"]`)!;
    input.setAttribute('aria-invalid', 'true');
    input.insertAdjacentHTML('afterend', `<span class="field-error">${esc(r('required'))}</span>`);
    input.focus();
  }

  el.innerHTML = `<p class="muted">…</p>`;
  void load();
  return {
    // A live update of the alert (a parcel joined, the ring moved) reads the ring again, unless a form is open.
    reload: () => void (pending || allowFrom ? undefined : load()),
    dispose: () => void (gone = true),
  };
}
