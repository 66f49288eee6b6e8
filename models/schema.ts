// The only description of the database (STYLE.md #4). Migrations in models/migrations are generated
// from this file with `npm run db:generate` and run at start on PGlite and on a PostgreSQL server alike.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** bytea as a Buffer on both drivers (PGlite hands back a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

/**
 * outlet_supervisor: an outlet's safety officer (安全员), bound to an outlet like a courier; decides its own holds.
 * auditor: reads and verifies the audit trail (审计管理员, kept apart from the administrator as 等保 asks); national, no other data.
 */
export const ROLES = ['courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Millisecond precision, like the ISO strings the API speaks: keyset cursors and `since=` then compare exactly. */
const atMs = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
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
    /** Couriers and outlet supervisors only: the outlet whose counter they work at. */
    outletId: text('outlet_id').references(() => outlets.id),
    /** Regulators and customs officers only: a GB/T 2260 province (2 digits) or city (4 digits) prefix. */
    jurisdiction: text('jurisdiction'),
    disabled: boolean('disabled').notNull().default(false),
    /** Set by an admin: the user may log in, but does nothing else until they choose a new password. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /**
     * person: logs in with a password. service: a carrier's or contract customer's system (机器客户端), acting as a
     * courier through API keys only (api_keys), scoped to one outlet (outletId) or to every outlet of a carrier (carrier).
     */
    kind: text('kind', { enum: ['person', 'service'] }).notNull().default('person'),
    /** Service accounts scoped to a carrier: requests name the outlet (X-Outlet-Id), which must be this carrier's. */
    carrier: text('carrier'),
    createdAt: createdAt(),
  },
  (t) => [
    check('users_role_known', sql`${t.role} in ('courier', 'outlet_supervisor', 'postal_regulator', 'customs_officer', 'admin', 'auditor')`),
    check('users_kind_known', sql`${t.kind} in ('person', 'service')`),
    check(
      'users_courier_has_outlet',
      sql`(${t.role} in ('courier', 'outlet_supervisor')) = (${t.outletId} is not null or (${t.kind} = 'service' and ${t.carrier} is not null))`,
    ),
    check('users_service_is_courier', sql`${t.kind} = 'person' or (${t.role} = 'courier' and (${t.outletId} is null) <> (${t.carrier} is null))`),
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

/**
 * Failed logins per normalised username (server/accounts/throttle.ts), across all addresses and processes.
 * A row exists while an account has failures since its last successful login or attempts being checked.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    account: text('account').primaryKey(),
    failures: integer('failures').notNull().default(0),
    lockedUntil: at('locked_until'),
    lastFailureAt: at('last_failure_at').notNull(),
    /** Attempts whose password is being checked right now; they count towards the lock until they settle. */
    inFlight: integer('in_flight').notNull().default(0),
    /** When the latest in-flight attempt began; attempts older than a minute are presumed lost (a crash). */
    inFlightAt: at('in_flight_at'),
  },
  (t) => [
    check('login_throttle_failures_nonnegative', sql`${t.failures} >= 0`),
    check('login_throttle_in_flight_nonnegative', sql`${t.inFlight} >= 0`),
    index('login_throttle_last_failure_idx').on(t.lastFailureAt),
  ],
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
    /**
     * The hash chain (server/audit/chain.ts), set by the insert trigger of migration 0016 under a lock on
     * audit_chain_head: the row's place in the chain, the previous row's hash, and SHA-256 over both and the content.
     */
    chainSeq: bigint('chain_seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId),
    index('audit_log_at_idx').on(t.at),
    uniqueIndex('audit_log_chain_seq_uq').on(t.chainSeq),
    index('audit_log_actor_seq_idx').on(t.actorUsername, t.chainSeq),
    index('audit_log_action_seq_idx').on(t.action, t.chainSeq),
  ],
);

/**
 * The head of the audit chain (one row, id 1): the last row's place and hash, and where the chain now starts
 * (base: the last row pruned by retention, 0 and '' before any). Changed only by audit_log's triggers.
 */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    id: integer('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
    baseSeq: bigint('base_seq', { mode: 'number' }).notNull(),
    baseHash: text('base_hash').notNull(),
    updatedAt: atMs('updated_at').notNull().defaultNow(),
  },
  (t) => [check('audit_chain_head_one_row', sql`${t.id} = 1`)],
);

/**
 * Signed checkpoints of the audit chain's head (HMAC with the server's key): deleting the newest rows and
 * rewinding the head is noticed up to the latest anchor. Append-only by trigger; each is also logged.
 */
export const auditAnchors = pgTable('audit_anchors', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
  at: atMs('at').notNull().defaultNow(),
});

export type Reason = { code: string; message: string; messageZh?: string };

/**
 * 用户信息档案库: one record per verified identity. The ID number is sealed (AES-256-GCM) and matched by its
 * blind index; what people see is the masked form.
 */
export const senders = pgTable(
  'senders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idType: text('id_type').notNull(),
    idBlind: text('id_blind').notNull(),
    idSealed: text('id_sealed').notNull(),
    idMasked: text('id_masked').notNull(),
    name: text('name').notNull(),
    nameSimplified: text('name_simplified').notNull(),
    namePinyin: text('name_pinyin').notNull(),
    birthDate: date('birth_date'),
    phoneBlind: text('phone_blind'),
    phoneSealed: text('phone_sealed'),
    phoneMasked: text('phone_masked'),
    address: text('address'),
    firstSeenAt: at('first_seen_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    parcelCount: integer('parcel_count').notNull().default(0),
    outletIds: text('outlet_ids').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    uniqueIndex('senders_identity_uq').on(t.idType, t.idBlind),
    index('senders_phone_idx').on(t.phoneBlind),
    // Investigative look-up by name (server/lookup): the reading in pinyin, as written and reordered.
    index('senders_name_pinyin_idx').on(t.namePinyin),
  ],
);

