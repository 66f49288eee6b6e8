// Suspect lists applied backwards (issue 16): the entries one request lists screen the parcels taken in during the
// look-back window before them, on the job queue, newest first, a chunk at a time. Matching is intake's own
// (screen.ts builds the keys, the watchlist_candidates function fetches, match.ts scores); a hit opens or grows the
// entry's alert exactly as an intake hit does, and a parcel still in the network is flagged (its hold is not touched).
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { watchlistRetroRuns } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { raiseAlert, type AlertChange } from '../alerts/alerts.js';
import { provinceOf } from '../alerts/ownership.js';
import { recordAudit } from '../audit/audit.js';
import type { WatchlistRetroPolicy } from '../config.js';
import type { AppContext } from '../context.js';
import { queryRows, type Db, type Queryable } from '../db/database.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { orderForListEntry } from '../interception/orders.js';
import { enqueueJob } from '../jobs/store.js';
import { scoreHits, type Hit } from './match.js';
import { candidateArgs, candidateOf, companyEntries, organisationKeys, probesFor, screenInputOf, type CandidateRow, type ScreenInput } from './screen.js';
import { bestHitPerEntry, hitContribution } from './step.js';

export const RETRO_JOB_KIND = 'watchlist.retro';

export const RETRO_MESSAGES = defineMessages({
  WATCHLIST_RETRO_FLAG: {
    en: 'Listed after intake while the parcel may still be in the network — {reason}. Find where it is now.',
    zh: '收寄后列入嫌疑名单，邮件可能仍在寄递网络中——{reasonZh}。请查明邮件当前位置。',
  },
  RETRO_NOT_FOUND: { en: 'No retroactive screening {id} in your jurisdiction.', zh: '您的辖区内没有回溯筛查任务 {id}。' },
});

export type RetroStatus = 'queued' | 'running' | 'done' | 'failed';
export type RetroScreening = { jobId: string; lookbackDays: number; status: RetroStatus };

const DAY_MS = 86_400_000;
const jobKey = (runId: string, chunk: number) => `${RETRO_JOB_KIND}:${runId}:${chunk}`;
const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/**
 * Records a run for the entries just listed and queues its first job. Call it in the transaction that listed them
 * (or right after an import's batches): the job must not see a run whose entries are not all in. No entries (all
 * duplicates): a run done at once, so every answer has a retroScreening to show.
 */
export async function startRetroScreening(
  db: Queryable,
  o: { entryIds: string[]; user: AuthUser; source: 'entries' | 'import'; policy: WatchlistRetroPolicy; now: Date },
): Promise<RetroScreening> {
  const id = randomUUID();
  const empty = o.entryIds.length === 0;
  await db.insert(watchlistRetroRuns).values({
    id,
    createdBy: o.user.id,
    jurisdiction: o.user.role === 'admin' ? null : o.user.jurisdiction,
    source: o.source,
    lookbackDays: o.policy.lookbackDays,
    windowFrom: new Date(o.now.getTime() - o.policy.lookbackDays * DAY_MS),
    windowTo: o.now,
    entryCount: o.entryIds.length,
    status: empty ? 'done' : 'queued',
    jobKey: jobKey(id, 0),
    finishedAt: empty ? new Date() : null,
  });
  for (let at = 0; at < o.entryIds.length; at += 5000) {
    await db.execute(sql`insert into watchlist_retro_entries (run_id, entry_id)
                         select ${id}::uuid, e from unnest(${uuidArray(o.entryIds.slice(at, at + 5000))}) as e`);
  }
  if (!empty) await enqueueJob(db, { kind: RETRO_JOB_KIND, key: jobKey(id, 0), payload: { runId: id } });
  return { jobId: id, lookbackDays: o.policy.lookbackDays, status: empty ? 'done' : 'queued' };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The job: chunks until the window is screened or this job's time is up, then hands on to a follow-up job (the
 * runner does not renew leases, so no job holds one for long). Safe to run twice: each chunk rechecks the cursor.
 */
