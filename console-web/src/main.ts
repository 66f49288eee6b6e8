// The console postal regulators and customs officers keep open all day: live alerts, rings, routes and rates,
// inspections, suspect lists, an overview and the weekly report. One page, hash routes (#/alerts/…), the
// session cookie, and a live socket that stays up across pages so no alert is missed while reading another.
import { api, ApiProblem, esc, whenLoggedOut } from './api.js';
import { renderAlert } from './pages/alert.js';
import { renderBoard } from './pages/board.js';
import { renderCase } from './pages/case.js';
import { renderCases } from './pages/cases.js';
import { renderHolds } from './pages/holds.js';
import { renderJobs } from './pages/jobs.js';
import { renderInspections } from './pages/inspections.js';
import { renderInterceptions, ti, type InterceptionCounts } from './pages/interceptions.js';
import { renderOverview } from './pages/overview.js';
import { renderReports } from './pages/reports.js';
import { renderRoute, renderRoutes } from './pages/routes.js';
import { renderWatchlist } from './pages/watchlist.js';
import { currentLang, setLang, t, type Key } from './i18n.js';
import { connectLive, noLive, SEVERITIES, type Live, type Severity } from './live.js';
import type { CaseCounts, HoldCounts, User } from './types.js';

const app = document.getElementById('app')!;
let user: User | null = null;
let live: Live | null = null;
let cleanup: (() => void) | void;

export type PageContext = { user: User; live: Live; main: HTMLElement; navigate(hash: string): void };
type Page = { hash: string; label: Key | (() => string); roles: User['role'][] };

