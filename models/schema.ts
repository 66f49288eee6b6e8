// The only description of the database (STYLE.md #4). Migrations in models/migrations are generated
// from this file with `npm run db:generate` and run at start on PGlite and on a PostgreSQL server alike.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
  bigserial,
} from 'drizzle-orm/pg-core';

export const ROLES = ['courier', 'postal_regulator', 'customs_officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** 营业网点: a courier or postal outlet. Its GB/T 2260 region code places it in jurisdictions. */
export const outlets = pgTable(
  'outlets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    regionCode: text('region_code').notNull(),
    carrier: text('carrier'),
    createdAt: createdAt(),
  },
  (t) => [
    check('outlets_region_code_format', sql`${t.regionCode} ~ '^[1-9][0-9]{5}$'`),
    index('outlets_region_code_idx').on(t.regionCode),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    /** Couriers only: the outlet whose counter they work at. */
    outletId: text('outlet_id').references(() => outlets.id),
    /** Regulators and customs officers only: a GB/T 2260 province (2 digits) or city (4 digits) prefix. */
    jurisdiction: text('jurisdiction'),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    check('users_role_known', sql`${t.role} in ('courier', 'postal_regulator', 'customs_officer', 'admin')`),
    check('users_courier_has_outlet', sql`(${t.role} = 'courier') = (${t.outletId} is not null)`),
    check(
      'users_officer_has_jurisdiction',
      sql`(${t.role} in ('postal_regulator', 'customs_officer')) = (${t.jurisdiction} is not null)`,
    ),
    check('users_jurisdiction_format', sql`${t.jurisdiction} is null or ${t.jurisdiction} ~ '^[1-9][0-9]([0-9]{2})?$'`),
  ],
);

/** Login sessions. Only a SHA-256 of the bearer token is stored, so a database leak yields no usable token. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/** Append-only record of sensitive actions: unmasked views of personal data, rate changes, account changes. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    actorUsername: text('actor_username'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_subject_idx').on(t.subjectType, t.subjectId), index('audit_log_at_idx').on(t.at)],
);