export async function runRetroJob(ctx: AppContext, runId: string): Promise<void> {
  const policy = ctx.config.watchlistRetro;
  const deadline = Date.now() + policy.jobMs;
  for (;;) {
    const started = performance.now();
    const r = await screenChunk(ctx, runId);
    if (r.state === 'done') return;
    if (Date.now() >= deadline) {
      await handOn(ctx.db, runId, r.chunks);
      return;
    }
    // Intakes get the database between chunks (with PGlite, the main thread too): a pause at least as long as the
    // chunk took, so a screening never takes more than half of the time, however busy the database is.
    await pause(Math.max(policy.pauseMs, performance.now() - started));
  }
}

/** Queues the follow-up job, keyed by the chunks done so far: a retried job handing on again makes no second one. */
async function handOn(db: Db, runId: string, chunks: number): Promise<void> {
  const key = jobKey(runId, chunks);
  await db.transaction(async (tx) => {
    await enqueueJob(tx, { kind: RETRO_JOB_KIND, key, payload: { runId } });
    await tx.update(watchlistRetroRuns).set({ jobKey: key }).where(eq(watchlistRetroRuns.id, runId));
  });
}

type PastParcel = {
  id: string;
  waybill_no: string;
  channel: 'postal' | 'express';
  region_code: string;
  cross_border: boolean;
  recipient_country: string;
  declared_value_cny: string | number;
  verdict: string;
  created_ms: string | number;
  hold_status: string | null;
  customs_outcome: string | null;
  id_blind: string;
  sender_name: string;
  sender_phone_blind: string | null;
  sender_address: string | null;
  recipient_name: string;
  recipient_phone_blind: string | null;
  recipient_address: string;
  declared_description: string;
  declared_brand: string | null;
  handler_id_blind: string | null;
  handler_phone_blind: string | null;
  handler_name: string | null;
  organisation_name: string | null;
  organisation_uscc: string | null;
};

type RunRow = { status: string; cursor_id: string | null; chunks: number };

/** What intake screens, from what the parcel stored (screen.ts screenInputOf, intake's own): ID and phones by their blind indexes. */
export function pastScreenInput(p: PastParcel): ScreenInput {
  return screenInputOf({
    waybillNo: p.waybill_no,
    idBlind: p.id_blind,
    senderName: p.sender_name,
    senderPhoneBlind: p.sender_phone_blind,
    senderAddress: p.sender_address,
    recipientName: p.recipient_name,
    recipientPhoneBlind: p.recipient_phone_blind,
    recipientAddress: p.recipient_address,
    declaredDescription: p.declared_description,
    declaredBrand: p.declared_brand,
    // The handler's archive row (their latest phone: the parcel keeps no copy of it).
    handler: p.handler_id_blind ? { idBlind: p.handler_id_blind, phoneBlind: p.handler_phone_blind, name: p.handler_name ?? '' } : null,
    organisation: p.organisation_uscc ? { name: p.organisation_name ?? '', uscc: p.organisation_uscc } : null,
  });
}

/**
 * Still in the network, as far as ParcelGuard can tell (no delivery scans reach it): taken in (accepted or held),
 * not refused on its hold, not seized or returned by customs, and recent enough for its kind of route.
 */
export function stillInNetwork(
  p: { verdict: string; holdStatus: string | null; customsOutcome: string | null; crossBorder: boolean; createdAt: Date },
  now: Date,
  policy: WatchlistRetroPolicy,
): boolean {
  if (p.verdict === 'rejected' || p.holdStatus === 'refused') return false;
  if (p.customsOutcome === 'seized' || p.customsOutcome === 'returned') return false;
  const days = p.crossBorder ? policy.inNetworkDaysCrossBorder : policy.inNetworkDays;
  return now.getTime() - p.createdAt.getTime() < days * DAY_MS;
}

