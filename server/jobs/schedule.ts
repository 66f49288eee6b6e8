// Schedule rules (STYLE.md #11: schedules are data) and the next occurrence they give, in Beijing time whatever
// the server's TZ. Pure: the scheduler tick and the table tests both call nextOccurrence.
//   every 60s                        — aligned to multiples of n seconds since the epoch, so every process agrees
//   weekly fri 17:00 Asia/Shanghai   — 每周五 17:00 (the weekly progress table goes up every Friday)
//   monthly last 17:00 Asia/Shanghai — the last day of each month at 17:00
import { CHINA_OFFSET_MS, chinaDay, isoWeekOf } from '../reports/period.js';

export type ScheduleRule =
  | { type: 'every'; seconds: number }
  | { type: 'weekly'; weekday: number; minuteOfDay: number }
  | { type: 'monthly-last'; minuteOfDay: number };

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_MS = 86_400_000;
/** The only time zone the rules speak: China has one, without daylight saving since 1991. */
const ZONE = 'Asia/Shanghai';

export class ScheduleRuleError extends Error {
  constructor(rule: string, why: string) {
    super(`Schedule rule "${rule}": ${why}`);
    this.name = 'ScheduleRuleError';
  }
}

function minuteOf(rule: string, hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new ScheduleRuleError(rule, `${hhmm} is not a time HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function zoneOf(rule: string, zone: string | undefined) {
  if (zone !== ZONE) throw new ScheduleRuleError(rule, `the time zone must be ${ZONE}`);
}

export function parseScheduleRule(rule: string): ScheduleRule {
  const words = rule.trim().split(/\s+/);
  if (words[0] === 'every' && words.length === 2) {
    const m = /^(\d{1,6})s$/.exec(words[1]!);
    if (!m || Number(m[1]) < 1) throw new ScheduleRuleError(rule, 'write every <n>s with n ≥ 1');
    return { type: 'every', seconds: Number(m[1]) };
  }
  if (words[0] === 'weekly' && words.length === 4) {
    const weekday = WEEKDAYS.indexOf(words[1]!.toLowerCase());
    if (weekday < 0) throw new ScheduleRuleError(rule, `${words[1]} is not a day (mon … sun)`);
    zoneOf(rule, words[3]);
    return { type: 'weekly', weekday, minuteOfDay: minuteOf(rule, words[2]!) };
  }
  if (words[0] === 'monthly' && words[1] === 'last' && words.length === 4) {
    zoneOf(rule, words[3]);
    return { type: 'monthly-last', minuteOfDay: minuteOf(rule, words[2]!) };
  }
  throw new ScheduleRuleError(rule, 'expected every <n>s, weekly <dow> HH:MM Asia/Shanghai or monthly last HH:MM Asia/Shanghai');
}

/** Beijing wall-clock midnight of a YYYY-MM-DD day plus minutes, as an instant. */
const beijing = (day: string, minuteOfDay: number) => new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS + minuteOfDay * 60_000);

/** The first occurrence strictly after `after`. */
export function nextOccurrence(rule: ScheduleRule, after: Date): Date {
  const t = after.getTime();
  if (rule.type === 'every') {
    const n = rule.seconds * 1000;
    return new Date(Math.floor(t / n) * n + n);
  }
  const today = chinaDay(after);
  if (rule.type === 'weekly') {
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0, in Beijing
    let day = Date.parse(`${today}T00:00:00Z`) + ((rule.weekday - weekday + 7) % 7) * DAY_MS;
    let at = beijing(new Date(day).toISOString().slice(0, 10), rule.minuteOfDay);
    if (at.getTime() <= t) {
      day += 7 * DAY_MS;
      at = beijing(new Date(day).toISOString().slice(0, 10), rule.minuteOfDay);
    }
    return at;
  }
  // Last day of the month: the day before the 1st of the next month (28, 29, 30 or 31).
  const [y, m] = today.split('-').map(Number) as [number, number];
  for (let k = 0; ; k++) {
    const lastDay = new Date(Date.UTC(y, m - 1 + k + 1, 0)).toISOString().slice(0, 10);
    const at = beijing(lastDay, rule.minuteOfDay);
    if (at.getTime() > t) return at;
  }
}

/**
 * The occurrence's name, which makes its job key: a week (2026-W48) or a month (2026-11) for reports, the instant
 * for short periods. Two processes turning the same occurrence into a job compute the same key, so it is enqueued once.
 */
export function occurrenceName(rule: ScheduleRule, at: Date): string {
  if (rule.type === 'weekly') return isoWeekOf(at);
  if (rule.type === 'monthly-last') return chinaDay(at).slice(0, 7);
  return at.toISOString();
}