export const VERDICTS = ['accepted', 'held', 'rejected'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** One accepted, held or refused intake. A waybill number is used once. */
export const parcels = pgTable(
  'parcels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    waybillNo: text('waybill_no').notNull(),
    carrier: text('carrier'),
    channel: text('channel', { enum: ['postal', 'express'] }).notNull(),
    outletId: text('outlet_id').notNull().references(() => outlets.id),
    regionCode: text('region_code').notNull(),
    courierId: uuid('courier_id').notNull().references(() => users.id),
    senderId: uuid('sender_id').notNull().references(() => senders.id),
    senderName: text('sender_name').notNull(),
    senderPhoneBlind: text('sender_phone_blind').notNull(),
    senderPhoneSealed: text('sender_phone_sealed').notNull(),
    senderPhoneMasked: text('sender_phone_masked').notNull(),
    senderAddress: text('sender_address').notNull(),
    recipientName: text('recipient_name').notNull(),
    recipientNameSimplified: text('recipient_name_simplified').notNull(),
    recipientNamePinyin: text('recipient_name_pinyin').notNull(),
    recipientPhoneBlind: text('recipient_phone_blind'),
    recipientPhoneSealed: text('recipient_phone_sealed'),
    recipientPhoneMasked: text('recipient_phone_masked'),
    recipientAddress: text('recipient_address').notNull(),
    recipientCountry: text('recipient_country').notNull(),
    crossBorder: boolean('cross_border').notNull(),
    declaredDescription: text('declared_description').notNull(),
    declaredCategory: text('declared_category').notNull(),
    declaredQuantity: integer('declared_quantity').notNull(),
    declaredValueCny: numeric('declared_value_cny', { precision: 12, scale: 2, mode: 'number' }).notNull(),
    declaredBrand: text('declared_brand'),
    /** An organisation sender (协议客户): the organisation; senderId is then its archive row (id_type USCC). */
    organisationId: uuid('organisation_id').references(() => organisations.id),
    /** The person who handed an organisation's parcel over (经办人), when one did: their own archive row. */
    handlerSenderId: uuid('handler_sender_id').references(() => senders.id),
    /** Bulk intake: the batch the parcel came in (parcel_batches). */
    batchId: uuid('batch_id').references(() => parcelBatches.id),
    verdict: text('verdict', { enum: VERDICTS }).notNull(),
    status: text('status').notNull(),
    reasons: jsonb('reasons').$type<Reason[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('parcels_waybill_uq').on(t.waybillNo),
    index('parcels_outlet_created_idx').on(t.outletId, t.createdAt),
    index('parcels_sender_created_idx').on(t.senderId, t.createdAt),
    index('parcels_region_created_idx').on(t.regionCode, t.createdAt),
    // Newest first across the country: suspect lists applied backwards walk the last N days by (created_at, id).
    index('parcels_created_idx').on(t.createdAt, t.id),
    // Investigative look-up (server/lookup) by phone and by consignee name.
    index('parcels_sender_phone_idx').on(t.senderPhoneBlind),
    index('parcels_recipient_phone_idx').on(t.recipientPhoneBlind).where(sql`recipient_phone_blind is not null`),
    index('parcels_recipient_name_pinyin_idx').on(t.recipientNamePinyin),
    index('parcels_organisation_created_idx').on(t.organisationId, t.createdAt).where(sql`organisation_id is not null`),
    index('parcels_handler_idx').on(t.handlerSenderId).where(sql`handler_sender_id is not null`),
    check('parcels_verdict_known', sql`${t.verdict} in ('accepted', 'held', 'rejected')`),
    check('parcels_value_nonneg', sql`${t.declaredValueCny} >= 0`),
  ],
);

/** 收寄验视: inspection of the contents in front of the sender. */
export const parcelInspections = pgTable('parcel_inspections', {
  parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
  performed: boolean('performed').notNull(),
  refused: boolean('refused').notNull(),
  matchesDeclaration: boolean('matches_declaration'),
  notes: text('notes').notNull().default(''),
  photoIds: uuid('photo_ids').array().notNull().default(sql`'{}'::uuid[]`),
  inspectedBy: uuid('inspected_by').notNull().references(() => users.id),
  inspectedAt: at('inspected_at').notNull().defaultNow(),
}, (t) => [
  // Who may see a photo: the parcels carrying it (server/media/visibility.ts), found by `photo_ids @> {id}`.
  index('parcel_inspections_photo_ids_gin').using('gin', t.photoIds),
  // Notes still to be blanked by retention (server/privacy/retention.ts): usually few, so the index stays small.
  index('parcel_inspections_noted_idx').on(t.inspectedAt).where(sql`notes <> ''`),
]);

/** 过机安检: the X-ray screening result. */
export const parcelScreenings = pgTable('parcel_screenings', {
  parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
  result: text('result', { enum: ['clear', 'suspect', 'prohibited'] }).notNull(),
  machineId: text('machine_id'),
  screenedBy: uuid('screened_by').notNull().references(() => users.id),
  screenedAt: at('screened_at').notNull().defaultNow(),
});

/** Photos, normalised by sharp (orientation applied, metadata stripped, bounded) before they are stored. */
export const media = pgTable(
  'media',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sha256: text('sha256').notNull(),
    format: text('format').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    byteSize: integer('byte_size').notNull(),
    data: bytea('data').notNull(),
    thumb: bytea('thumb').notNull(),
    uploadedBy: uuid('uploaded_by').notNull().references(() => users.id),
    /** Where it was taken: the uploader's outlet and region, for jurisdiction checks on viewing. */
    outletId: text('outlet_id').references(() => outlets.id),
    regionCode: text('region_code'),
    createdAt: createdAt(),
  },
  (t) => [index('media_sha_idx').on(t.sha256), index('media_created_idx').on(t.createdAt)],
);

/** A handheld's retry with the same Idempotency-Key gets the stored answer instead of a second parcel. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    response: jsonb('response').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

export const WATCHLIST_TYPES = ['id_number', 'phone', 'person_name', 'address', 'consignee', 'company', 'waybill', 'brand'] as const;

/**
 * Suspect lists. ID numbers and phones are stored like the sender archive stores them (sealed, matched by
 * blind index), so a leaked list leaks no identities; `value` is what people see (masked for those).
 */
export const watchlistEntries = pgTable(
  'watchlist_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type', { enum: WATCHLIST_TYPES }).notNull(),
    value: text('value').notNull(),
    /** Exact key: blind index, normalised number, name syllables, address or company core, canonical brand. */
    matchKey: text('match_key').notNull(),
    /** Second form for scoring: a name's characters, a brand's searchable text. */
    matchText: text('match_text'),
    sealed: text('sealed'),
    note: text('note'),
    source: text('source'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: atMs('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at'),
    deletedAt: at('deleted_at'),
    deletedBy: uuid('deleted_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('watchlist_live_key_uq').on(t.type, t.matchKey).where(sql`deleted_at is null`),
    // Trigrams serve typos in romanised names only (addresses and companies meet on exact keys).
    index('watchlist_names_trgm_idx')
      .using('gin', t.matchKey.op('gin_trgm_ops'))
      .where(sql`type in ('person_name', 'consignee')`),
    index('watchlist_created_idx').on(t.createdAt),
    index('watchlist_type_text_idx').on(t.type, t.matchText).where(sql`match_text is not null`),
    check('watchlist_type_known', sql`${t.type} in ('id_number', 'phone', 'person_name', 'address', 'consignee', 'company', 'waybill', 'brand')`),
  ],
);

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type Evidence = { code: string; message: string; messageZh?: string };

/**
 * Alerts to regulators and customs. One alert per group (a suspect-list entry, a ring) while it is not
 * resolved: more parcels update it instead of opening new ones.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type').notNull(),
    severity: text('severity', { enum: ['low', 'medium', 'high'] }).notNull(),
    status: text('status', { enum: ALERT_STATUSES }).notNull().default('open'),
    groupKey: text('group_key').notNull(),
    /** Province (2-digit GB/T 2260) of the outlets involved; regionCodes has every outlet's county. */
    jurisdiction: text('jurisdiction').notNull(),
    regionCodes: text('region_codes').array().notNull(),
    crossBorder: boolean('cross_border').notNull().default(false),
    routeKey: text('route_key'),
    /** The summary in English; summaryZh the same in Chinese (both from the message catalogue, as evidence is). */
    summary: text('summary').notNull(),
    /** Null on alerts raised before it existed: their summary held both languages in one string. */
    summaryZh: text('summary_zh'),
    parcelCount: integer('parcel_count').notNull().default(0),
    totalValueCny: numeric('total_value_cny', { precision: 14, scale: 2, mode: 'number' }).notNull().default(0),
    waybills: text('waybills').array().notNull().default(sql`'{}'::text[]`),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull().default([]),
    createdAt: atMs('created_at').notNull().defaultNow(),
    updatedAt: atMs('updated_at').notNull().defaultNow(),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id),
    /** Who, as they were called then: shown with the alert and its live updates without a join. */
    acknowledgedByName: text('acknowledged_by_name'),
    acknowledgedAt: atMs('acknowledged_at'),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    resolvedByName: text('resolved_by_name'),
    resolvedAt: atMs('resolved_at'),
    /** confirmed, false_positive, or merged (its ring joined another ring's alert). */
    resolution: text('resolution', { enum: ['confirmed', 'false_positive', 'merged'] }),
    resolutionNote: text('resolution_note'),
    /** Parcels per province (2-digit GB/T 2260) the alert rests on: a ring's scored window, a list entry's every hit. */
    parcelsByJurisdiction: jsonb('parcels_by_jurisdiction').$type<Record<string, number>>().notNull().default({}),
    /**
     * The province that acknowledges and resolves the alert (server/alerts/ownership.ts): the one with most of its
     * parcels, following them while the alert is open, fixed once someone takes it in hand. Others add notes.
     */
    ownerJurisdiction: text('owner_jurisdiction').notNull(),
    /** Where the acknowledging and resolving officers work (null: an admin, or the system). */
    acknowledgedByJurisdiction: text('acknowledged_by_jurisdiction'),
    resolvedByJurisdiction: text('resolved_by_jurisdiction'),
  },
  (t) => [
    uniqueIndex('alerts_open_group_uq').on(t.groupKey).where(sql`status <> 'resolved'`),
    index('alerts_jurisdiction_updated_idx').on(t.jurisdiction, t.updatedAt),
    index('alerts_updated_idx').on(t.updatedAt),
  ],
);