/** The next parcels below the run's cursor, newest first, with what screening and the in-network rule need. */
async function nextParcels(db: Db, runId: string, limit: number): Promise<PastParcel[]> {
  return queryRows<PastParcel>(
    db,
    sql`select p.id, p.waybill_no, p.channel, p.region_code, p.cross_border, p.recipient_country, p.declared_value_cny, p.verdict,
               (extract(epoch from p.created_at) * 1000)::float8 as created_ms, h.status as hold_status, ci.outcome as customs_outcome,
               s.id_blind, p.sender_name, p.sender_phone_blind, p.sender_address, p.recipient_name, p.recipient_phone_blind,
               p.recipient_address, p.declared_description, p.declared_brand,
               hs.id_blind as handler_id_blind, hs.phone_blind as handler_phone_blind, hs.name as handler_name,
               o.name as organisation_name, o.uscc as organisation_uscc
          from watchlist_retro_runs r
          join parcels p on p.created_at >= r.window_from
                        and (p.created_at, p.id) < (coalesce(r.cursor_at, r.window_to), coalesce(r.cursor_id, '00000000-0000-0000-0000-000000000000'::uuid))
          join senders s on s.id = p.sender_id
          left join senders hs on hs.id = p.handler_sender_id
          left join organisations o on o.id = p.organisation_id
          left join holds h on h.parcel_id = p.id
          left join customs_inspections ci on ci.parcel_id = p.id
         where r.id = ${runId} and r.status <> 'done'
         order by p.created_at desc, p.id desc
         limit ${limit}`,
  );
}

/**
 * Each parcel's hits on the run's entries: intake's candidate function for every parcel of the chunk in one
 * statement (one round trip), only the run's entries kept, then intake's scoring.
 */
export async function hitsOnRun(db: Queryable, runId: string, inputs: ScreenInput[]): Promise<Hit[][]> {
  const args = inputs.map(candidateArgs);
  const rows = await queryRows<CandidateRow & { i: number }>(
    db,
    sql`select (x.ord - 1)::int as i, c.*
          from jsonb_array_elements(${JSON.stringify(args)}::jsonb) with ordinality as x(a, ord)
          cross join lateral watchlist_candidates(
            array(select jsonb_array_elements_text(x.a -> 'exactKeys')), array(select jsonb_array_elements_text(x.a -> 'nameKeys')),
            x.a ->> 'senderNameFuzzy', x.a ->> 'recipientNameFuzzy', x.a ->> 'companyKey',
            array(select jsonb_array_elements_text(x.a -> 'addressKeys')), array(select jsonb_array_elements_text(x.a -> 'addressDoors')),
            array(select jsonb_array_elements_text(x.a -> 'brands')), x.a ->> 'brandText') c
         where exists (select 1 from watchlist_retro_entries re where re.run_id = ${runId} and re.entry_id = c.id)`,
  );
  const byParcel = inputs.map(() => new Map<string, CandidateRow>());
  for (const r of rows) byParcel[r.i]!.set(r.id, r);
  // Organisation senders' names and codes against `company` entries: intake's second read, once for the chunk.
  const orgKeys = inputs.map(organisationKeys);
  const allOrgKeys = [...new Set(orgKeys.flat())];
  if (allOrgKeys.length) {
    const companies = await companyEntries(db, allOrgKeys, runId);
    orgKeys.forEach((keys, i) => companies.filter((c) => keys.includes(c.match_key)).forEach((c) => byParcel[i]!.set(c.id, c)));
  }
  return inputs.map((input, i) => (byParcel[i]!.size ? bestHitPerEntry(scoreHits(probesFor(input), [...byParcel[i]!.values()].map(candidateOf))) : []));
}

type ChunkResult = { state: 'done' } | { state: 'more'; chunks: number };

/**
 * One chunk: read and match without locks, then write in one short transaction that first checks the cursor is
 * still where the read began (another worker may have taken the chunk: then nothing is written and we read again).
 * The cursor, the counts, the alerts and the flags commit together; live alerts go out after the commit.
 */
