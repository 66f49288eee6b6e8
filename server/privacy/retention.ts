// Personal data through its life: how long each class is kept, and the purge that deletes or anonymises what aged
// out. The purge is a job on the one job queue (privacy.purge: daily, and on demand for admins). It works oldest
// first in chunks of PURGE_CHUNK_ROWS, one short transaction each, taking rows with SKIP LOCKED, so a counter's intake
// never waits behind it; a row someone holds is left for the next run. Anything tied to open work waits: a parcel in
// an open case (directly or through its alerts), under an unresolved alert, with a pending hold, a pending customs
// inspection, seized goods not yet disposed of or a right-holder notice not yet answered — and with it its photos,
// notes and its sender's archive record. The delete itself asks again, so a case link committed meanwhile keeps its
// parcel. Running it twice changes nothing more.
import { sql, type SQL } from 'drizzle-orm';
import type { RetentionPolicy } from '../config.js';
import { queryRows, type Db } from '../db/database.js';
import { pruneAuditChain } from '../audit/chain.js';
import type { PiiVault } from './pii.js';

const DAY_MS = 86_400_000;
/** A photo uploaded and never used by an intake goes after this (a handheld offline for days still finds its photo). */
export const ORPHAN_PHOTO_DAYS = 7;
/** Orphans are looked for among uploads this recent; older ones go with the photo class at the latest. */
const ORPHAN_WINDOW_DAYS = 30;

