// Creating and listing accounts; shared by the admin API and the `npm run user` CLI.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { ROLES, outlets, users } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import { ConflictError, ValidationError, type FieldError } from '../http/errors.js';
import { isKnownRegion } from '../outlets/regions.js';
import { checkPassword, PASSWORD_MAX_LENGTH } from './password-policy.js';
import { isOutletBound } from './access.js';
import { hashPassword } from './passwords.js';

export const usernameSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
  .transform((s) => s.toLowerCase());

export const newUserSchema = z
  .strictObject({
    username: usernameSchema,
    // Strength (length included) is judged by ./password-policy.ts, which says why: 422 PASSWORD_WEAK.
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    role: z.enum(ROLES),
    outletId: z.string().trim().min(1).max(64).optional(),
    jurisdiction: z.string().trim().regex(/^\d{2}(\d{2})?$/, 'a GB/T 2260 province (2 digits) or city (4 digits) code').optional(),
  })
  .meta({ id: 'NewUser' });
export type NewUser = z.output<typeof newUserSchema>;

export const userSchema = z
  .object({
    id: z.string().uuid(),
    username: z.string(),
    role: z.enum(ROLES),
    outletId: z.string().nullable(),
    jurisdiction: z.string().nullable(),
    disabled: z.boolean(),
    mustChangePassword: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

/** Checks that a role has exactly the scope it needs: couriers and outlet supervisors an outlet, officers a jurisdiction. */
export async function checkScope(db: Queryable, u: Omit<NewUser, 'password'>): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const needsOutlet = isOutletBound(u.role);
  const needsJurisdiction = u.role === 'postal_regulator' || u.role === 'customs_officer';
  if (needsOutlet && !u.outletId) errors.push({ path: 'outletId', code: 'OUTLET_REQUIRED', message: `A ${u.role} works at an outlet: give outletId.` });
  if (!needsOutlet && u.outletId) errors.push({ path: 'outletId', code: 'OUTLET_NOT_ALLOWED', message: `A ${u.role} is not bound to an outlet.` });
  if (needsJurisdiction && !u.jurisdiction) {
    errors.push({ path: 'jurisdiction', code: 'JURISDICTION_REQUIRED', message: `A ${u.role} needs a jurisdiction (e.g. 44 or 4401).` });
  }
  if (!needsJurisdiction && u.jurisdiction) {
    errors.push({ path: 'jurisdiction', code: 'JURISDICTION_NOT_ALLOWED', message: `A ${u.role} has no jurisdiction.` });
  }
  if (u.jurisdiction && needsJurisdiction && !isKnownRegion(u.jurisdiction)) {
    errors.push({ path: 'jurisdiction', code: 'JURISDICTION_UNKNOWN', message: `${u.jurisdiction} is not a GB/T 2260 province or city code.` });
  }
  if (u.outletId && needsOutlet) {
    const [outlet] = await db.select({ id: outlets.id }).from(outlets).where(eq(outlets.id, u.outletId));
    if (!outlet) errors.push({ path: 'outletId', code: 'OUTLET_UNKNOWN', message: `There is no outlet ${u.outletId}.` });
  }
  return errors;
}

/** What any new password must pass: 422 PASSWORD_WEAK with the reason, in both languages. */
export function assertPasswordAcceptable(password: string, username: string, demoPassword: string | undefined, path = 'password'): void {
  const weak = checkPassword(password, { username, path, ...(demoPassword ? { demoPassword } : {}) });
  if (weak) throw new ValidationError([weak]);
}

export async function createUser(db: Queryable, input: NewUser, hashCost: number, opts: { demoPassword?: string } = {}) {
  const errors = await checkScope(db, input);
  const weak = checkPassword(input.password, { username: input.username, ...opts });
  if (weak) errors.push(weak);
  if (errors.length) throw new ValidationError(errors);
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.username, input.username));
  if (existing) throw new ConflictError(`The username ${input.username} is taken.`, 'USERNAME_TAKEN');
  const [row] = await db
    .insert(users)
    .values({
      username: input.username,
      passwordHash: await hashPassword(input.password, hashCost),
      role: input.role,
      outletId: input.outletId ?? null,
      jurisdiction: input.jurisdiction ?? null,
    })
    .onConflictDoNothing({ target: users.username })
    .returning();
  if (!row) throw new ConflictError(`The username ${input.username} is taken.`, 'USERNAME_TAKEN');
  return presentUser(row);
}

export async function listUsers(db: Queryable) {
  const rows = await db.select().from(users).orderBy(asc(users.username));
  return rows.map(presentUser);
}

export function presentUser(row: typeof users.$inferSelect): z.output<typeof userSchema> {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    outletId: row.outletId,
    jurisdiction: row.jurisdiction,
    disabled: row.disabled,
    mustChangePassword: row.mustChangePassword,
    createdAt: row.createdAt.toISOString(),
  };
}