export async function screenChunk(ctx: AppContext, runId: string): Promise<ChunkResult> {
  const { db, config } = ctx;
  const policy = config.watchlistRetro;
  const [before] = await queryRows<RunRow>(db, sql`select status, cursor_id, chunks from watchlist_retro_runs where id = ${runId}`);
  if (!before || before.status === 'done') return { state: 'done' };
  const parcels = await nextParcels(db, runId, policy.chunkSize);
  const inputs = parcels.map(pastScreenInput);
  const hits = parcels.length ? await hitsOnRun(db, runId, inputs) : [];
  const now = ctx.clock();

  const written = await retryOnDeadlock(() =>
    db.transaction(async (tx) => {
      const [run] = await queryRows<RunRow>(tx, sql`select status, cursor_id, chunks from watchlist_retro_runs where id = ${runId} for update`);
      if (!run || run.status === 'done') return { state: 'done' as const, changes: [] };
      if (run.cursor_id !== before.cursor_id) return { state: 'more' as const, chunks: run.chunks, changes: [] };
      const out = await recordHits(tx, runId, parcels, hits, now, policy);
      const last = parcels[parcels.length - 1];
      const done = parcels.length < policy.chunkSize;
      await tx.execute(sql`
        update watchlist_retro_runs set
          cursor_at = coalesce((select created_at from parcels where id = ${last?.id ?? null}::uuid), cursor_at),
          cursor_id = coalesce(${last?.id ?? null}::uuid, cursor_id),
          chunks = chunks + 1,
          parcels_screened = parcels_screened + ${parcels.length},
          matched = matched + ${out.matched},
          alerts_opened = alerts_opened + ${out.opened},
          alerts_grown = alerts_grown + ${out.grown},
          flagged_in_network = flagged_in_network + ${out.flagged},
          matched_by_province = matched_by_province || coalesce((
            select jsonb_object_agg(e.key, coalesce((matched_by_province ->> e.key)::int, 0) + e.value::int)
              from jsonb_each_text(${JSON.stringify(out.byProvince)}::jsonb) e), '{}'::jsonb),
          status = ${done ? 'done' : 'running'},
          started_at = coalesce(started_at, now()),
          finished_at = ${done ? sql`now()` : sql`null`}
        where id = ${runId}`);
      if (done) {
        const [counts] = await queryRows<Record<string, number>>(
          tx,
          sql`select parcels_screened as "parcelsScreened", matched, alerts_opened as "alertsOpened", alerts_grown as "alertsGrown",
                     flagged_in_network as "flaggedInNetwork", entry_count as entries
                from watchlist_retro_runs where id = ${runId}`,
        );
        await recordAudit(tx, { actor: null, action: 'watchlist.retro.done', subjectType: 'watchlist_retro', subjectId: runId, details: counts ?? {} });
      }
      return done ? { state: 'done' as const, changes: out.changes } : { state: 'more' as const, chunks: run.chunks + 1, changes: out.changes };
    }),
  );
  for (const change of written.changes) ctx.bus.emit('alert', change);
  return written.state === 'done' ? { state: 'done' } : { state: 'more', chunks: written.chunks };
}

/**
 * The chunk's hits as intake would record them, skipping what is on the alert already (intake met the parcel, or
 * an earlier attempt did): a parcel is never counted twice on an alert, whatever is retried.
 */
