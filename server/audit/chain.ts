// The audit trail as a hash chain (migration 0020): the database hashes each row with the previous one on insert,
// under a lock on audit_chain_head. Here: checking the chain end to end, signing checkpoints of its head (anchors),
// and pruning its oldest rows when retention says so.
//
// What verify catches: a row changed in place (its hash no longer matches its content), a row removed from the
// middle (a gap in chain_seq, or the next row's prev_hash points at nothing), the newest rows removed (the head
// names rows that are not there), rows slipped in with the triggers off (no place in the chain), and — should
// someone with the database's owner role rewrite rows, hashes and head together — any anchor those rows no longer
// match, since anchors are signed with the server's key, which the database does not hold.
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { auditAnchors } from '../../models/schema.js';
import { queryRows, type Db, type Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';

export const BREAK_REASONS = ['HASH_MISMATCH', 'LINK_BROKEN', 'ROW_MISSING', 'UNCHAINED_ROW', 'HEAD_MISMATCH', 'ANCHOR_SIGNATURE_INVALID', 'ANCHOR_MISMATCH'] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];
export type ChainBreak = { seq: number | null; id: number | null; reason: BreakReason };
/** An anchor signed with a key this server is not configured with: not checked, and not a break either. */
export type UnverifiedAnchor = { seq: number; keyId: string; reason: 'ANCHOR_KEY_UNAVAILABLE' };

export type ChainReport = {
  intact: boolean;
  /** Rows whose hash and link were checked. */
  checkedRows: number;
  /** The head the walk was bounded by: rows written while it ran are left for the next check. */
  head: { seq: number; hash: string };
  /** Where the chain starts now: the last row pruned by retention (0 before any). */
  base: { seq: number; hash: string };
  /** checked: anchors whose signature was checked with the key they name; unverified: those whose key is not configured. */
  anchors: { checked: number; latest: { seq: number; at: string } | null; unverified: UnverifiedAnchor[] };
  /** The first thing found wrong, in chain order (anchors last); null when intact. */
  firstBroken: ChainBreak | null;
  checkedAt: string;
};

type HeadRow = { seq: string; hash: string; base_seq: string; base_hash: string };

export async function chainHead(db: Queryable): Promise<{ seq: number; hash: string; baseSeq: number; baseHash: string }> {
  const [h] = await queryRows<HeadRow>(db, sql`select seq::text, hash, base_seq::text, base_hash from audit_chain_head where id = 1`);
  if (!h) return { seq: 0, hash: '', baseSeq: 0, baseHash: '' };
  return { seq: Number(h.seq), hash: h.hash, baseSeq: Number(h.base_seq), baseHash: h.base_hash };
}

/** What an anchor's signature covers. */
const anchorMessage = (seq: number, hash: string, at: Date) => `${seq}|${hash}|${at.toISOString()}`;

/**
 * A key anchors are signed with: the blind-index key under its own purpose (HMAC-SHA256 of `audit_anchor\0<message>`,
 * what vault.blind computes). Its id is a keyed hash of a constant under the key: it names the key, reveals nothing.
 */
export type AnchorSigner = { readonly id: string; sign(message: string): string };
export type AnchorKeys = { current: AnchorSigner; byId: ReadonlyMap<string, AnchorSigner> };

const KEY_ID_MESSAGE = '\u0000anchor-key-id';
const signerOf = (sign: (message: string) => string): AnchorSigner => ({ id: `ak_${sign(KEY_ID_MESSAGE).slice(0, 12)}`, sign });

/**
 * The current signing key (the vault's blind-index key) and the retired ones still configured
 * (AUDIT_ANCHOR_RETIRED_KEYS: earlier PII_BLIND_INDEX_KEY values), so anchors signed before a rotation still verify.
 */
