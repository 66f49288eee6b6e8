// Service accounts (机器客户端) and their API keys, managed by admins: a carrier's or contract customer's system
// acts as a courier of one outlet, or of any outlet of one carrier (X-Outlet-Id), without a person logging in.
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys, outlets, users } from '../../models/schema.js';
import { announceRevocation, revokeUserSessions } from '../accounts/revocation.js';
import { usernameSchema } from '../accounts/users.js';
import { recordAudit } from '../audit/audit.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { ConflictError, NotFoundError, ValidationError, withMessage } from '../http/errors.js';
import { bilingual } from '../i18n/messages.js';
import { newApiKey } from './keys.js';
import './messages.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const keyParams = z.strictObject({ id: z.string().uuid(), keyId: z.string().uuid() });

const newServiceAccountSchema = z
  .strictObject({
    name: usernameSchema,
    outletId: z.string().trim().min(1).max(64).optional(),
    carrier: z.string().trim().min(1).max(64).optional(),
  })
  .meta({ id: 'NewServiceAccount' });

const serviceAccountSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    outletId: z.string().nullable(),
    carrier: z.string().nullable(),
    disabled: z.boolean(),
    createdAt: z.string(),
    activeKeys: z.number().int(),
  })
  .meta({ id: 'ServiceAccount' });