export const DATA_CLASSES = ['archive_ids', 'archive_names', 'parcels', 'photos', 'inspection_notes', 'alerts_cases', 'ring_records', 'sessions', 'audit'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The schedule as people read it (GET /api/privacy/retention, the README table): what, counted from when, and why. */
export const RETENTION_CLASSES: {
  key: DataClass; setting: keyof RetentionPolicy['days']; env: string; what: string; whatZh: string; from: string; then: string; why: string;
  /** The same in Chinese, for the console's retention page (zh-CN first). */
  fromZh: string; thenZh: string; whyZh: string;
}[] = [
  {
    key: 'archive_ids', setting: 'archiveIds', env: 'RETENTION_ARCHIVE_IDS_DAYS',
    what: 'ID numbers and phones in the sender archive', whatZh: '用户信息档案库中的证件号码和电话',
    from: "the identity's last parcel", then: 'erased from the record (it no longer matches that identity)',
    why: 'Tracing a repeat sender (邮政法 Art. 36, the archive of 国办发〔2015〕77号) across rings that run for years and the cases behind them; three years covers the two-year limitation of 行政处罚法 Art. 36 and a review.',
    fromZh: '该身份最后一件邮件', thenZh: '从档案中抹去（不再能与该身份匹配）',
    whyZh: '追查跨越数年的团伙中反复出现的寄件人及其背后的案件（邮政法第三十六条，国办发〔2015〕77号的用户信息档案）；三年涵盖行政处罚法第三十六条的两年追责期和复核。',
  },
  {
    key: 'archive_names', setting: 'archiveNames', env: 'RETENTION_ARCHIVE_NAMES_DAYS',
    what: 'Names and addresses in the sender archive', whatZh: '用户信息档案库中的姓名和地址',
    from: "the identity's last parcel", then: 'erased; the record itself goes once both parts are erased and none of its parcels is left',
    why: 'Needed to recognise a person, less than the ID number; two years, the limitation period of 行政处罚法 Art. 36 (PIPL Art. 19: no longer than necessary).',
    fromZh: '该身份最后一件邮件', thenZh: '抹去；两部分都抹去且其邮件已无留存时，档案记录一并删除',
    whyZh: '识别一个人需要姓名和地址，但不如证件号码重要；保存两年，即行政处罚法第三十六条的追责期（个人信息保护法第十九条：不超过必要期限）。',
  },
  {
    key: 'parcels', setting: 'parcels', env: 'RETENTION_PARCELS_DAYS',
    what: 'Parcels: waybill data with the names, phones and addresses on them, inspection and screening records, hold, customs selection, ring membership',
    whatZh: '邮件及运单信息（含寄收件人姓名、电话、地址）、验视和安检记录、暂扣、海关布控、团伙关联',
    from: 'intake', then: 'deleted with everything that hangs on them (photos too)',
    why: 'Waybill data must be destroyed periodically (快递暂行条例); the real-name register was kept one year (2015 local rule), which also covers the monthly and yearly figures and most holds.',
    fromZh: '收寄', thenZh: '连同其关联的一切删除（包括照片）',
    whyZh: '运单信息须定期销毁（快递暂行条例）；实名登记信息曾保存一年（2015 年地方规定），也覆盖月度、年度统计和大多数暂扣。',
  },
  {
    key: 'photos', setting: 'photos', env: 'RETENTION_PHOTOS_DAYS',
    what: 'Inspection photos', whatZh: '验视照片',
    from: 'upload', then: `deleted (files and thumbnails) and removed from the inspection record; never-used uploads after ${ORPHAN_PHOTO_DAYS} days`,
    why: 'The most revealing and the heaviest data; disputes over an inspection and customs or right-holder claims come within months. At most the parcel period.',
    fromZh: '上传', thenZh: `删除（原图和缩略图）并从验视记录中移除；未被任何收寄使用的上传 ${ORPHAN_PHOTO_DAYS} 天后删除`,
    whyZh: '最敏感、也最占空间的数据；验视争议和海关、权利人的主张都在数月内提出。不超过邮件的保存期。',
  },
  {
    key: 'inspection_notes', setting: 'inspectionNotes', env: 'RETENTION_INSPECTION_NOTES_DAYS',
    what: 'Free-text inspection notes', whatZh: '验视备注（自由文本）',
    from: 'inspection', then: 'blanked; whether inspection and screening were done, and their results, stay with the parcel',
    why: 'Notes may say anything about a person; screening records were kept at least 30 days (2015 local rule). At most the parcel period.',
    fromZh: '验视', thenZh: '清空；是否验视、安检及其结果随邮件保留',
    whyZh: '备注可能写下关于一个人的任何事；安检记录曾至少保存 30 天（2015 年地方规定）。不超过邮件的保存期。',
  },
  {
    key: 'alerts_cases', setting: 'alertsCases', env: 'RETENTION_ALERTS_CASES_DAYS',
    what: 'Resolved alerts and closed cases, with their notes, links and timelines', whatZh: '已处置预警、已办结案件及其备注、关联和时间线',
    from: 'their last change', then: 'deleted (an alert linked to an open case waits)',
    why: 'Evidence of enforcement for reviews, appeals and the yearly summaries; three years covers the limitation of 行政处罚法 Art. 36 and a review.',
    fromZh: '最后一次变更', thenZh: '删除（关联到未结案件的预警等待）',
    whyZh: '执法证据，用于复核、复议和年度汇总；三年涵盖行政处罚法第三十六条的追责期和复核。',
  },
  {
    key: 'ring_records', setting: 'alertsCases', env: 'RETENTION_ALERTS_CASES_DAYS',
    what: "Ring analysts' records: allowlisted patterns (the address, name or phone they stand for) and ring events (moves, splits, allowlistings, with their waybills)",
    whatZh: '团伙分析记录：白名单（其代表的地址、姓名或电话）和团伙事件（转移、拆分、加入白名单及其运单号）',
    from: 'the end of an allowlisting (expiry or revocation); the event', then: 'ended allowlistings deleted; events keep what happened (kind, when, where to), not whom or which waybills',
    why: "The analysts' enforcement record, kept as long as the alerts and cases it explains (the same setting); an allowlisting in force stays, since it still steers the ring step.",
    fromZh: '白名单结束（到期或撤销）时；事件发生时', thenZh: '已结束的白名单删除；事件保留发生了什么（类型、时间、转往何处），不保留涉及的人和运单号',
    whyZh: '分析人员的执法记录，与其所解释的预警和案件保存同样长的时间（同一设置）；仍在生效的白名单保留，因为它仍影响团伙识别。',
  },
  {
    key: 'sessions', setting: 'sessions', env: 'RETENTION_SESSIONS_DAYS',
    what: 'Ended sessions and failed-login records', whatZh: '已结束的会话和登录失败记录',
    from: 'their end (the last failure)', then: 'deleted',
    why: 'Only needed to look into an attack on an account; failed logins also stay in the audit trail.',
    fromZh: '结束时（最后一次失败）', thenZh: '删除',
    whyZh: '只用于调查针对账号的攻击；登录失败也记录在审计日志中。',
  },
  {
    key: 'audit', setting: 'audit', env: 'RETENTION_AUDIT_DAYS',
    what: 'The audit trail', whatZh: '审计日志',
    from: 'the record', then: 'pruned oldest first from the start of its hash chain (never below 180 days: the database refuses)',
    why: 'PIPL Art. 56 keeps impact records three years; the Cybersecurity Law Art. 21 asks at least six months of logs.',
    fromZh: '记录时', thenZh: '从哈希链起点起按时间先后删除（数据库拒绝删除不满 180 天的记录）',
    whyZh: '个人信息保护法第五十六条要求影响评估记录保存三年；网络安全法第二十一条要求日志至少保存六个月。',
  },
];

export type ClassCounts = { removed: number; anonymised: number; waiting: number };
export type PurgeReport = {
  asOf: string;
  cutoffs: Record<DataClass, string>;
  classes: Record<DataClass, ClassCounts>;
  /** What went with parcels and cases besides them: ring members and keys, archive records, dangling case links. */
  related: { ringMembers: number; ringKeys: number; archiveRecords: number; caseLinks: number; loginRecords: number };
  durationMs: number;
};

const zero = (): ClassCounts => ({ removed: 0, anonymised: 0, waiting: 0 });

export function cutoffsOf(policy: RetentionPolicy, now: Date): Record<DataClass, Date> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const d = policy.days;
  return {
    archive_ids: ago(d.archiveIds),
    archive_names: ago(d.archiveNames),
    parcels: ago(d.parcels),
    photos: ago(d.photos),
    inspection_notes: ago(d.inspectionNotes),
    alerts_cases: ago(d.alertsCases),
    ring_records: ago(d.alertsCases),
    sessions: ago(d.sessions),
    audit: ago(d.audit),
  };
}