export function anchorKeys(vault: PiiVault, retired: readonly Buffer[] = []): AnchorKeys {
  const current = signerOf((m) => vault.blind('audit_anchor', m));
  const byId = new Map<string, AnchorSigner>();
  for (const key of retired) {
    const s = signerOf((m) => createHmac('sha256', key).update(`audit_anchor\u0000${m}`).digest('base64url'));
    byId.set(s.id, s);
  }
  byId.set(current.id, current);
  // Anchors made before anchor keys had ids of their own name the vault's encryption key; the vault that signed them
  // held the blind-index key configured beside it.
  if (!byId.has(vault.keyId)) byId.set(vault.keyId, current);
  return { current, byId };
}

const VERIFY_CHUNK = 5000;
/** A walk outside a snapshot starts again from the new base this many times when retention prunes under it. */
const MAX_RESTARTS = 3;

type ChainRow = { id: string; seq: string; prev_hash: string | null; hash: string | null; recomputed: string };

/**
 * Walks the chain from its base to its head, then checks the anchors. The walk is bounded by the head read first:
 * rows written while it runs (the verify's own audit row among them) are the next check's. On PostgreSQL it runs in
 * one REPEATABLE READ READ ONLY transaction, so head, anchors and rows are one snapshot and a prune running meanwhile
 * is invisible. PGlite has one connection, and a transaction there holds every other query (every counter's intake)
 * for the whole walk; so there it walks in chunks outside one, and a gap that opens because retention pruned the
 * start of the chain meanwhile (the base moved past it) starts the walk again from the new base.
 */
export async function verifyChain(db: Db, keys: AnchorKeys, o: { snapshot: boolean; now?: Date }): Promise<ChainReport> {
  const now = o.now ?? new Date();
  if (o.snapshot) return db.transaction((tx) => walkChain(tx, keys, now), { isolationLevel: 'repeatable read', accessMode: 'read only' });
  for (let restarts = 0; ; restarts++) {
    const report = await walkChain(db, keys, now);
    if (report.intact || restarts >= MAX_RESTARTS) return report;
    const gap = report.firstBroken?.reason === 'ROW_MISSING' || report.firstBroken?.reason === 'LINK_BROKEN';
    if (!gap || (await chainHead(db)).baseSeq === report.base.seq) return report;
  }
}