/** What officers of any jurisdiction the alert touches add to it (its owner decides; the others inform). */
export const alertNotes = pgTable(
  'alert_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id').notNull().references(() => alerts.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').references(() => users.id),
    /** Who, as they were called then, their role and where they work (null: an admin). */
    authorName: text('author_name').notNull(),
    authorRole: text('author_role').notNull(),
    authorJurisdiction: text('author_jurisdiction'),
    text: text('text').notNull(),
    createdAt: atMs('created_at').notNull().defaultNow(),
  },
  (t) => [index('alert_notes_alert_idx').on(t.alertId, t.createdAt)],
);

/** Which parcels an alert rests on. */
export const alertParcels = pgTable(
  'alert_parcels',
  {
    alertId: uuid('alert_id').notNull().references(() => alerts.id, { onDelete: 'cascade' }),
    parcelId: uuid('parcel_id').notNull().references(() => parcels.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.parcelId] }), index('alert_parcels_parcel_idx').on(t.parcelId)],
);

/**
 * 蚂蚁搬家 rings: parcels linked by what they share (an identity, a phone, an address, a consignee).
 * Rings merge when a parcel links two; the absorbed ring points at the survivor (`mergedInto`).
 * A false-positive resolution leaves what was dismissed (`dampedCodes`, `dampedParcelCount`) so the same
 * evidence does not alert again.
 */
export const rings = pgTable('rings', {
  id: uuid('id').primaryKey(),
  mergedInto: uuid('merged_into'),
  createdAt: atMs('created_at').notNull().defaultNow(),
  dampedCodes: text('damped_codes').array().notNull().default(sql`'{}'::text[]`),
  dampedParcelCount: integer('damped_parcel_count').notNull().default(0),
  dampedBy: uuid('damped_by').references(() => users.id),
  dampedAt: at('damped_at'),
  /**
   * The sender identity of the ring with the highest cross-border total in a calendar year (this year or the last):
   * evidence that stays with the ring whoever sends its next parcel. {year, senderKey, senderName, parcels, valueCny}.
   */
  annualTop: jsonb('annual_top').$type<{ year: number; senderKey: string; senderName: string; parcels: number; valueCny: number }>(),
});

/** Which ring a linking key belongs to; a key not seen within the longest window links nothing. */
export const ringKeys = pgTable(
  'ring_keys',
  {
    key: text('key').primaryKey(),
    ringId: uuid('ring_id').notNull(),
    lastSeenAt: atMs('last_seen_at').notNull(),
  },
  (t) => [index('ring_keys_ring_idx').on(t.ringId), index('ring_keys_seen_idx').on(t.lastSeenAt)],
);

/**
 * A cross-border parcel in its ring, with what the indicators need, so scoring a ring is one index range
 * scan over its recent members (the working set), not a join over the whole parcel history.
 */
export const ringMembers = pgTable(
  'ring_members',
  {
    parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
    ringId: uuid('ring_id').notNull(),
    createdAt: atMs('created_at').notNull(),
    waybillNo: text('waybill_no').notNull(),
    /** The identity (document type + blind index): distinct identities are what rotate. */
    senderKey: text('sender_key').notNull(),
    senderName: text('sender_name').notNull(),
    senderPhoneBlind: text('sender_phone_blind').notNull(),
    senderPhoneMasked: text('sender_phone_masked').notNull(),
    senderAddressKey: text('sender_address_key').notNull(),
    senderAddress: text('sender_address').notNull(),
    consigneeKey: text('consignee_key').notNull(),
    consigneeName: text('consignee_name').notNull(),
    country: text('country').notNull(),
    outletId: text('outlet_id').notNull(),
    regionCode: text('region_code').notNull(),
    routeKey: text('route_key').notNull(),
    valueCny: numeric('value_cny', { precision: 12, scale: 2, mode: 'number' }).notNull(),
    category: text('category').notNull(),
    brand: text('brand'),
    vague: boolean('vague').notNull(),
    mismatch: boolean('mismatch').notNull(),
    watchlistHit: boolean('watchlist_hit').notNull(),
    /** A protected brand or priority category declared far below its price floor (ring_price_floors). */
    implausible: boolean('implausible').notNull().default(false),
    /** The sender's name as a matching key (pinyin syllables or Latin words): one ID under several names is lent. */
    senderNameKey: text('sender_name_key').notNull().default(''),
    /** What the ID number itself contradicts (BIRTH_DATE, SEX), or null. */
    identityConflict: text('identity_conflict'),
    /** This parcel's linking keys (kind:hash), and those of them that led to parcels already in the ring. */
    linkKeys: text('link_keys').array().notNull().default(sql`'{}'::text[]`),
    linkedVia: text('linked_via').array().notNull().default(sql`'{}'::text[]`),
    /** An organisation's parcel: its handler's identity (document type + blind index), for ORG_ROTATING_HANDLERS. */
    handlerKey: text('handler_key'),
    /** Customs seized this parcel: the strongest goods evidence a ring can have. */
    seized: boolean('seized').notNull().default(false),
    /** Split out of its ring by an analyst: it no longer counts towards the ring (kept for the record and as a label). */
    splitAt: atMs('split_at'),
  },
  (t) => [index('ring_members_ring_created_idx').on(t.ringId, t.createdAt)],
);

/**
 * Keys of the keyed hash that selects parcels for customs inspection. The newest selects; older ones stay so
 * any past selection can be reproduced from the key id stored with it. Sealed like personal data.
 */
export const customsSelectionKeys = pgTable('customs_selection_keys', {
  id: text('id').primaryKey(),
  sealed: text('sealed').notNull(),
  createdAt: atMs('created_at').notNull().defaultNow(),
  createdBy: uuid('created_by').references(() => users.id),
});

/**
 * What customs set on a route (outlet city, destination, channel). A route without a row, or whose raised
 * rate expired, is inspected at the base rate. The history is customs_rate_changes.
 */
export const customsRoutes = pgTable(
  'customs_routes',
  {
    routeKey: text('route_key').primaryKey(),
    raisedRate: doublePrecision('raised_rate'),
    reason: text('reason'),
    setBy: uuid('set_by').references(() => users.id),
    setByName: text('set_by_name'),
    setAt: atMs('set_at'),
    /** After this the base rate applies again; null: until someone restores it. */
    expiresAt: atMs('expires_at'),
  },
  (t) => [check('customs_routes_rate_range', sql`${t.raisedRate} is null or (${t.raisedRate} >= 0 and ${t.raisedRate} <= 1)`)],
);

