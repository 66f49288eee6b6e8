// Small things every page uses.
import { ApiProblem } from '../api.js';
import { addDays, chinaDay, chinaMidnight } from '../../../server/reports/period.js';
import { t } from '../i18n.js';

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

export function showFieldErrors(form: HTMLFormElement, err: unknown, general: HTMLElement) {
  clearFieldErrors(form);
  const errors = err instanceof ApiProblem ? (err.problem.errors ?? []) : [];
  const unplaced: string[] = [];
  for (const e of errors) {
    const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(e.path.replace(/^(body|query)\./, ''))}"]`);
    if (!input) {
      unplaced.push(e.message);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const p = document.createElement('span');
    p.className = 'field-error';
    p.textContent = e.message;
    input.insertAdjacentElement('afterend', p);
  }
  general.textContent = errors.length && !unplaced.length ? '' : unplaced.join('; ') || problemText(err);
}
