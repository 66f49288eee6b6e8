// GET /api/reports/weekly (JSON, XLSX or CSV) and GET /api/stats/overview (the console's charts), each over the
// caller's jurisdiction — or a part of it — and, for customs officers, its cross-border parcels.
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/api.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { BadRequestError, NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { ARCHIVE_FORMATS, CONTENT_TYPES, findArchived, listArchive } from './archive.js';
import { monthlyCsv, monthlyXlsx } from './monthly-export.js';
import { buildMonthlyReport, monthlyReportSchema, parseMonth } from './monthly.js';
import { ALERT_ROLES } from '../realtime/socket.js';
import { weeklyCsv, weeklyXlsx } from './export.js';
import { buildOverview, overviewSchema } from './overview.js';
import { addDays, chinaDay, daysBetween, isoWeekOf, parseIsoWeek } from './period.js';
import { reportScope } from './scope.js';
import { buildWeeklyReport, weeklyReportSchema } from './weekly.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const jurisdiction = z
  .string()
  .regex(/^[1-9][0-9]([0-9]{2})?$/, 'A province (2 digits) or city (4 digits) GB/T 2260 code.')
  .optional()
  .meta({ description: 'Part of your jurisdiction; default all of it' });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A day as YYYY-MM-DD (China time).');
/** The longest overview period: a year, day by day. */
const MAX_DAYS = 366;

const REPORT_MESSAGES = defineMessages({
  REPORT_NOT_FOUND: { en: 'No stored report {id} in your jurisdiction.', zh: '您的辖区内没有已存档报表 {id}。' },
});

export function registerReportRoutes(api: Api, { db }: AppContext) {
  api.route({
    method: 'get',
    path: '/api/reports/weekly',
    tag: 'Reports',
    summary: 'The weekly progress table for an ISO week (China time): intakes, refusals by reason, holds, suspect-list hits, alerts, seizures, rate changes and the confirmed cases; as JSON, XLSX or CSV',
    access: { roles: ALERT_ROLES },
    query: z.object({
      week: z.string().max(10).optional().meta({ description: 'YYYY-Www (ISO 8601); default the current week', example: '2026-W47' }),
      format: z.enum(['json', 'xlsx', 'csv']).default('json'),
      jurisdiction,
    }),
    responses: {
      200: { description: 'The report', schema: weeklyReportSchema },
      422: { description: 'WEEK_INVALID (no such week) or WEEK_IN_FUTURE' },
    },
    handler: async ({ query, user, res, req }) => {
      const now = new Date();
      const week = parseWeek(query.week ?? isoWeekOf(now), now);
      const scope = reportScope(user, query.jurisdiction);
      const report = await buildWeeklyReport(db, scope, week, user.username, now);
      if (query.format === 'json') return { status: 200, body: report };
      // A file that leaves the system is recorded: what, for which area, by whom.
      await recordAudit(db, {
        actor: user,
        action: 'report.weekly.export',
        subjectType: 'report',
        subjectId: `${week.week}/${scope.prefix ?? 'CN'}`,
        requestId: String(req.id),
        details: { format: query.format, crossBorderOnly: scope.crossBorderOnly },
      });
      const name = `parcelguard-weekly-${week.week}-${scope.prefix ?? 'CN'}`;
      res.attachment(`${name}.${query.format}`);
      res.setHeader('Cache-Control', 'no-store');
      if (query.format === 'xlsx') res.type(XLSX_TYPE).send(await weeklyXlsx(report));
      else res.type('text/csv; charset=utf-8').send(weeklyCsv(report));
    },
  });

  api.route({
    method: 'get',
    path: '/api/reports/monthly',
    tag: 'Reports',
    summary: 'The monthly summary for a calendar month (China time), a row per province in your scope and the total: intakes by verdict, holds and how long decisions took, alerts, key cases, customs selections and seizures; as JSON, XLSX or CSV',
    access: { roles: ALERT_ROLES },
    query: z.object({
      month: z.string().max(7).optional().meta({ description: 'YYYY-MM; default the current month', example: '2026-11' }),
      format: z.enum(['json', 'xlsx', 'csv']).default('json'),
      jurisdiction,
    }),
    responses: {
      200: { description: 'The summary', schema: monthlyReportSchema },
      422: { description: 'MONTH_INVALID or MONTH_IN_FUTURE' },
    },
    handler: async ({ query, user, res, req }) => {
      const now = new Date();
      const text = query.month ?? chinaDay(now).slice(0, 7);
      const month = parseMonth(text);
      if (!month) throw new ValidationError('query.month', 'MONTH_INVALID', `${text} is not a month; write YYYY-MM, e.g. 2026-11.`);
      if (month.from > now) throw new ValidationError('query.month', 'MONTH_IN_FUTURE', `${text} has not begun yet.`);
      const scope = reportScope(user, query.jurisdiction);
      const report = await buildMonthlyReport(db, scope, month, user.username, now);
      if (query.format === 'json') return { status: 200, body: report };
      await recordAudit(db, {
        actor: user,
        action: 'report.monthly.export',
        subjectType: 'report',
        subjectId: `${month.month}/${scope.prefix ?? 'CN'}`,
        requestId: String(req.id),
        details: { format: query.format, crossBorderOnly: scope.crossBorderOnly },
      });
      res.attachment(`parcelguard-monthly-${month.month}-${scope.prefix ?? 'CN'}.${query.format}`);
      res.setHeader('Cache-Control', 'no-store');
      if (query.format === 'xlsx') res.type(XLSX_TYPE).send(await monthlyXlsx(report));
      else res.type('text/csv; charset=utf-8').send(monthlyCsv(report));
    },
  });

  const archived = z.object({
    id: z.string(),
    kind: z.enum(['weekly', 'monthly']),
    period: z.string(),
    scope: z.string().meta({ description: "'national', a jurisdiction (44), or a customs scope (44-cross-border)" }),
    format: z.enum(ARCHIVE_FORMATS),
    sha256: z.string(),
    bytes: z.number().int(),
    generatedAt: z.string(),
  });
  api.route({
    method: 'get',
    path: '/api/reports/archive',
    tag: 'Reports',
    summary: 'Stored reports (generated every Friday 17:00 and on the last day of the month 17:00, Beijing time) of your jurisdiction, newest first',
    access: { roles: ALERT_ROLES },
    query: z.object({
      kind: z.enum(['weekly', 'monthly']).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page of stored reports', schema: z.object({ reports: z.array(archived), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await listArchive(db, user, { ...(query.kind ? { kind: query.kind } : {}), limit: query.limit, ...(cursor ? { cursor } : {}) });
      const { page, nextCursor } = pageOf(rows, query.limit, (r) => ({ at: r.generatedAt, id: r.id }));
      return { status: 200, body: { reports: page.map((r) => ({ ...r, generatedAt: r.generatedAt.toISOString() })), nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/reports/archive/:id',
    tag: 'Reports',
    summary: 'A stored report, byte for byte as stored, with its SHA-256 (X-Content-SHA256 and Digest); audited as an export',
    access: { roles: ALERT_ROLES },
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: 'The file' }, 404: { description: 'No such report in your jurisdiction' } },
    handler: async ({ params, user, res, req }) => {
      const row = await findArchived(db, user, params.id);
      if (!row) throw withMessage(new NotFoundError('', 'REPORT_NOT_FOUND'), bilingual(REPORT_MESSAGES.REPORT_NOT_FOUND, { id: params.id }));
      await recordAudit(db, {
        actor: user,
        action: 'report.archive.download',
        subjectType: 'report_archive',
        subjectId: row.id,
        requestId: String(req.id),
        details: { kind: row.kind, period: row.period, scope: row.scope, format: row.format, sha256: row.sha256 },
      });
      res.attachment(`parcelguard-${row.kind}-${row.period}-${row.scope}.${row.format}`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-SHA256', row.sha256);
      res.setHeader('Digest', `sha-256=${Buffer.from(row.sha256, 'hex').toString('base64')}`);
      res.status(200).type(CONTENT_TYPES[row.format]).send(Buffer.from(row.content));
    },
  });

  api.route({
    method: 'get',
    path: '/api/stats/overview',
    tag: 'Reports',
    summary: 'Figures for charts over a period of China-time days (default the last 14): intakes per day by verdict, holds and refusals by reason, alerts by route and outlet, top destinations',
    access: { roles: ALERT_ROLES },
    query: z.object({ from: day.optional(), to: day.optional(), jurisdiction }),
    responses: {
      200: { description: 'The figures', schema: overviewSchema },
      422: { description: 'PERIOD_INVALID (to before from, or not a real day) or PERIOD_TOO_LONG (over a year)' },
    },
    handler: async ({ query, user }) => {
      const to = query.to ?? chinaDay(new Date());
      const from = query.from ?? addDays(to, -13);
      for (const [path, value] of [['query.from', from], ['query.to', to]] as const) {
        if (Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
          throw new ValidationError(path, 'PERIOD_INVALID', `${value} is not a day of the calendar.`);
        }
      }
      if (from > to) throw new ValidationError('query.from', 'PERIOD_INVALID', `The period starts (${from}) after it ends (${to}).`);
      if (daysBetween(from, to).length > MAX_DAYS) throw new ValidationError('query.to', 'PERIOD_TOO_LONG', `Choose at most ${MAX_DAYS} days.`);
      return { status: 200, body: await buildOverview(db, reportScope(user, query.jurisdiction), from, to) };
    },
  });
}

function parseWeek(text: string, now: Date) {
  if (!/^\d{4}-W\d{2}$/.test(text)) {
    throw new BadRequestError('week is an ISO week, YYYY-Www, e.g. 2026-W47.', [{ path: 'query.week', code: 'WEEK_INVALID', message: 'Write the week as YYYY-Www, e.g. 2026-W47.' }], 'WEEK_INVALID');
  }
  const week = parseIsoWeek(text);
  if (!week) throw new ValidationError('query.week', 'WEEK_INVALID', `${text.slice(0, 4)} has no week ${text.slice(6)}.`);
  if (week.from > now) throw new ValidationError('query.week', 'WEEK_IN_FUTURE', `${week.week} has not begun yet.`);
  return week;
}
