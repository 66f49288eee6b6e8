// Small things every page uses.
import { ApiProblem, esc, fieldText, type FieldProblem } from '../api.js';
import { addDays, chinaDay, chinaMidnight } from '../../../server/reports/period.js';
import { currentLang, t } from '../i18n.js';

/** Midnight in Beijing at the start of a YYYY-MM-DD day (plus `days`), as an ISO instant. */
export const chinaDayStart = (day: string, days = 0) => chinaMidnight(addDays(day, days)).toISOString();

/** Today in Beijing, YYYY-MM-DD, or `minusDays` before it. */
export const chinaToday = (minusDays = 0) => addDays(chinaDay(new Date()), -minusDays);

export function debounce(fn: () => unknown, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

/** What went wrong, for the officer: the server's own words when it gave them. */
export function problemText(err: unknown): string {
  if (err instanceof ApiProblem) return err.message;
  return `${t('error')}: ${(err as Error)?.message ?? err}`;
}

/** Field problems of a 4xx next to their inputs (name = the API path); the rest in `general`. */
export function clearFieldErrors(form: HTMLFormElement) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}

/**
 * The input a problem's path names: `reason`, `body.reason`, `params.ruleKey`; a path into a list (`aliases.2`)
 * lands on the field that holds the list.
 */
function fieldFor(form: HTMLFormElement, path: string): HTMLElement | null {
  const parts = path.replace(/^(body|query|params)\./, '').split('.');
  for (let n = parts.length; n > 0; n--) {
    // data-field: an input renamed so it does not hide a form property (name="title" shadows form.title).
    const key = CSS.escape(parts.slice(0, n).join('.'));
    const input = form.querySelector<HTMLElement>(`[data-field="${key}"], [name="${key}"]`);
    if (input) return input;
  }
  return null;
}

/** `say`: a page's own words for a problem (its language, its codes); the server's own, in the console's language, by default. */
export function showFieldErrors(form: HTMLFormElement, err: unknown, general: HTMLElement, say: (e: FieldProblem) => string = fieldText) {
  clearFieldErrors(form);
  const errors = err instanceof ApiProblem ? (err.problem.errors ?? []) : [];
  const unplaced: string[] = [];
  for (const e of errors) {
    const input = fieldFor(form, e.path);
    if (!input) {
      unplaced.push(say(e));
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const p = document.createElement('span');
    p.className = 'field-error';
    p.textContent = say(e);
    input.insertAdjacentElement('afterend', p);
  }
  general.textContent = errors.length && !unplaced.length ? '' : unplaced.join('; ') || problemText(err);
}

/** How long, for a person: "1天3小时" / "1 d 3 h", "2小时15分" / "2 h 15 min", "5分" / "5 min". */
export function fmtDuration(ms: number): string {
  const zh = currentLang() === 'zh';
  const min = Math.floor(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d) return zh ? `${d}天${h}小时` : `${d} d ${h} h`;
  if (h) return zh ? `${h}小时${m}分` : `${h} h ${m} min`;
  return zh ? `${m}分` : `${m} min`;
}

/** A Beijing-time "YYYY-MM-DDTHH:mm" (an <input type="datetime-local">) as an ISO instant. */
export const chinaLocalToIso = (local: string) => new Date(`${local}:00+08:00`).toISOString();
/** An ISO instant as a Beijing-time "YYYY-MM-DDTHH:mm". */
export const isoToChinaLocal = (iso: string) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16);

/** Sub-pages under one navigation entry (线路 | 重点监管商品). */
export const subTabs = (tabs: [hash: string, label: string][], active: string) =>
  `<nav class="tabs">${tabs.map(([hash, label]) => `<a href="${esc(hash)}" class="${hash === active ? 'active' : ''}"${hash === active ? ' aria-current="page"' : ''}>${esc(label)}</a>`).join('')}</nav>`;

/** The routes page and the key-goods page sit under one navigation entry. */
export const routesTabs = (active: string) => subTabs([['#/routes', t('tabRoutes')], ['#/goods-rules', t('tabGoods')]], active);
