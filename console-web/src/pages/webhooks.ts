// Webhook 订阅: subscribe another system to events in an area (admins anywhere; officers inside their jurisdiction),
// the signing secret shown once with a copy button, the list with delivery counts, the delivery log of one
// subscription, a test send, secret rotation and disabling.
import { api, esc, get } from '../api.js';
import { fmtTime } from '../i18n.js';
import type { PageContext } from '../main.js';
import { bindCopy, EVENT_TYPES, eventName, m, onceBox, problemSay, showProblem } from '../strings-machine.js';

type Sub = {
  id: string;
  name: string;
  url: string;
  events: string[];
  jurisdiction: string | null;
  carrier: string | null;
  outletId: string | null;
  createdAt: string;
  disabledAt: string | null;
  deliveries?: { pending: number; delivered: number; failed: number };
};
type Delivery = { id: string; eventId: string; eventType: string; status: 'pending' | 'delivered' | 'failed'; attempts: number; lastStatusCode: number | null; lastError: string | null; createdAt: string; lastAttemptAt: string | null; deliveredAt: string | null };

export function renderWebhooks({ main, user, navigate }: PageContext, params: URLSearchParams) {
  const selected = params.get('id');
  main.innerHTML = `
    <h1>${esc(m('whTitle'))}</h1>
    <p class="muted">${esc(m('whHint'))}</p>
    <section class="card">
      <h2>${esc(m('whCreate'))}</h2>
      <form id="wh-form" novalidate>
        <div class="actions">
          <label>${esc(m('whName'))}<input name="webhookName" data-field="name" required maxlength="100"></label>
          <label>${esc(m('whUrl'))}<input name="url" required maxlength="2000" type="url" placeholder="https://risk.example.cn/parcelguard"></label>
        </div>
        <fieldset name="events"><legend>${esc(m('whEvents'))}</legend><div class="chips">${EVENT_TYPES.map(
          (e) => `<label class="check"><input type="checkbox" name="event" value="${esc(e)}"${e === 'alert.opened' ? ' checked' : ''}> ${esc(eventName(e))} <span class="mono muted">${esc(e)}</span></label>`,
        ).join('')}</div></fieldset>
        <div class="actions">
          <label>${esc(m('whJurisdiction'))}<input name="jurisdiction" maxlength="4" inputmode="numeric" placeholder="${esc(user.jurisdiction ?? '44')}"></label>
          <label>${esc(m('whCarrier'))}<input name="carrier" maxlength="64"></label>
          <label>${esc(m('whOutlet'))}<input name="outletId" maxlength="64"></label>
          <button class="primary" type="submit">${esc(m('subscribe'))}</button>
        </div>
        <p class="error" id="wh-error" role="alert"></p>
      </form>
      <div id="wh-secret"></div>
    </section>
    <section class="card"><h2>${esc(m('subscriptions'))}</h2><div id="wh-list"><p class="muted">…</p></div></section>
    <section class="card" id="wh-deliveries"${selected ? '' : ' hidden'}></section>`;
  const form = main.querySelector<HTMLFormElement>('#wh-form')!;
  const listEl = main.querySelector<HTMLElement>('#wh-list')!;
  const secretEl = main.querySelector<HTMLElement>('#wh-secret')!;
  const delEl = main.querySelector<HTMLElement>('#wh-deliveries')!;
  const time = (x: string | null) => (x ? esc(fmtTime(x)) : esc(m('none')));
  let subs: Sub[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const showSecret = (secret: string) => {
    secretEl.innerHTML = onceBox('secret-once', m('secretOnce'), secret);
    bindCopy(secretEl);
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const opt = (k: string) => {
      const v = String(f.get(k) ?? '').trim();
      return v ? { [k]: v } : {};
    };
    try {
      const res = await api<{ subscription: Sub; secret: string }>('POST', '/api/webhooks', {
        name: String(f.get('webhookName') ?? '').trim(),
        url: String(f.get('url') ?? '').trim(),
        events: f.getAll('event').map(String),
        ...opt('jurisdiction'),
        ...opt('carrier'),
        ...opt('outletId'),
      });
      form.reset();
      showSecret(res.secret);
      await loadList();
    } catch (err) {
      showProblem(form, err, main.querySelector('#wh-error')!);
    }
  });

  async function loadList() {
    try {
      ({ subscriptions: subs } = await get<{ subscriptions: Sub[] }>('/api/webhooks'));
    } catch (err) {
      listEl.innerHTML = `<p class="error" role="alert">${esc(problemSay(err))}</p>`;
      return;
    }
    const area = (s: Sub) => [s.jurisdiction ?? m('national'), s.carrier, s.outletId].filter(Boolean).map((x) => esc(x)).join(' · ');
    listEl.innerHTML = subs.length
      ? `<div class="scroll"><table class="grid" id="wh-table"><thead><tr><th>${esc(m('whName'))}</th><th>URL</th><th>${esc(m('whEvents'))}</th><th>${esc(m('area'))}</th><th>${esc(m('status'))}</th><th>${esc(m('deliveries'))}</th><th></th></tr></thead><tbody>${subs
          .map(
            (s) => `<tr data-sub="${esc(s.id)}"><td>${esc(s.name)}</td><td class="mono">${esc(s.url)}</td><td>${s.events.map((e) => esc(eventName(e))).join('、')}</td><td>${area(s)}</td><td>${esc(s.disabledAt ? m('disabledState') : m('active'))}</td><td class="nowrap">${
              s.deliveries ? `${esc(m('st_delivered'))} ${s.deliveries.delivered} · ${esc(m('st_pending'))} ${s.deliveries.pending} · ${esc(m('st_failed'))} ${s.deliveries.failed}` : ''
            }</td><td class="actions"><a class="button" href="#/webhooks?id=${esc(s.id)}">${esc(m('deliveries'))}</a>${
              s.disabledAt ? '' : ` <button type="button" data-test="${esc(s.id)}">${esc(m('sendTest'))}</button> <button type="button" data-secret="${esc(s.id)}">${esc(m('rotateSecret'))}</button>`
            } <button type="button" data-toggle="${esc(s.id)}">${esc(s.disabledAt ? m('enable') : m('disable'))}</button></td></tr>`,
          )
          .join('')}</tbody></table></div>`
      : `<p class="empty">${esc(m('noSubscriptions'))}</p>`;
    const subOf = (id?: string) => subs.find((s) => s.id === id)!;
    const fail = (err: unknown) => listEl.insertAdjacentHTML('afterbegin', `<p class="error" role="alert">${esc(problemSay(err))}</p>`);
    listEl.querySelectorAll<HTMLButtonElement>('[data-test]').forEach((b) =>
      b.addEventListener('click', async () => {
        try {
          await api('POST', `/api/webhooks/${b.dataset.test}/test`);
          if (selected !== b.dataset.test) navigate(`#/webhooks?id=${b.dataset.test}`);
          else await loadDeliveries(m('testQueued'));
        } catch (err) {
          fail(err);
        }
      }),
    );
    listEl.querySelectorAll<HTMLButtonElement>('[data-secret]').forEach((b) =>
      b.addEventListener('click', async () => {
        if (!confirm(m('confirmRotateSecret', { name: subOf(b.dataset.secret).name }))) return;
        try {
          showSecret((await api<{ secret: string }>('POST', `/api/webhooks/${b.dataset.secret}/secret`)).secret);
        } catch (err) {
          fail(err);
        }
      }),
    );
    listEl.querySelectorAll<HTMLButtonElement>('[data-toggle]').forEach((b) =>
      b.addEventListener('click', async () => {
        const s = subOf(b.dataset.toggle);
        try {
          await api('PATCH', `/api/webhooks/${s.id}`, { disabled: !s.disabledAt });
          await loadList();
        } catch (err) {
          fail(err);
        }
      }),
    );
    if (selected) await loadDeliveries();
  }

  async function loadDeliveries(note?: string) {
    const s = subs.find((x) => x.id === selected);
    if (!s) {
      delEl.hidden = true;
      return;
    }
    let deliveries: Delivery[] = [];
    try {
      ({ deliveries } = await get<{ deliveries: Delivery[] }>(`/api/webhooks/${s.id}/deliveries?limit=50`));
    } catch (err) {
      delEl.innerHTML = `<p class="error" role="alert">${esc(problemSay(err))}</p>`;
      return;
    }
    delEl.hidden = false;
    delEl.innerHTML = `
      <div class="row-between"><h2>${esc(m('deliveriesOf', { name: s.name }))}</h2><button type="button" id="wh-refresh">${esc(m('refresh'))}</button></div>
      ${note ? `<p class="notice info">${esc(note)}</p>` : ''}
      ${
        deliveries.length
          ? `<div class="scroll"><table class="grid" id="delivery-table"><thead><tr><th>${esc(m('event'))}</th><th>${esc(m('status'))}</th><th class="num">${esc(m('attempts'))}</th><th>${esc(m('lastAnswer'))}</th><th>${esc(m('created'))}</th><th>${esc(m('deliveredAt'))}</th></tr></thead><tbody>${deliveries
              .map(
                (d) => `<tr data-delivery="${esc(d.id)}" data-status="${esc(d.status)}"><td>${esc(eventName(d.eventType))} <span class="mono muted">${esc(d.eventType)}</span></td><td>${esc(m(`st_${d.status}`))}</td><td class="num">${d.attempts}</td><td class="mono">${esc(d.lastStatusCode ?? d.lastError ?? m('none'))}</td><td class="nowrap">${time(d.createdAt)}</td><td class="nowrap">${time(d.deliveredAt)}</td></tr>`,
              )
              .join('')}</tbody></table></div>`
          : `<p class="empty">${esc(m('noDeliveries'))}</p>`
      }`;
    delEl.querySelector('#wh-refresh')!.addEventListener('click', () => void loadList());
    // While something waits to be delivered, look again shortly (the job queue sends within seconds).
    clearTimeout(timer);
    if (deliveries.some((d) => d.status === 'pending') || note) timer = setTimeout(() => void loadList(), 1500);
  }

  void loadList();
  return () => clearTimeout(timer);
}