/**
 * Open work a parcel is tied to: then it, its photos and notes, and its sender's archive record wait. Seized goods
 * wait for their disposal record, and a right holder's notice (unsent, or sent and unanswered) for its answer: both
 * hang on the parcel and would go with it.
 */
export const parcelHasOpenWork = (parcelId: SQL) => sql`(
  exists (select 1 from holds h where h.parcel_id = ${parcelId} and h.status = 'pending')
  or exists (select 1 from customs_inspections ci where ci.parcel_id = ${parcelId} and ci.selected and ci.outcome is null)
  or exists (select 1 from customs_inspections ci where ci.parcel_id = ${parcelId} and ci.outcome = 'seized'
              and not exists (select 1 from seizure_disposals sd where sd.parcel_id = ${parcelId}))
  or exists (select 1 from right_holder_notices rn where rn.parcel_id = ${parcelId} and rn.answer is null)
  or exists (select 1 from alert_parcels ap join alerts a on a.id = ap.alert_id where ap.parcel_id = ${parcelId} and a.status <> 'resolved')
  or exists (select 1 from case_links cl join cases c on c.id = cl.case_id
              where cl.kind = 'parcel' and cl.ref_id = ${parcelId} and c.status = 'open')
  or exists (select 1 from alert_parcels ap join case_links cl on cl.kind = 'alert' and cl.ref_id = ap.alert_id
              join cases c on c.id = cl.case_id where ap.parcel_id = ${parcelId} and c.status = 'open'))`;

const alertInOpenCase = (alertId: SQL) =>
  sql`exists (select 1 from case_links cl join cases c on c.id = cl.case_id where cl.kind = 'alert' and cl.ref_id = ${alertId} and c.status = 'open')`;

/** A Postgres array literal of uuids (drizzle would spread a JS array into a list). */
const uuids = (ids: string[]) => `{${ids.join(',')}}`;
const n = (rows: unknown[]) => rows.length;

type Cursor = { at: string; id: string };
const START: Cursor = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
type Keyed = { id: string; at: string };