const PAGES: Page[] = [
  { hash: '#/alerts', label: 'navBoard', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/holds', label: 'navHolds', roles: ['postal_regulator', 'customs_officer', 'admin', 'outlet_supervisor'] },
  { hash: '#/interceptions', label: () => ti('nav'), roles: ['postal_regulator', 'customs_officer', 'admin', 'outlet_supervisor'] },
  { hash: '#/cases', label: 'navCases', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/lookup', label: 'navLookup', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/routes', label: 'navRoutes', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/inspections', label: 'navInspections', roles: ['customs_officer', 'admin'] },
  { hash: '#/notices', label: 'navIp', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/watchlist', label: 'navWatchlist', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  // 协议客户 (issue 18): its words load with its page; the nav label is all the first screen needs.
  { hash: '#/organisations', label: () => (currentLang() === 'zh' ? '协议客户' : 'Contract customers'), roles: ['postal_regulator', 'customs_officer', 'admin', 'outlet_supervisor'] },
  // 批量收寄 (issue 18): the outlet's supervisor uploads a contract customer's batch.
  { hash: '#/batches', label: () => (currentLang() === 'zh' ? '批量收寄' : 'Bulk intake'), roles: ['outlet_supervisor'] },
  { hash: '#/allowlist', label: 'navTools', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/overview', label: 'navOverview', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/reports', label: 'navReports', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/audit', label: 'navAudit', roles: ['auditor', 'admin'] },
  { hash: '#/jobs', label: 'navJobs', roles: ['admin'] },
  { hash: '#/service-accounts', label: 'navMachine', roles: ['admin'] },
  { hash: '#/webhooks', label: 'navWebhooks', roles: ['postal_regulator', 'customs_officer', 'admin'] },
];
/** Pages that sit under another's navigation entry, as tabs of it. */
const NAV_PARENT: Record<string, string> = { 'goods-rules': 'routes', disposals: 'notices', brands: 'notices', 'price-floors': 'allowlist', privacy: 'audit' };
const ROLE_NAMES: Record<User['role'], [string, string]> = {
  postal_regulator: ['邮政管理', 'Postal regulator'],
  customs_officer: ['海关', 'Customs'],
  admin: ['管理员', 'Admin'],
  courier: ['快递员', 'Courier'],
  outlet_supervisor: ['网点安全主管', 'Outlet supervisor'],
  auditor: ['审计管理员', 'Auditor'],
};
/** Where each role lands: an outlet supervisor's console is the holds queue of their outlet, an auditor's the trail. */
const home = (u: User) => (u.role === 'outlet_supervisor' ? '#/holds' : u.role === 'auditor' ? '#/audit' : '#/alerts');
/** The auditor has no live feed (no alerts, holds or cases): no socket, no sound, no counts. */
const hasLive = (u: User) => u.role !== 'auditor';

whenLoggedOut((notice) => {
  live?.close();
  live = null;
  user = null;
  renderLogin();
  if (notice) app.querySelector('#login-error')!.textContent = notice; // the session ended: say so
});

async function start() {
  try {
    user = (await api<{ user: User }>('GET', '/api/session')).user;
  } catch {
    user = null;
  }
  if (!user || user.role === 'courier') renderLogin(user?.role === 'courier');
  else enter();
}

function renderLogin(courier = false) {
  cleanup?.();
  app.innerHTML = `
    <main class="login">
      <h1>ParcelGuard <small>${esc(t('title'))}</small></h1>
      ${courier ? `<p class="notice warn">${esc(t('notForCourier'))} <a href="/handheld/">${esc(t('toHandheld'))}</a></p>` : ''}
      <form id="login" class="card">
        <label>${esc(t('username'))}<input name="username" autocomplete="username" required autofocus></label>
        <label>${esc(t('password'))}<input name="password" type="password" autocomplete="current-password" required></label>
        <p class="error" id="login-error" role="alert"></p>
        <button class="primary" type="submit">${esc(t('login'))}</button>
        <button class="link" type="button" data-lang>${esc(t('lang'))}</button>
      </form>
    </main>`;
  app.querySelector('[data-lang]')!.addEventListener('click', () => {
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    renderLogin(courier);
  });
  app.querySelector<HTMLFormElement>('#login')!.addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    try {
      const res = await api<{ user: User }>('POST', '/api/session', { username: form.get('username'), password: form.get('password') });
      user = res.user;
      if (user.role === 'courier') return renderLogin(true);
      enter();
    } catch (err) {
      app.querySelector('#login-error')!.textContent = err instanceof ApiProblem && err.status === 401 ? t('loginFailed') : String((err as Error).message);
    }
  });
}

function enter() {
  live ??= !hasLive(user!) ? noLive() : connectLive(user!.role === 'outlet_supervisor' ? '/outlet' : '/alerts');
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', home(user!));
  renderShell();
  route();
}

function renderShell() {
  const u = user!;
  const role = ROLE_NAMES[u.role][currentLang() === 'zh' ? 0 : 1];
  app.innerHTML = `
    <header class="top">
      <a class="brand" href="${home(u)}">ParcelGuard <small>${esc(t('title'))}</small></a>
      <nav>${PAGES.filter((p) => p.roles.includes(u.role)).map((p) => `<a href="${p.hash}" data-nav="${p.hash}">${esc(typeof p.label === 'function' ? p.label() : t(p.label))}</a>`).join('')}</nav>
      <div class="who">
        <span class="live-state" id="live-state"${hasLive(u) ? '' : ' hidden'}></span>
        <button class="ghost" type="button" id="sound"${hasLive(u) ? '' : ' hidden'}></button>
        <label class="notice-from"${hasLive(u) ? '' : ' hidden'}><span class="sr-only">${esc(t('noticeFrom'))}</span><select id="notice-from" title="${esc(t('noticeFrom'))}">${SEVERITIES.map((sv) => `<option value="${sv}"${live!.noticeFrom() === sv ? ' selected' : ''}>${esc(t(sv === 'low' ? 'noticeFromLow' : sv === 'medium' ? 'noticeFromMedium' : 'noticeFromHigh'))}</option>`).join('')}</select></label>
        <button class="ghost" type="button" id="lang">${esc(t('lang'))}</button>
        <span class="me">${esc(u.username)} · ${esc(role)}${u.jurisdiction ? ` · ${esc(u.jurisdiction)}` : ''}</span>
        <button class="ghost" type="button" id="logout">${esc(t('logout'))}</button>
      </div>
    </header>
    <div id="toasts" class="toasts" aria-live="polite"></div>
    <main id="page"></main>`;
  app.querySelector('#lang')!.addEventListener('click', () => {
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    renderShell();
    route();
  });
  app.querySelector('#logout')!.addEventListener('click', async () => {
    await api('DELETE', '/api/session').catch(() => null);
    live?.close();
    live = null;
    user = null;
    history.replaceState(null, '', '#/');
    renderLogin();
  });
  const sound = app.querySelector<HTMLButtonElement>('#sound')!;
  const showSound = () => (sound.textContent = live!.soundOn() ? t('soundOn') : t('soundOff'));
  sound.addEventListener('click', () => {
    live!.setSound(!live!.soundOn());
    showSound();
  });
  showSound();
  app.querySelector<HTMLSelectElement>('#notice-from')!.addEventListener('change', (e) => live!.setNoticeFrom((e.target as HTMLSelectElement).value as Severity));
  live!.bindShell(app.querySelector('#live-state')!, app.querySelector('#toasts')!);
  if (hasLive(u)) bindNavCounts(u);
  else unbindCounts?.();
}

/** The nav shows what waits: pending holds (overdue in red) and overdue cases, kept fresh by the live events. */
let unbindCounts: (() => void) | null = null;
function bindNavCounts(u: User) {
  unbindCounts?.();
  const paint = (hash: string, n: number, late: number) => {
    const a = app.querySelector<HTMLElement>(`[data-nav="${hash}"]`);
    if (!a) return;
    a.querySelectorAll('.nav-count').forEach((e) => e.remove());
    if (n) a.insertAdjacentHTML('beforeend', ` <span class="nav-count" data-count="${esc(n)}" title="${esc(t('pending'))}">${esc(n)}</span>`);
    if (late) a.insertAdjacentHTML('beforeend', ` <span class="nav-count late" data-overdue="${esc(late)}" title="${esc(t('overdue'))}">${esc(late)}</span>`);
  };
  const load = () => {
    void api<HoldCounts>('GET', '/api/holds/counts').then((c) => paint('#/holds', c.pending, c.overdue)).catch(() => undefined);
    void api<InterceptionCounts>('GET', '/api/interceptions/counts').then((c) => paint('#/interceptions', c.open, c.overdue)).catch(() => undefined);
    if (u.role !== 'outlet_supervisor') void api<CaseCounts>('GET', '/api/cases/counts').then((c) => paint('#/cases', 0, c.overdue)).catch(() => undefined);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  };
  const offs = [...(['hold:new', 'hold:updated', 'hold:overdue', 'case:updated', 'interception:ordered', 'interception:answered', 'interception:overdue'] as const).map((e) => live!.on(e, soon)), live!.onState((s) => s === 'live' && soon())];
  window.addEventListener('pg:counts', soon);
  load();
  unbindCounts = () => {
    offs.forEach((off) => off());
    window.removeEventListener('pg:counts', soon);
    clearTimeout(timer);
  };
}

function route() {
  if (!user || !live) return;
  cleanup?.();
  // Each page paints into an element of its own: an answer that arrives after the officer moved on lands on a
  // detached node, never on the next page.
  const main = document.createElement('div');
  app.querySelector<HTMLElement>('#page')!.replaceChildren(main);
  const [path = '', query = ''] = location.hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  const section = NAV_PARENT[parts[0] ?? ''] ?? parts[0];
  for (const a of app.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    a.classList.toggle('active', `#/${section}` === a.dataset.nav);
    // On a narrow screen the navigation scrolls sideways: keep the current entry in sight.
    if (a.classList.contains('active') && a.parentElement!.scrollWidth > a.parentElement!.clientWidth) a.parentElement!.scrollLeft = a.offsetLeft - a.parentElement!.offsetLeft - 24;
  }
  const ctx: PageContext = { user, live, main, navigate: (hash) => (location.hash = hash) };
  const params = new URLSearchParams(query);
  main.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
  const allowed = (hash: string) => PAGES.find((p) => p.hash === hash)?.roles.includes(user!.role) ?? true;
  if (!allowed(`#/${section ?? ''}`) || (!parts[0] && user.role === 'outlet_supervisor')) {
    history.replaceState(null, '', home(user));
    parts.splice(0, parts.length, home(user).slice(2));
  }
  const pages: Record<string, () => (() => void) | void> = {
    holds: () => renderHolds(ctx, params),
    interceptions: () => renderInterceptions(ctx, params),
    cases: () => (parts[1] ? renderCase(ctx, parts[1]) : renderCases(ctx, params)),
    jobs: () => renderJobs(ctx, params),
    alerts: () => (parts[1] ? renderAlert(ctx, parts[1]) : renderBoard(ctx, params)),
    routes: () => (parts[1] ? renderRoute(ctx, decodeURIComponent(parts[1])) : renderRoutes(ctx)),
    inspections: () => renderInspections(ctx, params),
    watchlist: () => renderWatchlist(ctx, params),
    overview: () => renderOverview(ctx, params),
    reports: () => renderReports(ctx, params, parts[1]),
    // Issues 16 and 17: loaded on first use, with their words.
    'goods-rules': lazy(ctx, () => import('./pages/goods-rules.js').then((m) => (parts[1] ? m.renderGoodsRule(ctx, decodeURIComponent(parts[1])) : m.renderGoodsRules(ctx)))),
    brands: lazy(ctx, () => import('./pages/brands.js').then((m) => m.renderBrands(ctx, params))),
    notices: lazy(ctx, () => import('./pages/notices.js').then((m) => m.renderNotices(ctx, params))),
    disposals: lazy(ctx, () => import('./pages/disposals.js').then((m) => m.renderDisposals(ctx, params))),
    allowlist: lazy(ctx, () => import('./pages/allowlist.js').then((m) => m.renderAllowlist(ctx, params))),
    'price-floors': lazy(ctx, () => import('./pages/price-floors.js').then((m) => m.renderPriceFloors(ctx))),
    // Issue 21: the look-up, the audit trail, retention and a person's own data.
    lookup: lazy(ctx, () => import('./pages/lookup.js').then((m) => m.renderLookup(ctx, params))),
    audit: lazy(ctx, () => import('./pages/audit.js').then((m) => m.renderAudit(ctx, params))),
    privacy: lazy(ctx, () => import('./pages/privacy.js').then((m) => m.renderPrivacy(ctx))),
    // Issue 18: contract customers (协议客户) and one of them.
    organisations: lazy(ctx, () => import('./pages/organisations.js').then((m) => (parts[1] ? m.renderOrganisation(ctx, parts[1], params) : m.renderOrganisations(ctx, params)))),
    // Issue 18: machine clients (service accounts, API keys) and webhook subscriptions.
    'service-accounts': lazy(ctx, () => import('./pages/service-accounts.js').then((m) => m.renderServiceAccounts(ctx, params))),
    webhooks: lazy(ctx, () => import('./pages/webhooks.js').then((m) => m.renderWebhooks(ctx, params))),
    batches: lazy(ctx, () => import('./pages/batches.js').then((m) => m.renderBatches(ctx, parts[1]))),
  };
  cleanup = (pages[parts[0] ?? ''] ?? pages[home(user).slice(2)]!)();
}

/**
 * A page whose code loads on first use. Its cleanup runs whenever the officer leaves — also when they leave before
 * the code arrived, in which case the page, painting into a detached element, is cleaned up as soon as it returns.
 */
function lazy(ctx: PageContext, load: () => Promise<(() => void) | void>): () => () => void {
  return () => {
    let left = false;
    let done: (() => void) | void;
    load()
      .then((c) => (left ? c?.() : (done = c)))
      .catch((err) => {
        if (!left) ctx.main.innerHTML = `<p class="error" role="alert">${esc(t('error'))}: ${esc((err as Error).message)}</p>`;
      });
    return () => {
      left = true;
      done?.();
    };
  };
}

window.addEventListener('hashchange', route);
void start();
