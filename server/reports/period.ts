// Report periods in China Standard Time: the day and the ISO 8601 week an officer means are those of
// Beijing time (UTC+8, no daylight saving since 1991), whatever the server's or the database's time zone.
// Pure and import-free: the report queries take the instants these compute, and the console bundles it.

export const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** SQL for a timestamptz column's calendar day in China time, independent of the session's TimeZone. */
export const chinaDaySql = (column: string) => `((${column} at time zone 'UTC') + interval '8 hours')::date`;

export type Period = { from: Date; to: Date };
export type IsoWeek = Period & { week: string; year: number; number: number; days: string[] };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The calendar day (YYYY-MM-DD) in China of an instant. */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight in China at the start of a YYYY-MM-DD day, as an instant. */
export function chinaMidnight(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS);
}

/** ISO weeks in a year: 53 when 1 January is a Thursday, or a Wednesday in a leap year. */
export function weeksInIsoYear(year: number): number {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** 'YYYY-Www' → Monday 00:00 to the next Monday 00:00, China time; null when no such week exists. */
export function parseIsoWeek(text: string): IsoWeek | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const number = Number(m[2]);
  if (year < 2000 || number < 1 || number > weeksInIsoYear(year)) return null;
  // Week 1 is the week with the year's first Thursday, i.e. the one holding 4 January.
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const monday = mondayOfWeek1 + (number - 1) * 7 * DAY_MS;
  const days = Array.from({ length: 7 }, (_, i) => new Date(monday + i * DAY_MS).toISOString().slice(0, 10));
  return { week: `${year}-W${pad(number)}`, year, number, days, from: chinaMidnight(days[0]!), to: chinaMidnight(new Date(monday + 7 * DAY_MS).toISOString().slice(0, 10)) };
}

/** The ISO week (YYYY-Www) an instant falls in, China time. */
export function isoWeekOf(at: Date): string {
  const day = new Date(Date.parse(`${chinaDay(at)}T00:00:00Z`));
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const number = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${pad(number)}`;
}

/** A YYYY-MM-DD day `n` days later (earlier when negative). */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** An instant as Beijing wall time to the minute, 'YYYY-MM-DD HH:mm'. */
export const chinaMinute = (at: Date | string) => new Date(new Date(at).getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');

/** The days from `from` to `to` inclusive (YYYY-MM-DD), for charts that must show days with nothing. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