/** Parcels past their period, oldest first, with everything that hangs on them; photos no other parcel uses go too. */
async function purgeParcels(db: Db, cutoff: Date, chunk: number, out: PurgeReport) {
  const counts = out.classes.parcels;
  let cursor = START;
  for (;;) {
    const batch = await queryRows<Keyed>(
      db,
      sql`select id, created_at::text as at from parcels
           where created_at < ${cutoff.toISOString()}::timestamptz and (created_at, id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)
           order by created_at, id limit ${chunk}`,
    );
    if (!batch.length) return;
    cursor = batch[batch.length - 1]!;
    const removed = await db.transaction(async (tx) => {
      const ids = (
        await queryRows<{ id: string }>(
          tx,
          sql`select p.id from parcels p where p.id = any(${uuids(batch.map((b) => b.id))}::uuid[]) and not ${parcelHasOpenWork(sql`p.id`)}
               for update skip locked`,
        )
      ).map((r) => r.id);
      if (!ids.length) return 0;
      const list = uuids(ids);
      const photos = await queryRows<{ id: string }>(tx, sql`select distinct unnest(photo_ids)::text as id from parcel_inspections where parcel_id = any(${list}::uuid[])`);
      const members = await queryRows<{ id: string }>(tx, sql`select parcel_id as id from ring_members where parcel_id = any(${list}::uuid[])`);
      // The delete asks again, in its own statement: a case link (which has no foreign key) or an alert committed
      // since the rows were taken is seen here, and its parcel stays. Case linking takes FOR KEY SHARE on the parcel
      // (server/cases/router.ts), so a link still being written made the select above skip it.
      const deleted = new Set(
        (await queryRows<{ id: string }>(tx, sql`delete from parcels p where p.id = any(${list}::uuid[]) and not ${parcelHasOpenWork(sql`p.id`)} returning p.id`)).map((r) => r.id),
      );
      if (!deleted.size) return 0;
      const gone = deleted.size;
      const goneList = uuids([...deleted]);
      // Ring membership went with the parcel (a foreign key); counted for the report.
      out.related.ringMembers += members.filter((m) => deleted.has(m.id)).length;
      // Links from closed cases (an open case's parcels never get here): the case keeps its timeline, not a dangling id.
      out.related.caseLinks += n(await queryRows(tx, sql`delete from case_links where kind = 'parcel' and ref_id = any(${goneList}::uuid[]) returning 1`));
      if (photos.length) {
        out.classes.photos.removed += n(
          await queryRows(
            tx,
            sql`delete from media m where m.id = any(${uuids(photos.map((p) => p.id))}::uuid[])
                 and not exists (select 1 from parcel_inspections pi where pi.photo_ids @> array[m.id]) returning 1`,
          ),
        );
      }
      return gone;
    });
    counts.removed += removed;
    counts.waiting += batch.length - removed;
  }
}

/** Photos past their period (and uploads no intake ever used), unless a parcel carrying them is tied to open work. */
async function purgePhotos(db: Db, cutoff: Date, orphanCutoff: Date, chunk: number, out: PurgeReport) {
  const counts = out.classes.photos;
  const orphanFrom = new Date(orphanCutoff.getTime() - (ORPHAN_WINDOW_DAYS - ORPHAN_PHOTO_DAYS) * DAY_MS);
  // Two walks: everything past the photo period; then recent uploads past the orphan period, of which only orphans go.
  for (const [from, to, orphansOnly] of [[null, cutoff, false], [orphanFrom > cutoff ? orphanFrom : cutoff, orphanCutoff, true]] as const) {
    let cursor: Cursor = from ? { at: from.toISOString(), id: START.id } : START;
    for (;;) {
      const batch = await queryRows<Keyed>(
        db,
        sql`select id, created_at::text as at from media
             where created_at < ${to.toISOString()}::timestamptz and (created_at, id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)
             order by created_at, id limit ${chunk}`,
      );
      if (!batch.length) break;
      cursor = batch[batch.length - 1]!;
      const keep = orphansOnly
        ? sql`exists (select 1 from parcel_inspections pi where pi.photo_ids @> array[m.id])`
        : sql`exists (select 1 from parcel_inspections pi where pi.photo_ids @> array[m.id] and ${parcelHasOpenWork(sql`pi.parcel_id`)})`;
      const removed = await db.transaction(async (tx) => {
        const ids = (
          await queryRows<{ id: string }>(tx, sql`select m.id from media m where m.id = any(${uuids(batch.map((b) => b.id))}::uuid[]) and not ${keep} for update skip locked`)
        ).map((r) => r.id);
        if (!ids.length) return 0;
        const list = uuids(ids);
        // The inspection record keeps no id of a photo that is gone.
        await tx.execute(sql`update parcel_inspections set photo_ids = (select coalesce(array_agg(x), '{}') from unnest(photo_ids) x where x <> all(${list}::uuid[]))
                              where photo_ids && ${list}::uuid[]`);
        return n(await queryRows(tx, sql`delete from media where id = any(${list}::uuid[]) returning 1`));
      });
      counts.removed += removed;
      if (!orphansOnly) counts.waiting += batch.length - removed;
    }
  }
}