const apiKeySchema = z
  .object({
    id: z.string().uuid(),
    prefix: z.string(),
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const issuedKeySchema = apiKeySchema.extend({ key: z.string() }).meta({ id: 'IssuedApiKey' });

const newKeySchema = z
  .strictObject({
    label: z.string().trim().max(100).default(''),
    /** Optional end of validity; a key without one lasts until revoked. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'NewApiKey' });

const rotateSchema = z
  .strictObject({
    label: z.string().trim().max(100).optional(),
    /** The old key stops working this many seconds from now (0: at once); absent: it stays until revoked. */
    revokeOldAfterSeconds: z.number().int().min(0).max(30 * 86_400).optional(),
  })
  .meta({ id: 'RotateApiKey' });

type KeyRow = typeof apiKeys.$inferSelect;
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const presentKey = (k: KeyRow) => ({
  id: k.id,
  prefix: k.prefix,
  label: k.label,
  createdAt: k.createdAt.toISOString(),
  expiresAt: iso(k.expiresAt),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

function notFound(id: string) {
  return withMessage(new NotFoundError('', 'SERVICE_ACCOUNT_NOT_FOUND'), bilingual('SERVICE_ACCOUNT_NOT_FOUND', { id }));
}

async function loadAccount(db: Queryable, id: string) {
  const [row] = await db.select().from(users).where(and(eq(users.id, id), eq(users.kind, 'service')));
  if (!row) throw notFound(id);
  return row;
}

async function issueKey(db: Queryable, userId: string, label: string, expiresAt: Date | null, createdBy: string) {
  const fresh = newApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ userId, prefix: fresh.prefix, secretHash: fresh.secretHash, label, expiresAt, createdBy })
    .returning();
  return { ...presentKey(row!), key: fresh.key };
}

export function registerServiceAccountRoutes(api: Api, ctx: AppContext) {
  const { db } = ctx;

  api.route({
    method: 'post',
    path: '/api/service-accounts',
    tag: 'Machine clients',
    summary: 'Create a service account for a carrier system: scoped to one outlet (outletId) or to every outlet of a carrier (carrier)',
    access: { roles: ['admin'] },
    body: newServiceAccountSchema,
    responses: {
      201: { description: 'Created (no key yet: issue one with POST /api/service-accounts/{id}/keys)', schema: serviceAccountSchema },
      409: { description: 'SERVICE_NAME_TAKEN' },
      422: { description: 'SERVICE_SCOPE_REQUIRED, SERVICE_OUTLET_UNKNOWN, SERVICE_CARRIER_UNKNOWN' },
    },
    handler: async ({ req, body, user }) => {
      if ((body.outletId === undefined) === (body.carrier === undefined)) {
        const t = bilingual('SERVICE_SCOPE_REQUIRED');
        throw new ValidationError([{ path: body.outletId === undefined ? 'outletId' : 'carrier', code: 'SERVICE_SCOPE_REQUIRED', ...t }]);
      }
      if (body.outletId !== undefined) {
        const [o] = await db.select({ id: outlets.id }).from(outlets).where(eq(outlets.id, body.outletId));
        if (!o) throw new ValidationError([{ path: 'outletId', code: 'SERVICE_OUTLET_UNKNOWN', ...bilingual('SERVICE_OUTLET_UNKNOWN', { outletId: body.outletId }) }]);
      } else {
        const [o] = await db.select({ id: outlets.id }).from(outlets).where(eq(outlets.carrier, body.carrier!)).limit(1);
        if (!o) throw new ValidationError([{ path: 'carrier', code: 'SERVICE_CARRIER_UNKNOWN', ...bilingual('SERVICE_CARRIER_UNKNOWN', { carrier: body.carrier! }) }]);
      }
      // The account and its audit row together (audit last): no account that the trail does not show.
      const row = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(users)
          .values({
            username: body.name,
            // Never a valid hash: no password can match it, and login refuses service accounts anyway.
            passwordHash: '!service-account',
            role: 'courier',
            kind: 'service',
            outletId: body.outletId ?? null,
            carrier: body.carrier ?? null,
          })
          .onConflictDoNothing({ target: users.username })
          .returning();
        if (!row) throw withMessage(new ConflictError('', 'SERVICE_NAME_TAKEN'), bilingual('SERVICE_NAME_TAKEN', { name: body.name }));
        await recordAudit(tx, {
          actor: user,
          action: 'service_account.create',
          subjectType: 'user',
          subjectId: row.username,
          requestId: String(req.id),
          details: { outletId: row.outletId, carrier: row.carrier },
        });
        return row;
      });
      return { status: 201, body: { id: row.id, name: row.username, outletId: row.outletId, carrier: row.carrier, disabled: row.disabled, createdAt: row.createdAt.toISOString(), activeKeys: 0 } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/service-accounts',
    tag: 'Machine clients',
    summary: 'List service accounts with their number of keys in force',
    access: { roles: ['admin'] },
    responses: { 200: { description: 'Service accounts', schema: z.object({ serviceAccounts: z.array(serviceAccountSchema) }) } },
    handler: async () => {
      const rows = await db
        .select({
          id: users.id,
          name: users.username,
          outletId: users.outletId,
          carrier: users.carrier,
          disabled: users.disabled,
          createdAt: users.createdAt,
          activeKeys: sql<number>`(select count(*)::int from api_keys k where k.user_id = users.id and k.revoked_at is null and (k.expires_at is null or k.expires_at > now()))`,
        })
        .from(users)
        .where(eq(users.kind, 'service'))
        .orderBy(asc(users.username));
      return { status: 200, body: { serviceAccounts: rows.map((r) => ({ ...r, activeKeys: Number(r.activeKeys), createdAt: r.createdAt.toISOString() })) } };
    },
  });

  api.route({
    method: 'patch',
    path: '/api/service-accounts/:id',
    tag: 'Machine clients',
    summary: 'Disable (or enable again) a service account: every key of a disabled account is refused at once',
    access: { roles: ['admin'] },
    params: idParams,
    body: z.strictObject({ disabled: z.boolean() }).meta({ id: 'ServiceAccountPatch' }),
    responses: { 200: { description: 'The account as changed', schema: serviceAccountSchema }, 404: { description: 'SERVICE_ACCOUNT_NOT_FOUND' } },
    handler: async ({ req, params, body, user }) => {
      const { row, revocation } = await db.transaction(async (tx) => {
        await loadAccount(tx, params.id);
        const [row] = await tx.update(users).set({ disabled: body.disabled }).where(eq(users.id, params.id)).returning();
        // The same path as a person's disabling: this process's cache and (NOTIFY) every other process's forget it.
        const revocation = await revokeUserSessions(tx, ctx.dbKind, params.id, { endSockets: true });
        await recordAudit(tx, {
          actor: user,
          action: body.disabled ? 'service_account.disable' : 'service_account.enable',
          subjectType: 'user',
          subjectId: row!.username,
          requestId: String(req.id),
        });
        return { row: row!, revocation };
      });
      announceRevocation(ctx.bus, revocation);
      const [{ n } = { n: 0 }] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(apiKeys)
        .where(and(eq(apiKeys.userId, row.id), isNull(apiKeys.revokedAt)));
      return {
        status: 200,
        body: { id: row.id, name: row.username, outletId: row.outletId, carrier: row.carrier, disabled: row.disabled, createdAt: row.createdAt.toISOString(), activeKeys: Number(n) },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/api/service-accounts/:id/keys',
    tag: 'Machine clients',
    summary: 'Issue an API key: `key` is shown in this answer only (only a hash of its secret is kept)',
    access: { roles: ['admin'] },
    params: idParams,
    body: newKeySchema,
    responses: {
      201: { description: 'The new key, once', schema: issuedKeySchema },
      404: { description: 'SERVICE_ACCOUNT_NOT_FOUND' },
      422: { description: 'SERVICE_ACCOUNT_DISABLED, API_KEY_EXPIRY_INVALID' },
    },
    handler: async ({ req, params, body, user }) => {
      const account = await loadAccount(db, params.id);
      if (account.disabled) throw new ValidationError([{ path: 'id', code: 'SERVICE_ACCOUNT_DISABLED', ...bilingual('SERVICE_ACCOUNT_DISABLED') }]);
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      if (expiresAt && expiresAt <= new Date()) throw new ValidationError([{ path: 'expiresAt', code: 'API_KEY_EXPIRY_INVALID', ...bilingual('API_KEY_EXPIRY_INVALID') }]);
      const issued = await db.transaction(async (tx) => {
        const issued = await issueKey(tx, account.id, body.label, expiresAt, user.id);
        await recordAudit(tx, {
          actor: user,
          action: 'api_key.issue',
          subjectType: 'user',
          subjectId: account.username,
          requestId: String(req.id),
          details: { keyId: issued.id, prefix: issued.prefix, label: issued.label, expiresAt: issued.expiresAt },
        });
        return issued;
      });
      return { status: 201, body: issued, headers: { 'Cache-Control': 'no-store' } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/service-accounts/:id/keys',
    tag: 'Machine clients',
    summary: "A service account's keys: prefix, label, created, last used, expiry, revoked (never the secret)",
    access: { roles: ['admin'] },
    params: idParams,
    responses: { 200: { description: 'Keys, newest first', schema: z.object({ keys: z.array(apiKeySchema) }) }, 404: { description: 'SERVICE_ACCOUNT_NOT_FOUND' } },
    handler: async ({ params }) => {
      await loadAccount(db, params.id);
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, params.id)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
      return { status: 200, body: { keys: rows.map(presentKey) } };
    },
  });

  /** Revokes one key of the account, or says why not; inside the caller's transaction. */
  async function revokeKey(tx: Queryable, accountId: string, keyId: string, by: string, at: Date): Promise<KeyRow> {
    const [key] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, accountId))).for('update');
    if (!key) throw withMessage(new NotFoundError('', 'API_KEY_NOT_FOUND'), bilingual('API_KEY_NOT_FOUND', { id: keyId }));
    if (key.revokedAt) throw withMessage(new ConflictError('', 'API_KEY_REVOKED'), bilingual('API_KEY_REVOKED', { id: keyId }));
    const [row] = await tx.update(apiKeys).set({ revokedAt: at, revokedBy: by }).where(eq(apiKeys.id, keyId)).returning();
    return row!;
  }

  api.route({
    method: 'delete',
    path: '/api/service-accounts/:id/keys/:keyId',
    tag: 'Machine clients',
    summary: 'Revoke a key: refused from the next request on, in every server process',
    access: { roles: ['admin'] },
    params: keyParams,
    responses: { 204: { description: 'Revoked' }, 404: { description: 'SERVICE_ACCOUNT_NOT_FOUND, API_KEY_NOT_FOUND' }, 409: { description: 'API_KEY_REVOKED' } },
    handler: async ({ req, params, user }) => {
      const revocation = await db.transaction(async (tx) => {
        const account = await loadAccount(tx, params.id);
        const key = await revokeKey(tx, account.id, params.keyId, user.id, new Date());
        const revocation = await revokeUserSessions(tx, ctx.dbKind, account.id, { endSessions: false, endSockets: false });
        await recordAudit(tx, {
          actor: user,
          action: 'api_key.revoke',
          subjectType: 'user',
          subjectId: account.username,
          requestId: String(req.id),
          details: { keyId: key.id, prefix: key.prefix },
        });
        return revocation;
      });
      announceRevocation(ctx.bus, revocation);
      return { status: 204 };
    },
  });

  api.route({
    method: 'post',
    path: '/api/service-accounts/:id/keys/:keyId/rotate',
    tag: 'Machine clients',
    summary: 'Rotate a key: a new key (shown once) beside the old, which stops after revokeOldAfterSeconds (0: at once) or stays until revoked',
    access: { roles: ['admin'] },
    params: keyParams,
    body: rotateSchema,
    responses: {
      201: { description: 'The new key, once; `old` is the old key as it now stands', schema: issuedKeySchema.extend({ old: apiKeySchema }) },
      404: { description: 'SERVICE_ACCOUNT_NOT_FOUND, API_KEY_NOT_FOUND' },
      409: { description: 'API_KEY_REVOKED' },
      422: { description: 'SERVICE_ACCOUNT_DISABLED' },
    },
    handler: async ({ req, params, body, user }) => {
      const now = new Date();
      const { issued, old, revocation } = await db.transaction(async (tx) => {
        const account = await loadAccount(tx, params.id);
        if (account.disabled) throw new ValidationError([{ path: 'id', code: 'SERVICE_ACCOUNT_DISABLED', ...bilingual('SERVICE_ACCOUNT_DISABLED') }]);
        const [current] = await tx.select().from(apiKeys).where(and(eq(apiKeys.id, params.keyId), eq(apiKeys.userId, account.id))).for('update');
        if (!current) throw withMessage(new NotFoundError('', 'API_KEY_NOT_FOUND'), bilingual('API_KEY_NOT_FOUND', { id: params.keyId }));
        if (current.revokedAt) throw withMessage(new ConflictError('', 'API_KEY_REVOKED'), bilingual('API_KEY_REVOKED', { id: params.keyId }));
        const issued = await issueKey(tx, account.id, body.label ?? current.label, current.expiresAt, user.id);
        let old = current;
        let revocation = null;
        if (body.revokeOldAfterSeconds === 0) {
          old = await revokeKey(tx, account.id, current.id, user.id, now);
        } else if (body.revokeOldAfterSeconds !== undefined) {
          const until = new Date(now.getTime() + body.revokeOldAfterSeconds * 1000);
          if (!current.expiresAt || current.expiresAt > until) {
            [old] = (await tx.update(apiKeys).set({ expiresAt: until }).where(eq(apiKeys.id, current.id)).returning()) as [KeyRow];
          }
        }
        if (body.revokeOldAfterSeconds !== undefined) revocation = await revokeUserSessions(tx, ctx.dbKind, account.id, { endSessions: false, endSockets: false });
        await recordAudit(tx, {
          actor: user,
          action: 'api_key.rotate',
          subjectType: 'user',
          subjectId: account.username,
          requestId: String(req.id),
          details: { oldKeyId: current.id, oldPrefix: current.prefix, newKeyId: issued.id, newPrefix: issued.prefix, oldEndsAt: iso(old.revokedAt ?? old.expiresAt) },
        });
        return { issued, old, revocation };
      });
      if (revocation) announceRevocation(ctx.bus, revocation);
      // The new key is in this answer: no cache along the way may keep it (said here, whatever the API's default).
      return { status: 201, body: { ...issued, old: presentKey(old) }, headers: { 'Cache-Control': 'no-store' } };
    },
  });
}