/** Every change of a route's rate: who, when, why, from what to what. Never updated or deleted. */
export const customsRateChanges = pgTable(
  'customs_rate_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    routeKey: text('route_key').notNull(),
    action: text('action', { enum: ['set', 'restore'] }).notNull(),
    /** The rate set; for a restore, the base rate that applies again. */
    rate: doublePrecision('rate').notNull(),
    previousRate: doublePrecision('previous_rate').notNull(),
    reason: text('reason').notNull(),
    expiresAt: atMs('expires_at'),
    changedBy: uuid('changed_by').references(() => users.id),
    changedByName: text('changed_by_name').notNull(),
    changedAt: atMs('changed_at').notNull().defaultNow(),
  },
  (t) => [index('customs_rate_changes_route_idx').on(t.routeKey, t.changedAt)],
);

export const CUSTOMS_OUTCOMES = ['cleared', 'seized', 'returned'] as const;

/**
 * The customs selection of every cross-border parcel, selected or not: the rate, the key and the draw it was
 * decided with (so it can be reproduced), and for a selected parcel what inspection found.
 */
export const customsInspections = pgTable(
  'customs_inspections',
  {
    parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
    waybillNo: text('waybill_no').notNull(),
    routeKey: text('route_key').notNull(),
    /** The outlet's 4-digit city code: the route's origin, and what jurisdictions match on. */
    originCity: text('origin_city').notNull(),
    rate: doublePrecision('rate').notNull(),
    keyId: text('key_id').notNull(),
    /** The keyed hash of the waybill number as a number in [0, 1); selected when below the rate. */
    draw: doublePrecision('draw').notNull(),
    selected: boolean('selected').notNull(),
    createdAt: atMs('created_at').notNull(),
    outcome: text('outcome', { enum: CUSTOMS_OUTCOMES }),
    outcomeNote: text('outcome_note'),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedByName: text('decided_by_name'),
    decidedAt: atMs('decided_at'),
    /** Why the parcel was selected: RANDOM, RING_ALERT, WATCHLIST_HIT, GOODS_RULE (empty when not selected). */
    grounds: text('grounds').array().notNull().default(sql`'{}'::text[]`),
    /** The goods rule whose rate applied (category:watches, brand:rolex) when it was higher than the route's. */
    goodsRuleKey: text('goods_rule_key'),
    /** The route's own rate at the time (rate is the one that applied: the higher of route and goods). */
    routeRate: doublePrecision('route_rate'),
    /**
     * The parcel's goods classes at intake (category:watches, brand:rolex — brands through the registry as it
     * was then): the goods rules that could apply, and what the goods-class risk counts per class.
     */
    goodsKeys: text('goods_keys').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    index('customs_inspections_city_created_idx').on(t.originCity, t.createdAt),
    index('customs_inspections_route_created_idx').on(t.routeKey, t.createdAt),
    index('customs_inspections_pending_idx').on(t.originCity, t.createdAt).where(sql`selected and outcome is null`),
    check('customs_inspections_outcome_selected', sql`${t.outcome} is null or ${t.selected}`),
  ],
);

/** Live alerts larger than a NOTIFY payload pass through here between server processes (@socket.io/postgres-adapter). */
export const socketIoAttachments = pgTable('socket_io_attachments', {
  id: bigserial('id', { mode: 'number' }).unique(),
  createdAt: at('created_at').defaultNow(),
  payload: bytea('payload'),
});

// ── After the verdict: holds, cases, jobs, stored reports (issue 15) ──────────────────────────────────────

export const HOLD_STATUSES = ['pending', 'released', 'refused'] as const;
export const HOLD_DISPOSITIONS = ['returned_to_sender', 'handed_to_customs', 'handed_to_police'] as const;

/** A held parcel waiting for someone with authority over its reasons (one row per held parcel). */
export const holds = pgTable(
  'holds',
  {
    parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
    waybillNo: text('waybill_no').notNull(),
    outletId: text('outlet_id').notNull().references(() => outlets.id),
    regionCode: text('region_code').notNull(),
    crossBorder: boolean('cross_border').notNull(),
    /** The hold reason codes of the verdict (INSPECTION_MISMATCH, SCREENING_SUSPECT, WATCHLIST_HIT, ANT_MOVING_SUSPECTED…). */
    reasons: text('reasons').array().notNull(),
    heldAt: atMs('held_at').notNull(),
    dueAt: atMs('due_at').notNull(),
    status: text('status', { enum: HOLD_STATUSES }).notNull().default('pending'),
    /** Set once, when an undecided hold passed its due time and was escalated. */
    overdueAt: atMs('overdue_at'),
    decidedAt: atMs('decided_at'),
  },
  (t) => [
    check('holds_status_known', sql`${t.status} in ('pending', 'released', 'refused')`),
    index('holds_pending_due_idx').on(t.dueAt).where(sql`status = 'pending'`),
    index('holds_outlet_held_idx').on(t.outletId, t.heldAt),
    index('holds_region_held_idx').on(t.regionCode, t.heldAt),
  ],
);

/** Who released or refused a hold, when and why. At most one decision per hold (the unique index makes a race a 409). */
export const holdDecisions = pgTable(
  'hold_decisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parcelId: uuid('parcel_id').notNull().references(() => holds.parcelId, { onDelete: 'cascade' }),
    action: text('action', { enum: ['release', 'refuse'] }).notNull(),
    disposition: text('disposition', { enum: HOLD_DISPOSITIONS }),
    note: text('note').notNull(),
    byUserId: uuid('by_user_id').references(() => users.id),
    /** As they were called then, their role and where they work. */
    byName: text('by_name').notNull(),
    byRole: text('by_role').notNull(),
    byJurisdiction: text('by_jurisdiction'),
    at: atMs('at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('hold_decisions_one_per_hold_uq').on(t.parcelId),
    check('hold_decisions_action_known', sql`${t.action} in ('release', 'refuse')`),
    check('hold_decisions_refusal_disposed', sql`(${t.action} = 'refuse') = (${t.disposition} is not null)`),
  ],
);

export const CASE_STATUSES = ['open', 'closed'] as const;
export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const CASE_OUTCOMES = ['confirmed_infringement', 'no_infringement', 'referred_to_police', 'referred_to_customs', 'insufficient_evidence', 'duplicate'] as const;
export const CASE_LINK_KINDS = ['alert', 'parcel', 'watchlist_entry'] as const;

/** 重点案件督办: a key case with a named owner (落实到人) and a time limit (限时办结). */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human reference, e.g. 44-2026-0001: the owning jurisdiction's province, the year, a sequence. */
    reference: text('reference').notNull().unique(),
    title: text('title').notNull(),
    /** The jurisdiction that opened and owns it (a province or city code). Shares add others. */
    jurisdiction: text('jurisdiction').notNull(),
    priority: text('priority', { enum: CASE_PRIORITIES }).notNull().default('normal'),
    status: text('status', { enum: CASE_STATUSES }).notNull().default('open'),
    ownerId: uuid('owner_id').notNull().references(() => users.id),
    ownerName: text('owner_name').notNull(),
    dueAt: atMs('due_at').notNull(),
    openedById: uuid('opened_by_id').references(() => users.id),
    openedByName: text('opened_by_name').notNull(),
    openedAt: atMs('opened_at').notNull().defaultNow(),
    closedAt: atMs('closed_at'),
    outcome: text('outcome', { enum: CASE_OUTCOMES }),
    outcomeNote: text('outcome_note'),
    updatedAt: atMs('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('cases_status_known', sql`${t.status} in ('open', 'closed')`),
    check('cases_closed_has_outcome', sql`(${t.status} = 'closed') = (${t.outcome} is not null)`),
    index('cases_jurisdiction_status_idx').on(t.jurisdiction, t.status, t.dueAt),
    index('cases_open_due_idx').on(t.dueAt).where(sql`status = 'open'`),
  ],
);