/** Inspection notes past their period are blanked (the partial index holds only rows with notes). */
async function blankInspectionNotes(db: Db, cutoff: Date, chunk: number, out: PurgeReport) {
  const counts = out.classes.inspection_notes;
  let cursor = START;
  for (;;) {
    const batch = await queryRows<Keyed>(
      db,
      sql`select parcel_id as id, inspected_at::text as at from parcel_inspections
           where notes <> '' and inspected_at < ${cutoff.toISOString()}::timestamptz and (inspected_at, parcel_id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)
           order by inspected_at, parcel_id limit ${chunk}`,
    );
    if (!batch.length) return;
    cursor = batch[batch.length - 1]!;
    const blanked = n(
      await queryRows(
        db,
        sql`update parcel_inspections set notes = '' where parcel_id in (
              select pi.parcel_id from parcel_inspections pi where pi.parcel_id = any(${uuids(batch.map((b) => b.id))}::uuid[]) and pi.notes <> ''
                 and not ${parcelHasOpenWork(sql`pi.parcel_id`)} for update skip locked) returning 1`,
      ),
    );
    counts.anonymised += blanked;
    counts.waiting += batch.length - blanked;
  }
}

/**
 * The sender archive, one pass by primary key (the table has one row per identity, and last_seen_at moves with every
 * intake, so it carries no index of its own). Erased ID numbers keep a sealed empty value, so any view that opens
 * them still works and shows nothing; the blind index becomes `erased:<id>`, so the identity no longer matches.
 */
