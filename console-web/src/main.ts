// The console postal regulators and customs officers keep open all day: live alerts, rings, routes and rates,
// inspections, suspect lists, an overview and the weekly report. One page, hash routes (#/alerts/…), the
// session cookie, and a live socket that stays up across pages so no alert is missed while reading another.
import { api, ApiProblem, esc, whenLoggedOut } from './api.js';
import { renderAlert } from './pages/alert.js';
import { renderBoard } from './pages/board.js';
import { renderInspections } from './pages/inspections.js';
import { renderOverview } from './pages/overview.js';
import { renderReports } from './pages/reports.js';
import { renderRoute, renderRoutes } from './pages/routes.js';
import { renderWatchlist } from './pages/watchlist.js';
import { currentLang, setLang, t, type Key } from './i18n.js';
import { connectLive, type Live } from './live.js';
import type { User } from './types.js';

const app = document.getElementById('app')!;
let user: User | null = null;
let live: Live | null = null;
let cleanup: (() => void) | void;

export type PageContext = { user: User; live: Live; main: HTMLElement; navigate(hash: string): void };
type Page = { hash: string; label: Key; roles: User['role'][] };

const PAGES: Page[] = [
  { hash: '#/alerts', label: 'navBoard', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/routes', label: 'navRoutes', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/inspections', label: 'navInspections', roles: ['customs_officer', 'admin'] },
  { hash: '#/watchlist', label: 'navWatchlist', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/overview', label: 'navOverview', roles: ['postal_regulator', 'customs_officer', 'admin'] },
  { hash: '#/reports', label: 'navReports', roles: ['postal_regulator', 'customs_officer', 'admin'] },
];
const ROLE_NAMES: Record<User['role'], [string, string]> = {
  postal_regulator: ['邮政管理', 'Postal regulator'],
  customs_officer: ['海关', 'Customs'],
  admin: ['管理员', 'Admin'],
  courier: ['快递员', 'Courier'],
};

whenLoggedOut(() => {
  live?.close();
  live = null;
  user = null;
  renderLogin();
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
  live ??= connectLive();
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/alerts');
  renderShell();
  route();
}

function renderShell() {
  const u = user!;
  const role = ROLE_NAMES[u.role][currentLang() === 'zh' ? 0 : 1];
  app.innerHTML = `
    <header class="top">
      <a class="brand" href="#/alerts">ParcelGuard <small>${esc(t('title'))}</small></a>
      <nav>${PAGES.filter((p) => p.roles.includes(u.role)).map((p) => `<a href="${p.hash}" data-nav="${p.hash}">${esc(t(p.label))}</a>`).join('')}</nav>
      <div class="who">
        <span class="live-state" id="live-state"></span>
        <button class="ghost" type="button" id="sound"></button>
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
  live!.bindShell(app.querySelector('#live-state')!, app.querySelector('#toasts')!);
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
  for (const a of app.querySelectorAll<HTMLAnchorElement>('[data-nav]')) a.classList.toggle('active', `#/${parts[0]}` === a.dataset.nav);
  const ctx: PageContext = { user, live, main, navigate: (hash) => (location.hash = hash) };
  const params = new URLSearchParams(query);
  main.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
  const pages: Record<string, () => (() => void) | void> = {
    alerts: () => (parts[1] ? renderAlert(ctx, parts[1]) : renderBoard(ctx, params)),
    routes: () => (parts[1] ? renderRoute(ctx, decodeURIComponent(parts[1])) : renderRoutes(ctx)),
    inspections: () => renderInspections(ctx, params),
    watchlist: () => renderWatchlist(ctx, params),
    overview: () => renderOverview(ctx, params),
    reports: () => renderReports(ctx, params),
  };
  cleanup = (pages[parts[0] ?? ''] ?? pages.alerts!)();
}

window.addEventListener('hashchange', route);
void start();