/** What a case is about: alerts, parcels, suspect-list entries. */
export const caseLinks = pgTable(
  'case_links',
  {
    caseId: uuid('case_id').notNull().references(() => cases.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: CASE_LINK_KINDS }).notNull(),
    refId: uuid('ref_id').notNull(),
    addedAt: atMs('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.kind, t.refId] }), index('case_links_ref_idx').on(t.kind, t.refId)],
);

/** Every change to a case, notes included (kind 'note', data {text}): its timeline and history. */
export const caseEvents = pgTable(
  'case_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    actorId: uuid('actor_id').references(() => users.id),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    actorJurisdiction: text('actor_jurisdiction'),
    at: atMs('at').notNull().defaultNow(),
  },
  (t) => [index('case_events_case_at_idx').on(t.caseId, t.at)],
);

/** 区域协作: another jurisdiction's officers see and work a shared case. */
export const caseShares = pgTable(
  'case_shares',
  {
    caseId: uuid('case_id').notNull().references(() => cases.id, { onDelete: 'cascade' }),
    jurisdiction: text('jurisdiction').notNull(),
    note: text('note').notNull().default(''),
    sharedById: uuid('shared_by_id').references(() => users.id),
    sharedAt: atMs('shared_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.jurisdiction] }), index('case_shares_jurisdiction_idx').on(t.jurisdiction)],
);

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;

/**
 * Work done outside a request (STYLE.md #11): one row per job, claimed with FOR UPDATE SKIP LOCKED so any number
 * of server processes run each job once. `key` makes enqueueing idempotent (a Friday's report is one job).
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    key: text('key').notNull().unique(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state', { enum: JOB_STATES }).notNull().default('queued'),
    runAt: atMs('run_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    lockedBy: text('locked_by'),
    lockedUntil: atMs('locked_until'),
    lastError: text('last_error'),
    createdAt: atMs('created_at').notNull().defaultNow(),
    startedAt: atMs('started_at'),
    finishedAt: atMs('finished_at'),
  },
  (t) => [
    check('jobs_state_known', sql`${t.state} in ('queued', 'running', 'done', 'failed')`),
    index('jobs_due_idx').on(t.runAt).where(sql`state in ('queued', 'running')`),
    index('jobs_kind_created_idx').on(t.kind, t.createdAt),
  ],
);

/** Schedules are data: a rule (`every 60s`, `weekly fri 17:00 Asia/Shanghai`, `monthly last 17:00 Asia/Shanghai`) and the next run. */
export const jobSchedules = pgTable('job_schedules', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  rule: text('rule').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
  nextRunAt: atMs('next_run_at').notNull(),
  lastRunAt: atMs('last_run_at'),
});

/** Reports stored automatically (Friday 17:00, last day of the month 17:00, Beijing time); never changed afterwards. */
export const reportArchive = pgTable(
  'report_archive',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['weekly', 'monthly'] }).notNull(),
    /** 2026-W48 or 2026-11. */
    period: text('period').notNull(),
    /** A jurisdiction code, or 'national'. */
    scope: text('scope').notNull(),
    format: text('format', { enum: ['json', 'xlsx', 'csv'] }).notNull(),
    content: bytea('content').notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    generatedAt: atMs('generated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('report_archive_one_uq').on(t.kind, t.period, t.scope, t.format),
    index('report_archive_generated_idx').on(t.generatedAt),
  ],
);

// ── Detection as customs meet rings (issue 16) ───────────────────────────────────────────────────────────

/**
 * The least a protected brand or a goods category plausibly costs: declared far below it, a parcel is goods
 * evidence of its own (a Gucci bag at CNY 50). `brand` null: any brand of the category; `category` null: any
 * goods of the brand. Editable by regulators, each with its source.
 */
export const ringPriceFloors = pgTable(
  'ring_price_floors',
  {
    /** `<brand or *>|<category or *>`: nike|shoes, *|watches, rolex|*. */
    key: text('key').primaryKey(),
    brand: text('brand'),
    category: text('category'),
    floorCny: numeric('floor_cny', { precision: 12, scale: 2, mode: 'number' }).notNull(),
    source: text('source').notNull(),
    setBy: uuid('set_by').references(() => users.id),
    setByName: text('set_by_name'),
    setAt: atMs('set_at').notNull().defaultNow(),
  },
  (t) => [check('ring_price_floors_positive', sql`${t.floorCny} > 0`)],
);

/**
 * A legitimate pattern an analyst allowlisted (a registered seller's identity, a family's address): its
 * linking key links nothing and is not scored until it expires or is revoked.
 */
export const ringAllowlist = pgTable(
  'ring_allowlist',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The link key kind (sender_id, sender_phone, sender_address, consignee_phone, consignee_address, …). */
    kind: text('kind').notNull(),
    /** The hashed link key (kind:hash), as in ring_keys. */
    key: text('key').notNull(),
    /** What an officer reads: the masked value it stands for. */
    label: text('label').notNull(),
    reason: text('reason').notNull(),
    ringId: uuid('ring_id'),
    regionCode: text('region_code').notNull(),
    expiresAt: atMs('expires_at').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: atMs('created_at').notNull().defaultNow(),
    revokedAt: atMs('revoked_at'),
    revokedByName: text('revoked_by_name'),
  },
  (t) => [
    index('ring_allowlist_key_idx').on(t.key, t.expiresAt),
    // One entry per key not revoked: two in force would make revoking one look like it did nothing. An entry that
    // ran out is closed (revoked_at = expires_at, no revoker) when the key is allowlisted again (allowlist.ts).
    uniqueIndex('ring_allowlist_key_open_uq').on(t.key).where(sql`revoked_at is null`),
  ],
);

/**
 * What happened to a ring besides its parcels: it moved to another jurisdiction (口岸转移), an analyst split a
 * parcel or sender out, allowlisted one of its keys. Append-only; the ring view and the evaluation read it.
 */
export const ringEvents = pgTable(
  'ring_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ringId: uuid('ring_id').notNull(),
    kind: text('kind', { enum: ['moved', 'split', 'allowlisted'] }).notNull(),
    at: atMs('at').notNull().defaultNow(),
    byUser: uuid('by_user').references(() => users.id),
    byName: text('by_name'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('ring_events_ring_idx').on(t.ringId, t.at)],
);

/**
 * A ring's parcels per calendar day (Asia/Shanghai), kept as each parcel is recorded: the long windows (90 and 365
 * days) are scored from at most one row a day, whatever the ring's size, instead of from its members. Counts of
 * what the goods indicators look at; `brands` and `categories` count protected brands and priority categories;
 * `senders` holds the day's first few distinct identities (a lower bound on distinct senders when many).
 */