async function purgeArchive(db: Db, vault: PiiVault, c: Record<DataClass, Date>, chunk: number, out: PurgeReport) {
  const ids = out.classes.archive_ids;
  const names = out.classes.archive_names;
  const erasedSeal = vault.seal('id_number', '');
  const idsCutoff = c.archive_ids.toISOString();
  const namesCutoff = c.archive_names.toISOString();
  const bothCutoff = (c.archive_ids < c.archive_names ? c.archive_ids : c.archive_names).toISOString();
  let after = START.id;
  for (;;) {
    const batch = await queryRows<{ id: string }>(db, sql`select id from senders where id > ${after}::uuid order by id limit ${chunk}`);
    if (!batch.length) return;
    after = batch[batch.length - 1]!.id;
    const list = uuids(batch.map((b) => b.id));
    // A row is in use while a parcel with open work names it, as its sender or as the handler who handed it over.
    const free = sql`not exists (select 1 from parcels p where p.sender_id = s.id and ${parcelHasOpenWork(sql`p.id`)})
                     and not exists (select 1 from parcels p where p.handler_sender_id = s.id and ${parcelHasOpenWork(sql`p.id`)})`;
    // A registered organisation's archive row (id_type USCC, server/organisations/) lives as long as the organisation:
    // its code is public, and the intake finds the row by it.
    const notOrganisation = sql`not exists (select 1 from organisations o where o.sender_id = s2.id)`;
    await db.transaction(async (tx) => {
      const removed = n(
        await queryRows(
          tx,
          sql`delete from senders s where s.id in (select s2.id from senders s2 where s2.id = any(${list}::uuid[]) and s2.last_seen_at < ${bothCutoff}::timestamptz
                 and not exists (select 1 from parcels p where p.sender_id = s2.id) and not exists (select 1 from parcels p where p.handler_sender_id = s2.id)
                 and ${notOrganisation} for update skip locked) returning 1`,
        ),
      );
      out.related.archiveRecords += removed;
      ids.anonymised += n(
        await queryRows(
          tx,
          sql`update senders s set id_blind = 'erased:' || s.id, id_sealed = ${erasedSeal}, id_masked = '', birth_date = null,
                     phone_blind = null, phone_sealed = null, phone_masked = null
               where s.id in (select s2.id from senders s2 where s2.id = any(${list}::uuid[]) and s2.last_seen_at < ${idsCutoff}::timestamptz
                                and s2.id_blind not like 'erased:%' and ${notOrganisation} for update skip locked) and ${free} returning 1`,
        ),
      );
      names.anonymised += n(
        await queryRows(
          tx,
          sql`update senders s set name = '', name_simplified = '', name_pinyin = '', address = null
               where s.id in (select s2.id from senders s2 where s2.id = any(${list}::uuid[]) and s2.last_seen_at < ${namesCutoff}::timestamptz
                                and s2.name <> '' and ${notOrganisation} for update skip locked) and ${free} returning 1`,
        ),
      );
      const [w] = await queryRows<{ ids: number; names: number }>(
        tx,
        sql`select count(*) filter (where last_seen_at < ${idsCutoff}::timestamptz and id_blind not like 'erased:%')::int as ids,
                   count(*) filter (where last_seen_at < ${namesCutoff}::timestamptz and name <> '')::int as names
              from senders where id = any(${list}::uuid[])`,
      );
      ids.waiting += w?.ids ?? 0;
      names.waiting += w?.names ?? 0;
    });
  }
}

