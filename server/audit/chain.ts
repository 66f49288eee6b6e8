// The audit trail as a hash chain (migration 0020): the database hashes each row with the previous one on insert,
// under a lock on audit_chain_head. Here: checking the chain end to end, signing checkpoints of its head (anchors),
// and pruning its oldest rows when retention says so.
//
// What verify catches: a row changed in place (its hash no longer matches its content), a row removed from the
// middle (a gap in chain_seq, or the next row's prev_hash points at nothing), the newest rows removed (the head
// names rows that are not there), rows slipped in with the triggers off (no place in the chain), and — should
// someone with the database's owner role rewrite rows, hashes and head together — any anchor those rows no longer
// match, since anchors are signed with the server's key, which the database does not hold.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { auditAnchors } from '../../models/schema.js';
import { queryRows, type Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';

export const BREAK_REASONS = ['HASH_MISMATCH', 'LINK_BROKEN', 'ROW_MISSING', 'UNCHAINED_ROW', 'HEAD_MISMATCH', 'ANCHOR_SIGNATURE_INVALID', 'ANCHOR_MISMATCH'] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];
export type ChainBreak = { seq: number | null; id: number | null; reason: BreakReason };

export type ChainReport = {
  intact: boolean;
  /** Rows whose hash and link were checked. */
  checkedRows: number;
  head: { seq: number; hash: string };
  /** Where the chain starts now: the last row pruned by retention (0 before any). */
  base: { seq: number; hash: string };
  anchors: { checked: number; latest: { seq: number; at: string } | null };
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

/** What an anchor's signature covers; the key is the blind-index key under its own purpose. */
const anchorMessage = (seq: number, hash: string, at: Date) => `${seq}|${hash}|${at.toISOString()}`;

const VERIFY_CHUNK = 5000;

type ChainRow = { id: string; seq: string; prev_hash: string | null; hash: string | null; recomputed: string };

/** Walks the chain from its base to its head in chunks (no long transaction), then checks the anchors. */
export async function verifyChain(db: Queryable, vault: PiiVault, now = new Date()): Promise<ChainReport> {
  const head = await chainHead(db);
  const anchors = await db.select().from(auditAnchors).orderBy(auditAnchors.seq);
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
            from audit_log where chain_seq > ${prevSeq} order by chain_seq limit ${VERIFY_CHUNK}`,
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

  for (const a of anchors) {
    if (vault.blind('audit_anchor', anchorMessage(a.seq, a.hash, a.at)) !== a.signature) {
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
    anchors: { checked: anchors.length, latest: latest ? { seq: latest.seq, at: latest.at.toISOString() } : null },
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
  const signature = vault.blind('audit_anchor', anchorMessage(head.seq, head.hash, at));
  await db.insert(auditAnchors).values({ seq: head.seq, hash: head.hash, keyId: vault.keyId, signature, at });
  log.info({ auditAnchor: { seq: head.seq, hash: head.hash, at: at.toISOString(), signature } }, 'audit chain anchored');
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