export const ringDays = pgTable(
  'ring_days',
  {
    ringId: uuid('ring_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    parcels: integer('parcels').notNull().default(0),
    valueCny: numeric('value_cny', { precision: 14, scale: 2, mode: 'number' }).notNull().default(0),
    /** Declared under the per-parcel limit; just under it (RING_JUST_UNDER_PERCENT); to or from HK, MO, TW. */
    underLimit: integer('under_limit').notNull().default(0),
    justUnder: integer('just_under').notNull().default(0),
    hmt: integer('hmt').notNull().default(0),
    implausible: integer('implausible').notNull().default(0),
    vague: integer('vague').notNull().default(0),
    mismatch: integer('mismatch').notNull().default(0),
    watchlistHits: integer('watchlist_hits').notNull().default(0),
    seized: integer('seized').notNull().default(0),
    brands: jsonb('brands').$type<Record<string, number>>().notNull().default({}),
    categories: jsonb('categories').$type<Record<string, number>>().notNull().default({}),
    senders: text('senders').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [primaryKey({ columns: [t.ringId, t.day] }), index('ring_days_day_idx').on(t.day)],
);

/**
 * Cross-border parcels and declared value per sender identity (document type + blind index) per calendar year
 * (Asia/Shanghai): the CNY 26,000 a person may bring in a year (DOMAIN.md), whatever ring the parcels are in.
 */
export const ringSenderYears = pgTable(
  'ring_sender_years',
  {
    senderKey: text('sender_key').notNull(),
    year: integer('year').notNull(),
    parcels: integer('parcels').notNull().default(0),
    valueCny: numeric('value_cny', { precision: 14, scale: 2, mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.senderKey, t.year] }), index('ring_sender_years_year_idx').on(t.year)],
);

// ── Customs selection aimed at risk (issue 17) ────────────────────────────────────────────────────────────

/**
 * Protected brands (知识产权海关保护): how declarations write them, who holds the right and how to reach them.
 * The one list of protected brands: matching (suspect lists, ring indicators, goods rules) reads it.
 */
export const protectedBrands = pgTable('protected_brands', {
  /** Canonical key, lower case Latin: nike, louis vuitton. */
  brandKey: text('brand_key').primaryKey(),
  displayName: text('display_name').notNull(),
  /** How declarations write it, lower case: 耐克, air jordan, lv. */
  aliases: text('aliases').array().notNull().default(sql`'{}'::text[]`),
  /** The goods it is mostly counterfeited as (bags, shoes…), for price floors and suggestions. */
  categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
  rightHolder: text('right_holder'),
  contact: text('contact'),
  /** Customs recordation number (知识产权海关备案号) where known. */
  recordationNo: text('recordation_no'),
  active: boolean('active').notNull().default(true),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedByName: text('updated_by_name'),
  updatedAt: atMs('updated_at').notNull().defaultNow(),
});

/**
 * What customs set on a goods class (重点监管商品): `category:watches` or `brand:rolex`. Like customs_routes, and
 * scoped like them: `scope` is the region prefix of the parcels' origin city it applies to (the setting officer's
 * jurisdiction), '' for the whole country.
 */
export const customsGoodsRules = pgTable(
  'customs_goods_rules',
  {
    ruleKey: text('rule_key').notNull(),
    scope: text('scope').notNull().default(''),
    raisedRate: doublePrecision('raised_rate'),
    reason: text('reason'),
    setBy: uuid('set_by').references(() => users.id),
    setByName: text('set_by_name'),
    setAt: atMs('set_at'),
    expiresAt: atMs('expires_at'),
  },
  (t) => [
    primaryKey({ columns: [t.ruleKey, t.scope] }),
    check('customs_goods_rules_rate_range', sql`${t.raisedRate} is null or (${t.raisedRate} >= 0 and ${t.raisedRate} <= 1)`),
  ],
);

/** Every change of a goods rule's rate. Never updated or deleted. */
export const customsGoodsRuleChanges = pgTable(
  'customs_goods_rule_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ruleKey: text('rule_key').notNull(),
    /** The rule's scope: '' national, else the region prefix it applies to. */
    scope: text('scope').notNull().default(''),
    action: text('action', { enum: ['set', 'restore'] }).notNull(),
    rate: doublePrecision('rate').notNull(),
    previousRate: doublePrecision('previous_rate').notNull(),
    reason: text('reason').notNull(),
    expiresAt: atMs('expires_at'),
    changedBy: uuid('changed_by').references(() => users.id),
    changedByName: text('changed_by_name').notNull(),
    changedAt: atMs('changed_at').notNull().defaultNow(),
  },
  (t) => [index('customs_goods_rule_changes_rule_idx').on(t.ruleKey, t.scope, t.changedAt)],
);

export const NOTICE_METHODS = ['phone', 'email', 'letter', 'fax', 'in_person', 'system'] as const;
export const NOTICE_ANSWERS = ['detention_requested', 'no_action', 'not_infringing'] as const;

/** The notice to a right holder after a seizure of its brand's goods (知识产权海关保护), and the holder's answer. */
export const rightHolderNotices = pgTable(
  'right_holder_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parcelId: uuid('parcel_id').notNull().references(() => parcels.id, { onDelete: 'cascade' }),
    waybillNo: text('waybill_no').notNull(),
    brandKey: text('brand_key').notNull(),
    /** The right holder and contact as they were when notified. */
    rightHolder: text('right_holder'),
    contact: text('contact'),
    /** The brand's name and recordation number as they were at the seizure (the registry may change later). */
    brandName: text('brand_name'),
    recordationNo: text('recordation_no'),
    originCity: text('origin_city').notNull(),
    method: text('method', { enum: NOTICE_METHODS }),
    notifiedAt: atMs('notified_at'),
    notifiedBy: uuid('notified_by').references(() => users.id),
    notifiedByName: text('notified_by_name'),
    /** What was said or sent (reference of the letter, who answered the phone). */
    notifyNote: text('notify_note'),
    /** By when the holder must ask for detention and post a guarantee. */
    deadlineAt: atMs('deadline_at'),
    answer: text('answer', { enum: NOTICE_ANSWERS }),
    answerNote: text('answer_note'),
    answeredAt: atMs('answered_at'),
    answerRecordedBy: uuid('answer_recorded_by').references(() => users.id),
    answerRecordedByName: text('answer_recorded_by_name'),
    createdAt: atMs('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('right_holder_notices_parcel_brand_uq').on(t.parcelId, t.brandKey),
    index('right_holder_notices_city_created_idx').on(t.originCity, t.createdAt),
  ],
);

export const DISPOSAL_KINDS = ['destroyed', 'handed_to_police', 'returned'] as const;

/** What became of a seized parcel's goods: destroyed harmlessly (无害化销毁), handed to the police, returned. */
export const seizureDisposals = pgTable(
  'seizure_disposals',
  {
    parcelId: uuid('parcel_id').primaryKey().references(() => parcels.id, { onDelete: 'cascade' }),
    waybillNo: text('waybill_no').notNull(),
    originCity: text('origin_city').notNull(),
    kind: text('kind', { enum: DISPOSAL_KINDS }).notNull(),
    /** The qualified party that destroyed the goods, or the police unit, or to whom returned. */
    party: text('party').notNull(),
    certificateNo: text('certificate_no'),
    disposedAt: atMs('disposed_at').notNull(),
    note: text('note'),
    recordedBy: uuid('recorded_by').references(() => users.id),
    recordedByName: text('recorded_by_name').notNull(),
    recordedAt: atMs('recorded_at').notNull().defaultNow(),
  },
  (t) => [index('seizure_disposals_city_disposed_idx').on(t.originCity, t.disposedAt)],
);

// ── Suspect lists applied backwards (issue 16): new entries screen the parcels of the last N days ─────────────

export const RETRO_RUN_STATUSES = ['queued', 'running', 'done'] as const;

/**
 * One retroactive screening: the entries one request added (or one import), screened against the parcels taken in
 * within [windowFrom, windowTo), newest first, in short chunks on the job queue (server/watchlist/retro.ts). The
 * cursor and the counts move in the transaction that writes each chunk's alerts and flags, so a retried job resumes
 * where the last commit left it and never counts a parcel twice.
 */
