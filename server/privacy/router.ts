// Retention and a person's own data: the schedule (GET /api/privacy/retention), purges on demand and their reports
// (POST /api/privacy/purge, GET /api/privacy/purges[/:jobId]), and the subject export (POST /api/privacy/subject-export).
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog, jobs, jobSchedules } from '../../models/schema.js';
import { AUDIT_ROLES } from '../accounts/access.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import { checkDocument, ID_TYPES } from '../identity/documents.js';
import { checkPhone, maskPhone } from '../identity/phones.js';
import type { Api } from '../http/api.js';
import { NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import type { JobHandler } from '../jobs/registry.js';
import { enqueueJob } from '../jobs/store.js';
import { tablesXlsx } from '../reports/export.js';
import { cutoffsOf, DATA_CLASSES, RETENTION_CLASSES, runPurge, type PurgeReport } from './retention.js';
import { buildSubjectExport, subjectIdMasked, subjectTables } from './subject-export.js';

export const PURGE_JOB_KIND = 'privacy.purge';
/** Daily, at 08:00 Beijing (every rule aligns to UTC midnight); chunks keep it out of the counters' way. */
export const PURGE_SCHEDULE = { name: 'privacy.purge', kind: PURGE_JOB_KIND, rule: 'every 86400s' };

/** pg_advisory_xact_lock key around POST /api/privacy/purge's check for a purge already queued and its enqueue. */
const PURGE_ENQUEUE_LOCK_ID = 7_245_021;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const PRIVACY_MESSAGES = defineMessages({
  PURGE_NOT_FOUND: { en: 'No purge job {id}.', zh: '没有清理任务 {id}。' },
  SUBJECT_ID_INVALID: { en: 'The document number is not valid for {idType}: {reason}.', zh: '证件号码不符合 {idType} 的规则：{reason}。' },
  SUBJECT_PHONE_INVALID: { en: 'The phone is not valid: {reason}', zh: '电话号码无效：{reasonZh}' },
});

/** The job: one purge as of the runner's clock, recorded in the audit trail with its counts (nothing personal). */
export const purgeJob: JobHandler = async (ctx, job, now) => {
  const report = await runPurge(ctx.db, ctx.vault, ctx.config.retention, now);
  const by = job.payload.requestedBy as { id: string; username: string } | undefined;
  await recordAudit(ctx.db, {
    actor: by ?? null,
    action: 'privacy.purge',
    subjectType: 'job',
    subjectId: job.id,
    details: { trigger: by ? 'on_demand' : 'schedule', ...report },
  });
  ctx.log.info({ jobId: job.id, classes: report.classes, related: report.related, durationMs: report.durationMs }, 'retention purge done');
};

const countsSchema = z.object({ removed: z.number().int(), anonymised: z.number().int(), waiting: z.number().int().meta({ description: 'Aged out but tied to open work (or being changed): left for a later run' }) });
const reportSchema = z
  .object({
    asOf: z.string(),
    cutoffs: z.record(z.string(), z.string()),
    classes: z.record(z.string(), countsSchema),
    related: z.object({ ringMembers: z.number().int(), ringKeys: z.number().int(), archiveRecords: z.number().int(), caseLinks: z.number().int(), loginRecords: z.number().int() }),
    durationMs: z.number(),
  })
  .meta({ id: 'PurgeReport' });
const purgeRunSchema = z
  .object({
    jobId: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    trigger: z.enum(['schedule', 'on_demand']),
    requestedBy: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    report: reportSchema.nullable(),
  })
  .meta({ id: 'PurgeRun' });

const subjectExportBody = z.strictObject({
  idType: z.enum(ID_TYPES),
  idNumber: z.string().trim().min(1).max(40),
  phone: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .optional()
    .meta({ description: 'A phone the person showed to be theirs (a code sent to it, a bill in their name): the only phone shown in full, and the one parcels addressed to them are found by. Without it every phone is masked and no received parcels are listed' }),
  reason: z.string().trim().min(1).max(500).meta({ description: "The person's request: date, channel, reference" }),
  format: z.enum(['json', 'xlsx']).default('json'),
  includeInvestigations: z.boolean().default(false).meta({ description: 'Add suspect-list, alert and case records (off: they can defeat an investigation, PIPL Art. 18, 35)' }),
});

export function registerPrivacyRoutes(api: Api, ctx: AppContext) {
  const { db, vault, config } = ctx;

  api.route({
    method: 'get',
    path: '/api/privacy/retention',
    tag: 'Privacy',
    summary: 'The retention schedule: each data class, how long it is kept, from when, what happens then, and why',
    access: { roles: AUDIT_ROLES },
    responses: {
      200: {
        description: 'The schedule',
        schema: z.object({
          classes: z.array(z.object({ key: z.enum(DATA_CLASSES), env: z.string(), days: z.number().int(), cutoff: z.string(), what: z.string(), whatZh: z.string(), from: z.string(), then: z.string(), why: z.string(), fromZh: z.string(), thenZh: z.string(), whyZh: z.string() })),
          chunkRows: z.number().int(),
          schedule: z.object({ rule: z.string(), nextRunAt: z.string().nullable() }),
        }),
      },
    },
    handler: async () => {
      const cutoffs = cutoffsOf(config.retention, new Date());
      const [s] = await db.select().from(jobSchedules).where(eq(jobSchedules.name, PURGE_SCHEDULE.name));
      return {
        status: 200,
        body: {
          classes: RETENTION_CLASSES.map((c) => ({ key: c.key, env: c.env, days: config.retention.days[c.setting], cutoff: cutoffs[c.key].toISOString(), what: c.what, whatZh: c.whatZh, from: c.from, then: c.then, why: c.why, fromZh: c.fromZh, thenZh: c.thenZh, whyZh: c.whyZh })),
          chunkRows: config.retention.chunkRows,
          schedule: { rule: PURGE_SCHEDULE.rule, nextRunAt: s?.nextRunAt.toISOString() ?? null },
        },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/api/privacy/purge',
    tag: 'Privacy',
    summary: 'Run the retention purge now (a job; a purge already queued or running is returned instead of a second)',
    access: { roles: ['admin'] },
    responses: { 202: { description: 'Queued; follow it at GET /api/privacy/purges/{jobId}', schema: z.object({ jobId: z.string(), state: z.string(), alreadyQueued: z.boolean() }) } },
    handler: async ({ req, user }) => {
      // Check and enqueue under one advisory lock: two admins pressing at once get the same job, not two purges.
      const outcome = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${PURGE_ENQUEUE_LOCK_ID})`);
        const [pending] = await tx
          .select({ id: jobs.id, state: jobs.state })
          .from(jobs)
          .where(and(eq(jobs.kind, PURGE_JOB_KIND), inArray(jobs.state, ['queued', 'running'])))
          .orderBy(desc(jobs.createdAt))
          .limit(1);
        if (pending) return { jobId: pending.id, state: pending.state, alreadyQueued: true };
        const key = `${PURGE_JOB_KIND}:on-demand:${req.id}:${Date.now()}`;
        await enqueueJob(tx, { kind: PURGE_JOB_KIND, key, payload: { requestedBy: { id: user.id, username: user.username } }, maxAttempts: 3 });
        const [job] = await tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.key, key));
        return { jobId: job!.id, state: 'queued', alreadyQueued: false };
      });
      if (!outcome.alreadyQueued) await recordAudit(db, { actor: user, action: 'privacy.purge_requested', subjectType: 'job', subjectId: outcome.jobId, requestId: String(req.id) });
      return { status: 202, body: outcome };
    },
  });

  async function runsOf(ids?: string[]) {
    const rows = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.kind, PURGE_JOB_KIND), ids ? inArray(jobs.id, ids) : undefined))
      .orderBy(desc(jobs.createdAt))
      .limit(ids ? ids.length : 20);
    const reports = rows.length
      ? await db
          .select({ subjectId: auditLog.subjectId, details: auditLog.details })
          .from(auditLog)
          .where(and(eq(auditLog.action, 'privacy.purge'), inArray(auditLog.subjectId, rows.map((r) => r.id))))
      : [];
    const byJob = new Map(reports.map((r) => [r.subjectId, r.details]));
    return rows.map((j) => {
      const by = j.payload.requestedBy as { username?: string } | undefined;
      const details = byJob.get(j.id) as (PurgeReport & { trigger?: string }) | undefined;
      return {
        jobId: j.id,
        state: j.state,
        trigger: by ? ('on_demand' as const) : ('schedule' as const),
        requestedBy: by?.username ?? null,
        createdAt: j.createdAt.toISOString(),
        finishedAt: j.finishedAt?.toISOString() ?? null,
        lastError: j.lastError,
        report: details ? { asOf: details.asOf, cutoffs: details.cutoffs, classes: details.classes, related: details.related, durationMs: details.durationMs } : null,
      };
    });
  }

  api.route({
    method: 'get',
    path: '/api/privacy/purges',
    tag: 'Privacy',
    summary: 'The latest 20 purges (scheduled and on demand), with their counts per data class',
    access: { roles: AUDIT_ROLES },
    responses: { 200: { description: 'Purges, newest first', schema: z.object({ purges: z.array(purgeRunSchema) }) } },
    handler: async () => ({ status: 200, body: { purges: await runsOf() } }),
  });

  api.route({
    method: 'get',
    path: '/api/privacy/purges/:jobId',
    tag: 'Privacy',
    summary: 'One purge: its job state and, once done, its counts per data class',
    access: { roles: AUDIT_ROLES },
    params: z.strictObject({ jobId: z.string().uuid() }),
    responses: { 200: { description: 'The purge', schema: purgeRunSchema }, 404: { description: 'PURGE_NOT_FOUND' } },
    handler: async ({ params }) => {
      const [run] = await runsOf([params.jobId]);
      if (!run) throw withMessage(new NotFoundError('', 'PURGE_NOT_FOUND'), bilingual(PRIVACY_MESSAGES.PURGE_NOT_FOUND, { id: params.jobId }));
      return { status: 200, body: run };
    },
  });

  api.route({
    method: 'post',
    path: '/api/privacy/subject-export',
    tag: 'Privacy',
    summary: "A person's own data (PIPL Art. 45) as a file: archive record, parcels sent and addressed to them; others masked; audited",
    access: { roles: ['admin'] },
    body: subjectExportBody,
    responses: {
      200: { description: 'The export (application/json or XLSX), as an attachment', contentType: 'application/json' },
      422: { description: 'ID_INVALID: the number fails its document rules' },
    },
    handler: async ({ req, res, body, user }) => {
      const doc = checkDocument(body.idType, body.idNumber);
      if (!doc.ok) {
        throw new ValidationError([{ path: 'idNumber', code: 'ID_INVALID', reason: doc.reason, ...bilingual(PRIVACY_MESSAGES.SUBJECT_ID_INVALID, { idType: body.idType, reason: doc.reason }) }]);
      }
      const phone = body.phone === undefined ? null : checkPhone(body.phone, 'CN');
      if (phone && !phone.ok) {
        throw new ValidationError([{ path: 'phone', code: 'PHONE_INVALID', ...bilingual(PRIVACY_MESSAGES.SUBJECT_PHONE_INVALID, { reason: phone.message, reasonZh: phone.messageZh }) }]);
      }
      const ownPhone = phone?.ok ? phone.e164 : null;
      const now = new Date();
      const { data, senderId } = await buildSubjectExport(db, vault, { idType: body.idType, idNumber: doc.normalized, phone: ownPhone }, { includeInvestigations: body.includeInvestigations, now });
      await recordAudit(db, {
        actor: user,
        action: 'privacy.subject_export',
        subjectType: 'sender',
        subjectId: senderId ?? undefined,
        requestId: String(req.id),
        details: {
          idType: body.idType,
          idMasked: subjectIdMasked(doc.normalized),
          idBlind: vault.blind('id_number', doc.normalized),
          // The phone the person showed to be theirs, as the lookup records one: masked, and the archive's blind index.
          phoneMasked: ownPhone ? maskPhone(ownPhone) : null,
          phoneBlind: ownPhone ? vault.blind('phone', ownPhone) : null,
          reason: body.reason,
          format: body.format,
          found: senderId !== null,
          parcelsSent: data.totals.parcelsSent,
          parcelsReceived: data.totals.parcelsReceived,
          includeInvestigations: body.includeInvestigations,
        },
      });
      const stem = `subject-export-${now.toISOString().slice(0, 10)}`;
      if (body.format === 'xlsx') {
        const t = subjectTables(data);
        res.setHeader('Content-Disposition', `attachment; filename="${stem}.xlsx"`);
        res.type(XLSX_TYPE).send(await tablesXlsx(t.heading, t.tables, data.generatedAt));
        return;
      }
      res.setHeader('Content-Disposition', `attachment; filename="${stem}.json"`);
      res.type('application/json').send(JSON.stringify(data, null, 2));
    },
  });
}