/** Resolved alerts and closed cases past their period; an alert an open case rests on waits. */
async function purgeAlertsAndCases(db: Db, cutoff: Date, chunk: number, out: PurgeReport) {
  const counts = out.classes.alerts_cases;
  const at = cutoff.toISOString();
  for (;;) {
    const removed = await db.transaction(async (tx) => {
      const ids = (
        await queryRows<{ id: string }>(
          tx,
          sql`select a.id from alerts a where a.status = 'resolved' and a.updated_at < ${at}::timestamptz and not ${alertInOpenCase(sql`a.id`)}
               order by a.updated_at limit ${chunk} for update skip locked`,
        )
      ).map((r) => r.id);
      if (!ids.length) return 0;
      // As with parcels, the delete asks again: a link to an open case committed since the rows were taken keeps its alert.
      const gone = (await queryRows<{ id: string }>(tx, sql`delete from alerts a where a.id = any(${uuids(ids)}::uuid[]) and not ${alertInOpenCase(sql`a.id`)} returning a.id`)).map((r) => r.id);
      if (gone.length) out.related.caseLinks += n(await queryRows(tx, sql`delete from case_links where kind = 'alert' and ref_id = any(${uuids(gone)}::uuid[]) returning 1`));
      return gone.length;
    });
    counts.removed += removed;
    if (removed < chunk) break;
  }
  for (;;) {
    const removed = n(
      await queryRows(
        db,
        sql`delete from cases where id in (select id from cases where status = 'closed' and updated_at < ${at}::timestamptz
               order by updated_at limit ${chunk} for update skip locked) returning 1`,
      ),
    );
    counts.removed += removed;
    if (removed < chunk) break;
  }
  const [w] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from alerts a where a.status = 'resolved' and a.updated_at < ${at}::timestamptz and ${alertInOpenCase(sql`a.id`)}`,
  );
  counts.waiting += w?.n ?? 0;
}

async function purgeSessions(db: Db, cutoff: Date, now: Date, out: PurgeReport) {
  out.classes.sessions.removed += n(
    await queryRows(db, sql`delete from sessions where expires_at < ${now.toISOString()}::timestamptz or created_at < ${cutoff.toISOString()}::timestamptz returning 1`),
  );
  out.related.loginRecords += n(
    await queryRows(
      db,
      sql`delete from login_throttle where last_failure_at < ${cutoff.toISOString()}::timestamptz and in_flight = 0
             and (locked_until is null or locked_until < ${now.toISOString()}::timestamptz) returning 1`,
    ),
  );
  out.classes.sessions.removed += out.related.loginRecords;
}

/** Keys of a ring event's details that name people or parcels; what is left says what happened, when, and where to. */
const RING_EVENT_PERSONAL = ['label', 'waybillNo', 'waybillNos', 'parcelId', 'parcelIds', 'senderOf', 'note', 'reason'];

/**
 * Ring analysts' records past the alerts-and-cases period: allowlist entries that ended (expired or revoked) before the
 * cut-off are deleted — their label is the address, name or phone itself; ring events older than it lose their
 * personal keys. Neither table hangs on a parcel, so nothing else would ever remove them.
 */
async function purgeRingRecords(db: Db, cutoff: Date, chunk: number, out: PurgeReport) {
  const counts = out.classes.ring_records;
  const at = cutoff.toISOString();
  const personal = `{${RING_EVENT_PERSONAL.join(',')}}`;
  for (;;) {
    const removed = n(
      await queryRows(
        db,
        sql`delete from ring_allowlist where id in (select id from ring_allowlist where least(expires_at, coalesce(revoked_at, expires_at)) < ${at}::timestamptz
               limit ${chunk} for update skip locked) returning 1`,
      ),
    );
    counts.removed += removed;
    if (removed < chunk) break;
  }
  for (;;) {
    const anonymised = n(
      await queryRows(
        db,
        sql`update ring_events set details = details - ${personal}::text[] where id in (select id from ring_events
               where at < ${at}::timestamptz and details ?| ${personal}::text[] limit ${chunk} for update skip locked) returning 1`,
      ),
    );
    counts.anonymised += anonymised;
    if (anonymised < chunk) break;
  }
}

/** Ring links of parcels past their period: the keys are keyed hashes of identities, phones and addresses. */
async function purgeRingKeys(db: Db, cutoff: Date, chunk: number, out: PurgeReport) {
  for (;;) {
    const removed = n(
      await queryRows(
        db,
        sql`delete from ring_keys where key in (select key from ring_keys where last_seen_at < ${cutoff.toISOString()}::timestamptz
               limit ${chunk} for update skip locked) returning 1`,
      ),
    );
    out.related.ringKeys += removed;
    if (removed < chunk) return;
  }
}

/**
 * One purge, as of `now`. The caller records it in the audit trail (counts only; nothing personal). Classes run in
 * an order where later ones see what earlier ones freed: parcels before photos and the archive.
 */
export async function runPurge(db: Db, vault: PiiVault, policy: RetentionPolicy, now: Date): Promise<PurgeReport> {
  const started = Date.now();
  const c = cutoffsOf(policy, now);
  const out: PurgeReport = {
    asOf: now.toISOString(),
    cutoffs: Object.fromEntries(DATA_CLASSES.map((k) => [k, c[k].toISOString()])) as Record<DataClass, string>,
    classes: Object.fromEntries(DATA_CLASSES.map((k) => [k, zero()])) as Record<DataClass, ClassCounts>,
    related: { ringMembers: 0, ringKeys: 0, archiveRecords: 0, caseLinks: 0, loginRecords: 0 },
    durationMs: 0,
  };
  const chunk = policy.chunkRows;
  await purgeSessions(db, c.sessions, now, out);
  await purgeAlertsAndCases(db, c.alerts_cases, chunk, out);
  await purgeRingRecords(db, c.ring_records, chunk, out);
  await purgeParcels(db, c.parcels, chunk, out);
  await purgeRingKeys(db, c.parcels, chunk, out);
  await purgePhotos(db, c.photos, new Date(now.getTime() - ORPHAN_PHOTO_DAYS * DAY_MS), chunk, out);
  await blankInspectionNotes(db, c.inspection_notes, chunk, out);
  await purgeArchive(db, vault, c, chunk, out);
  out.classes.audit.removed = (await pruneAuditChain(db, c.audit, chunk)).removed;
  out.durationMs = Date.now() - started;
  return out;
}