export const watchlistRetroRuns = pgTable(
  'watchlist_retro_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    createdBy: uuid('created_by').references(() => users.id),
    /** Where the one who listed the entries works (null: an admin); the run is visible there. */
    jurisdiction: text('jurisdiction'),
    source: text('source', { enum: ['entries', 'import'] }).notNull(),
    lookbackDays: integer('lookback_days').notNull(),
    windowFrom: at('window_from').notNull(),
    windowTo: at('window_to').notNull(),
    entryCount: integer('entry_count').notNull(),
    status: text('status', { enum: RETRO_RUN_STATUSES }).notNull().default('queued'),
    /** The queue job carrying the run now (watchlist.retro:<id>:<chunk>): its failure is the run's. */
    jobKey: text('job_key').notNull(),
    /** The last parcel screened (created_at, id): the next chunk starts below it. Null: none yet. */
    cursorAt: at('cursor_at'),
    cursorId: uuid('cursor_id'),
    chunks: integer('chunks').notNull().default(0),
    parcelsScreened: integer('parcels_screened').notNull().default(0),
    matched: integer('matched').notNull().default(0),
    alertsOpened: integer('alerts_opened').notNull().default(0),
    alertsGrown: integer('alerts_grown').notNull().default(0),
    flaggedInNetwork: integer('flagged_in_network').notNull().default(0),
    /** Matched parcels per province (2-digit GB/T 2260) of the outlet that took them in. */
    matchedByProvince: jsonb('matched_by_province').$type<Record<string, number>>().notNull().default({}),
    createdAt: atMs('created_at').notNull().defaultNow(),
    startedAt: atMs('started_at'),
    finishedAt: atMs('finished_at'),
  },
  (t) => [
    check('watchlist_retro_runs_status_known', sql`${t.status} in ('queued', 'running', 'done')`),
    index('watchlist_retro_runs_created_idx').on(t.createdAt),
  ],
);

/** The entries a run screens for (an import may bring 100,000: a table, not an array on the run). */
export const watchlistRetroEntries = pgTable(
  'watchlist_retro_entries',
  {
    runId: uuid('run_id').notNull().references(() => watchlistRetroRuns.id, { onDelete: 'cascade' }),
    entryId: uuid('entry_id').notNull().references(() => watchlistEntries.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.runId, t.entryId] })],
);

/** The alerts a run opened or grew, each once: alertsOpened and alertsGrown count distinct alerts. */
export const watchlistRetroAlerts = pgTable(
  'watchlist_retro_alerts',
  {
    runId: uuid('run_id').notNull().references(() => watchlistRetroRuns.id, { onDelete: 'cascade' }),
    alertId: uuid('alert_id').notNull().references(() => alerts.id, { onDelete: 'cascade' }),
    opened: boolean('opened').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.alertId] })],
);

/**
 * A past parcel still in the network (accepted or held recently, not refused, not seized or returned by customs)
 * that a newly listed entry met: shown on the parcel and among its alert's parcels. Holds are not changed.
 */
export const watchlistRetroFlags = pgTable(
  'watchlist_retro_flags',
  {
    parcelId: uuid('parcel_id').notNull().references(() => parcels.id, { onDelete: 'cascade' }),
    entryId: uuid('entry_id').notNull().references(() => watchlistEntries.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').references(() => watchlistRetroRuns.id, { onDelete: 'set null' }),
    alertId: uuid('alert_id').references(() => alerts.id, { onDelete: 'set null' }),
    listType: text('list_type').notNull(),
    /** The entry as people see it (masked for ID numbers and phones). */
    entryValue: text('entry_value').notNull(),
    reason: jsonb('reason').$type<Reason>().notNull(),
    flaggedAt: atMs('flagged_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.parcelId, t.entryId] }), index('watchlist_retro_flags_alert_idx').on(t.alertId)],
);

// ── Organisations and contract customers, bulk intake, item lines, machine clients (issue 18) ─────────────

export const ORGANISATION_STATUSES = ['pending', 'approved', 'suspended', 'revoked'] as const;
export type OrganisationStatus = (typeof ORGANISATION_STATUSES)[number];

/**
 * 协议客户: an organisation sender, registered by its 统一社会信用代码 (GB 32100-2015) with a copy of its legal
 * representative's identity, reviewed by the regulators of its region (the code's administrative division).
 * senderId: its row in the sender archive (id_type USCC), which its parcels point at.
 */
export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    uscc: text('uscc').notNull(),
    name: text('name').notNull(),
    nameSimplified: text('name_simplified').notNull(),
    /** The 6-digit administrative division the code carries (its characters 3–8): who reviews it. */
    regionCode: text('region_code').notNull(),
    legalRepIdType: text('legal_rep_id_type').notNull(),
    legalRepIdBlind: text('legal_rep_id_blind').notNull(),
    legalRepIdSealed: text('legal_rep_id_sealed').notNull(),
    legalRepIdMasked: text('legal_rep_id_masked').notNull(),
    legalRepName: text('legal_rep_name').notNull(),
    address: text('address').notNull(),
    phoneBlind: text('phone_blind').notNull(),
    phoneSealed: text('phone_sealed').notNull(),
    phoneMasked: text('phone_masked').notNull(),
    status: text('status', { enum: ORGANISATION_STATUSES }).notNull().default('pending'),
    senderId: uuid('sender_id').references(() => senders.id),
    registeredBy: uuid('registered_by').references(() => users.id),
    /** The outlet whose staff registered it (the carrier's contract), when a courier or supervisor did. */
    registeredAtOutletId: text('registered_at_outlet_id').references(() => outlets.id),
    /** Set while a seizure or a confirmed alert on its parcels waits for a review; cleared by the next review. */
    reviewFlaggedAt: atMs('review_flagged_at'),
    createdAt: atMs('created_at').notNull().defaultNow(),
    updatedAt: atMs('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('organisations_uscc_uq').on(t.uscc),
    check('organisations_status_known', sql`${t.status} in ('pending', 'approved', 'suspended', 'revoked')`),
    index('organisations_region_idx').on(t.regionCode),
    index('organisations_legal_rep_idx').on(t.legalRepIdBlind),
    index('organisations_flagged_idx').on(t.reviewFlaggedAt).where(sql`review_flagged_at is not null`),
  ],
);

/** Every registration and review of an organisation: who, when, from which status to which, and why. */
export const organisationReviews = pgTable(
  'organisation_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id').notNull().references(() => organisations.id, { onDelete: 'cascade' }),
    decision: text('decision', { enum: ['register', 'approve', 'suspend', 'revoke'] }).notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason').notNull(),
    byUserId: uuid('by_user_id').references(() => users.id),
    byName: text('by_name').notNull(),
    byRole: text('by_role').notNull(),
    byJurisdiction: text('by_jurisdiction'),
    at: atMs('at').notNull().defaultNow(),
  },
  (t) => [index('organisation_reviews_org_idx').on(t.organisationId, t.at)],
);

/** What put an organisation up for review: a seizure of one of its parcels, or a confirmed alert resting on them. */
export const organisationFlags = pgTable(
  'organisation_flags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id').notNull().references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['seizure', 'alert_confirmed'] }).notNull(),
    parcelId: uuid('parcel_id').references(() => parcels.id, { onDelete: 'set null' }),
    alertId: uuid('alert_id').references(() => alerts.id, { onDelete: 'set null' }),
    /** The parcel's or the alert's id: one flag per organisation, kind and subject however often it is reported. */
    subjectId: text('subject_id').notNull(),
    at: atMs('at').notNull().defaultNow(),
    /** The review that dealt with it. */
    clearedByReviewId: uuid('cleared_by_review_id').references(() => organisationReviews.id),
  },
  (t) => [uniqueIndex('organisation_flags_subject_uq').on(t.organisationId, t.kind, t.subjectId)],
);