async function walkChain(db: Queryable, keys: AnchorKeys, now: Date): Promise<ChainReport> {
  // Anchors before the head: every anchor read was made from a head at or before the one the walk is bounded by.
  const anchors = await db.select().from(auditAnchors).orderBy(auditAnchors.seq);
  const head = await chainHead(db);
  const anchorAt = new Map<number, string>();
  for (const a of anchors) if (a.seq > head.baseSeq) anchorAt.set(a.seq, a.hash);
  let broken: ChainBreak | null = null;
  const found = (b: ChainBreak) => (broken ??= b);

  const [unchained] = await queryRows<{ id: string }>(db, sql`select id::text from audit_log where chain_seq is null order by id limit 1`);
  let prevSeq = head.baseSeq;
  let prevHash = head.baseHash;
  let checked = 0;
  const anchorSeen = new Map<number, string>();
  for (;;) {
    const rows = await queryRows<ChainRow>(
      db,
      sql`select id::text, chain_seq::text as seq, prev_hash, hash,
                 audit_row_digest(prev_hash, chain_seq, id, at, actor_user_id, actor_username, action, subject_type, subject_id, request_id, details) as recomputed
            from audit_log where chain_seq > ${prevSeq} and chain_seq <= ${head.seq} order by chain_seq limit ${VERIFY_CHUNK}`,
    );
    for (const r of rows) {
      const seq = Number(r.seq);
      const id = Number(r.id);
      if (seq !== prevSeq + 1) found({ seq: prevSeq + 1, id: null, reason: 'ROW_MISSING' });
      else if (r.prev_hash !== prevHash) found({ seq, id, reason: 'LINK_BROKEN' });
      if (r.hash !== r.recomputed) found({ seq, id, reason: 'HASH_MISMATCH' });
      if (anchorAt.has(seq)) anchorSeen.set(seq, r.hash ?? '');
      prevSeq = seq;
      prevHash = r.hash ?? '';
      checked++;
    }
    if (rows.length < VERIFY_CHUNK) break;
  }
  // The newest rows: the head (moved by the insert trigger in the same transaction) must name the last row.
  if (prevSeq < head.seq) found({ seq: prevSeq + 1, id: null, reason: 'ROW_MISSING' });
  else if (prevSeq !== head.seq || prevHash !== head.hash) found({ seq: head.seq, id: null, reason: 'HEAD_MISMATCH' });
  if (unchained) found({ seq: null, id: Number(unchained.id), reason: 'UNCHAINED_ROW' });

  const unverified: UnverifiedAnchor[] = [];
  for (const a of anchors) {
    // Each with the key it names; one whose key is not configured is told apart, not counted as a forgery.
    const signer = keys.byId.get(a.keyId);
    if (!signer) {
      unverified.push({ seq: a.seq, keyId: a.keyId, reason: 'ANCHOR_KEY_UNAVAILABLE' });
    } else if (signer.sign(anchorMessage(a.seq, a.hash, a.at)) !== a.signature) {
      found({ seq: a.seq, id: null, reason: 'ANCHOR_SIGNATURE_INVALID' });
    } else if (a.seq > head.baseSeq && anchorSeen.get(a.seq) !== a.hash) {
      // The row the anchor signed is gone (the head was rewound past it) or was rewritten with its successors.
      found({ seq: a.seq, id: null, reason: anchorSeen.has(a.seq) ? 'ANCHOR_MISMATCH' : 'ROW_MISSING' });
    }
  }
  const latest = anchors[anchors.length - 1];
  return {
    intact: broken === null,
    checkedRows: checked,
    head: { seq: head.seq, hash: head.hash },
    base: { seq: head.baseSeq, hash: head.baseHash },
    anchors: { checked: anchors.length - unverified.length, latest: latest ? { seq: latest.seq, at: latest.at.toISOString() } : null, unverified },
    firstBroken: broken,
    checkedAt: now.toISOString(),
  };
}

/**
 * Signs the current head (run every few minutes by the job `audit.anchor`) unless it has not moved since the last
 * anchor. The anchor also goes to the log, a copy outside the database.
 */
export async function anchorChain(db: Queryable, vault: PiiVault, log: Logger, now = new Date()): Promise<{ seq: number; hash: string } | null> {
  const head = await chainHead(db);
  if (head.seq === 0) return null;
  const [last] = await queryRows<{ seq: string }>(db, sql`select seq::text from audit_anchors order by id desc limit 1`);
  if (last && Number(last.seq) === head.seq) return null;
  const at = new Date(Math.floor(now.getTime()));
  const signer = anchorKeys(vault).current;
  const signature = signer.sign(anchorMessage(head.seq, head.hash, at));
  await db.insert(auditAnchors).values({ seq: head.seq, hash: head.hash, keyId: signer.id, signature, at });
  log.info({ auditAnchor: { seq: head.seq, hash: head.hash, at: at.toISOString(), keyId: signer.id, signature } }, 'audit chain anchored');
  return { seq: head.seq, hash: head.hash };
}

/**
 * Removes audit rows older than `cutoff` from the start of the chain, `chunkRows` per transaction. The database
 * allows only this (audit_prune, migration 0020): oldest first, never a row younger than 180 days.
 */
export async function pruneAuditChain(db: Queryable, cutoff: Date, chunkRows: number): Promise<{ removed: number; base: { seq: number; hash: string } }> {
  let removed = 0;
  for (;;) {
    const [r] = await queryRows<{ n: number }>(db, sql`select audit_prune(${cutoff.toISOString()}::timestamptz, ${chunkRows}) as n`);
    removed += Number(r?.n ?? 0);
    if (Number(r?.n ?? 0) < chunkRows) break;
  }
  const head = await chainHead(db);
  return { removed, base: { seq: head.baseSeq, hash: head.baseHash } };
}