async function recordHits(tx: Queryable, runId: string, parcels: PastParcel[], hits: Hit[][], now: Date, policy: WatchlistRetroPolicy) {
  const out = { matched: 0, opened: 0, grown: 0, flagged: 0, byProvince: {} as Record<string, number>, changes: [] as AlertChange[] };
  const pairs = parcels.flatMap((p, i) => hits[i]!.map((hit) => ({ p, hit })));
  if (!pairs.length) return out;
  const entryIds = [...new Set(pairs.map((x) => x.hit.entryId))];
  // Entries removed or expired since the read match no more, as at intake.
  const live = new Set(
    (
      await queryRows<{ id: string }>(
        tx,
        sql`select id from watchlist_entries where id = any(${uuidArray(entryIds)}) and deleted_at is null and (expires_at is null or expires_at > now())`,
      )
    ).map((r) => r.id),
  );
  const known = new Set(
    (
      await queryRows<{ parcel_id: string; group_key: string }>(
        tx,
        sql`select ap.parcel_id, a.group_key from alert_parcels ap join alerts a on a.id = ap.alert_id
             where a.status <> 'resolved' and ap.parcel_id = any(${uuidArray([...new Set(pairs.map((x) => x.p.id))])})
               and a.group_key = any(${`{${entryIds.map((id) => `watchlist:${id}`).join(',')}}`}::text[])`,
      )
    ).map((r) => `${r.parcel_id}|${r.group_key}`),
  );
  const latest = new Map<string, AlertChange>();
  const matchedParcels = new Set<string>();
  const flaggedParcels = new Set<string>();
  // Alert rows are locked in one order (by entry) so two chunks never wait on each other crosswise.
  pairs.sort((a, b) => a.hit.entryId.localeCompare(b.hit.entryId) || a.p.id.localeCompare(b.p.id));
  for (const { p, hit } of pairs) {
    if (!live.has(hit.entryId)) continue;
    if (!matchedParcels.has(p.id)) {
      matchedParcels.add(p.id);
      const province = provinceOf(p.region_code);
      out.byProvince[province] = (out.byProvince[province] ?? 0) + 1;
    }
    if (known.has(`${p.id}|watchlist:${hit.entryId}`)) continue;
    const change = await raiseAlert(
      tx,
      hitContribution(hit, {
        id: p.id,
        waybillNo: p.waybill_no,
        valueCny: Number(p.declared_value_cny),
        regionCode: p.region_code,
        crossBorder: p.cross_border,
        country: p.recipient_country,
        channel: p.channel,
      }),
    );
    const first = await queryRows<{ opened: boolean }>(
      tx,
      sql`insert into watchlist_retro_alerts (run_id, alert_id, opened) values (${runId}, ${change.alert.id}, ${change.event === 'alert:new'})
          on conflict do nothing returning opened`,
    );
    if (first[0]) out[first[0].opened ? 'opened' : 'grown']++;
    // Its latest state, announced as new if this chunk opened it.
    const prior = latest.get(change.alert.id);
    // The matching parcel, if accepted and still on its way, is ordered stopped (拦截件); the orders travel with the
    // alert's change and are announced once it is published after commit (server/interception/events.ts).
    const ordered = [
      ...(prior?.interceptions ?? []),
      ...(change.interceptions ?? []),
      ...(await orderForListEntry(tx, p.id, { entryId: hit.entryId, alertId: change.alert.id, reason: hit.reason, reasonZh: hit.reasonZh }, now)),
    ];
    latest.set(change.alert.id, { ...(prior?.event === 'alert:new' ? { ...change, event: 'alert:new' } : change), ...(ordered.length ? { interceptions: ordered } : {}) });
    const inNetwork = stillInNetwork(
      { verdict: p.verdict, holdStatus: p.hold_status, customsOutcome: p.customs_outcome, crossBorder: p.cross_border, createdAt: new Date(Number(p.created_ms)) },
      now,
      policy,
    );
    if (!inNetwork) continue;
    const reason = { code: RETRO_MESSAGES.WATCHLIST_RETRO_FLAG, ...bilingual(RETRO_MESSAGES.WATCHLIST_RETRO_FLAG, { reason: hit.reason, reasonZh: hit.reasonZh }) };
    const flag = await queryRows<{ parcel_id: string }>(
      tx,
      sql`insert into watchlist_retro_flags (parcel_id, entry_id, run_id, alert_id, list_type, entry_value, reason)
          values (${p.id}, ${hit.entryId}, ${runId}, ${change.alert.id}, ${hit.listType}, ${hit.entry}, ${JSON.stringify(reason)}::jsonb)
          on conflict do nothing returning parcel_id`,
    );
    if (flag.length) flaggedParcels.add(p.id);
  }
  out.matched = matchedParcels.size;
  out.flagged = flaggedParcels.size;
  out.changes = [...latest.values()];
  return out;
}

const DEADLOCK = '40P01';

/** A chunk and an intake locking two of the same alerts crosswise: PostgreSQL aborts one; the chunk is simply written again. */
async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      if (i >= attempts || code !== DEADLOCK) throw err;
    }
  }
}