/** CN 23-like item lines of a cross-border parcel (declared.items). */
export const parcelItems = pgTable(
  'parcel_items',
  {
    parcelId: uuid('parcel_id').notNull().references(() => parcels.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    description: text('description').notNull(),
    hsCode: text('hs_code'),
    quantity: integer('quantity').notNull(),
    netWeightKg: numeric('net_weight_kg', { precision: 10, scale: 3, mode: 'number' }),
    valueCny: numeric('value_cny', { precision: 12, scale: 2, mode: 'number' }).notNull(),
    originCountry: text('origin_country'),
  },
  (t) => [primaryKey({ columns: [t.parcelId, t.lineNo] })],
);

export const BATCH_STATUSES = ['queued', 'running', 'done'] as const;

/**
 * A bulk intake of one approved organisation (POST /api/parcels/batch): its parcels are worked through on the job
 * queue, each in its own transaction with its item row, so a restart resumes where the last commit left it.
 */
export const parcelBatches = pgTable(
  'parcel_batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id').notNull().references(() => organisations.id),
    outletId: text('outlet_id').notNull().references(() => outlets.id),
    /** Who sent it (a courier, or a service account acting as one); intakes are recorded as theirs. */
    submittedBy: uuid('submitted_by').notNull().references(() => users.id),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash').notNull(),
    source: text('source', { enum: ['json', 'csv', 'xlsx'] }).notNull(),
    /** The handler who handed the batch over, sealed (JSON of the handler's identity), when one did. */
    handlerSealed: text('handler_sealed'),
    status: text('status', { enum: BATCH_STATUSES }).notNull().default('queued'),
    total: integer('total').notNull(),
    done: integer('done').notNull().default(0),
    accepted: integer('accepted').notNull().default(0),
    held: integer('held').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
    jobKey: text('job_key').notNull(),
    createdAt: atMs('created_at').notNull().defaultNow(),
    startedAt: atMs('started_at'),
    finishedAt: atMs('finished_at'),
  },
  (t) => [
    uniqueIndex('parcel_batches_idempotency_uq').on(t.submittedBy, t.idempotencyKey).where(sql`idempotency_key is not null`),
    check('parcel_batches_status_known', sql`${t.status} in ('queued', 'running', 'done')`),
    index('parcel_batches_outlet_created_idx').on(t.outletId, t.createdAt),
  ],
);

/** One parcel of a batch: its request (sealed: it carries names and phones) until it is done, then its outcome. */
export const parcelBatchItems = pgTable(
  'parcel_batch_items',
  {
    batchId: uuid('batch_id').notNull().references(() => parcelBatches.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    waybillNo: text('waybill_no'),
    requestSealed: text('request_sealed'),
    status: text('status', { enum: ['pending', 'done', 'invalid'] }).notNull().default('pending'),
    verdict: text('verdict'),
    parcelId: uuid('parcel_id').references(() => parcels.id, { onDelete: 'set null' }),
    errors: jsonb('errors').$type<{ path: string; code: string; message: string; messageZh?: string }[]>(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.index] }), index('parcel_batch_items_pending_idx').on(t.batchId, t.index).where(sql`status = 'pending'`)],
);

/**
 * API keys of service accounts (users.kind = 'service'). The key is shown once; only its SHA-256 is kept, found by
 * its public prefix. Rotation issues a new key beside the old until the old is revoked.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    label: text('label').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: atMs('created_at').notNull().defaultNow(),
    expiresAt: atMs('expires_at'),
    lastUsedAt: atMs('last_used_at'),
    revokedAt: atMs('revoked_at'),
    revokedBy: uuid('revoked_by').references(() => users.id),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix), index('api_keys_user_idx').on(t.userId)],
);

/**
 * Outbound webhooks (a customs risk system, a carrier's dispatch): which events, where, for which area. The signing
 * secret is shown once and kept sealed (it must be read to sign).
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    events: text('events').array().notNull(),
    /** Region prefix the events must fall in (null: national); carrier or outlet narrow it further. */
    jurisdiction: text('jurisdiction'),
    carrier: text('carrier'),
    outletId: text('outlet_id').references(() => outlets.id),
    createdBy: uuid('created_by').references(() => users.id),
    /** Customs officers' subscriptions (and admins' when asked): only cross-border events; seen only by customs officers. */
    crossBorderOnly: boolean('cross_border_only').notNull().default(false),
    createdAt: atMs('created_at').notNull().defaultNow(),
    disabledAt: atMs('disabled_at'),
  },
  (t) => [index('webhook_subscriptions_active_idx').on(t.createdAt).where(sql`disabled_at is null`)],
);

/** One event for one subscription: attempts, the last answer, delivered or failed for good. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id').notNull().references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: atMs('created_at').notNull().defaultNow(),
    lastAttemptAt: atMs('last_attempt_at'),
    deliveredAt: atMs('delivered_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_uq').on(t.subscriptionId, t.eventId),
    index('webhook_deliveries_sub_created_idx').on(t.subscriptionId, t.createdAt),
  ],
);

// ── Interception of parcels already in the network (拦截件, issue 23) ────────────────────────────────────

export const INTERCEPTION_STATUSES = ['requested', 'intercepted', 'not_found', 'already_delivered', 'withdrawn'] as const;

/**
 * One interception order per parcel, however many alerts or list entries reach back to it (its sources). The outlet
 * that took the parcel in (or the carrier's system) answers; intercepted turns into a hold.
 */
export const interceptionOrders = pgTable(
  'interception_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parcelId: uuid('parcel_id').notNull().references(() => parcels.id, { onDelete: 'cascade' }),
    waybillNo: text('waybill_no').notNull(),
    outletId: text('outlet_id').notNull().references(() => outlets.id),
    regionCode: text('region_code').notNull(),
    crossBorder: boolean('cross_border').notNull(),
    status: text('status', { enum: INTERCEPTION_STATUSES }).notNull().default('requested'),
    orderedAt: atMs('ordered_at').notNull(),
    dueAt: atMs('due_at').notNull(),
    escalatedAt: atMs('escalated_at'),
    answeredAt: atMs('answered_at'),
    answerNote: text('answer_note'),
    answeredBy: uuid('answered_by').references(() => users.id),
    answeredByName: text('answered_by_name'),
    answeredByRole: text('answered_by_role'),
  },
  (t) => [
    uniqueIndex('interception_orders_parcel_uq').on(t.parcelId),
    check('interception_orders_status_known', sql`${t.status} in ('requested', 'intercepted', 'not_found', 'already_delivered', 'withdrawn')`),
    index('interception_orders_open_due_idx').on(t.dueAt).where(sql`status = 'requested'`),
    index('interception_orders_outlet_idx').on(t.outletId, t.orderedAt),
    index('interception_orders_region_idx').on(t.regionCode, t.orderedAt),
  ],
);

/** Why an order stands: each alert, list entry or person that asked for it, once (sourceKey). */
export const interceptionSources = pgTable(
  'interception_sources',
  {
    orderId: uuid('order_id').notNull().references(() => interceptionOrders.id, { onDelete: 'cascade' }),
    /** alert:<id>, entry:<id> or manual:<userId>:<time>. */
    sourceKey: text('source_key').notNull(),
    kind: text('kind', { enum: ['alert', 'watchlist_entry', 'manual'] }).notNull(),
    alertId: uuid('alert_id').references(() => alerts.id, { onDelete: 'set null' }),
    entryId: uuid('entry_id').references(() => watchlistEntries.id, { onDelete: 'set null' }),
    byUserId: uuid('by_user_id').references(() => users.id),
    byName: text('by_name'),
    note: text('note'),
    /** The reason as a code with parameters (STYLE 12), rendered in either language. */
    reason: jsonb('reason').$type<Reason>().notNull(),
    at: atMs('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.sourceKey] }), index('interception_sources_alert_idx').on(t.alertId)],
);
