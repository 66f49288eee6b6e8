// "My holds" (我的暂扣): the outlet's held parcels and what became of them. The last list is kept in IndexedDB
// per user, so a reload or a dead zone still shows what to keep and what to hand on; it is refreshed from
// GET /api/holds when the network is back and on every (re)connect of the live /outlet socket, which sends
// hold:new and hold:updated in between (the server replays nothing: the reload is the catch-up).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Socket } from 'socket.io-client';

export type Disposition = 'returned_to_sender' | 'handed_to_customs' | 'handed_to_police';
export type HoldDecision = { action: 'release' | 'refuse' | string; by: string; byRole: string; at: string; note: string; disposition?: Disposition };
export type Hold = {
  waybillNo: string;
  parcelId: string;
  outletId: string;
  reasons: { code: string; message: string; messageZh?: string }[];
  crossBorder: boolean;
  heldAt: string;
  dueAt: string;
  status: 'pending' | 'released' | 'refused';
  overdue: boolean;
  overdueAt?: string;
  mayDecide: boolean;
  decision?: HoldDecision;
};
export type HoldsSnapshot = {
  username: string;
  holds: Hold[];
  /** When the server last answered with the whole list (null: never on this device). */
  fetchedAt: string | null;
  /** Decisions the user has had on screen (decisionKey), so the badge counts only the new ones. */
  seen: string[];
};

/** How far back decided holds are listed: long enough to cover a shift and the night after it. */
export const DECIDED_WINDOW_MS = 48 * 3600_000;
const PAGE = 100;
const MAX_PAGES = 5;

interface HoldsDb extends DBSchema {
  snapshots: { key: string; value: HoldsSnapshot };
}
let dbp: Promise<IDBPDatabase<HoldsDb>> | undefined;
const db = () =>
  (dbp ??= openDB<HoldsDb>('parcelguard-holds', 1, {
    upgrade(d) {
      d.createObjectStore('snapshots', { keyPath: 'username' });
    },
  }));

export const emptySnapshot = (username: string): HoldsSnapshot => ({ username, holds: [], fetchedAt: null, seen: [] });
export const loadSnapshot = async (username: string) => (await (await db()).get('snapshots', username)) ?? emptySnapshot(username);
export const saveSnapshot = async (s: HoldsSnapshot) => void (await (await db()).put('snapshots', s));

export const decisionKey = (h: Hold) => (h.decision ? `${h.parcelId}@${h.decision.at}` : null);
export const isDecided = (h: Hold) => h.status !== 'pending';
export const pendingCount = (s: HoldsSnapshot) => s.holds.filter((h) => !isDecided(h)).length;
export function unseenDecisions(s: HoldsSnapshot): Hold[] {
  const seen = new Set(s.seen);
  return s.holds.filter((h) => isDecided(h) && !seen.has(decisionKey(h)!));
}
/** Everything decided now on screen counts as seen (kept to what is still listed, so the set stays small). */
export function markAllSeen(s: HoldsSnapshot): HoldsSnapshot {
  return { ...s, seen: s.holds.filter(isDecided).map((h) => decisionKey(h)!) };
}

/** Pending first, the soonest due at the top; then decisions, newest first. */
export function ordered(holds: Hold[]): Hold[] {
  const pending = holds.filter((h) => !isDecided(h)).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const decided = holds.filter(isDecided).sort((a, b) => (b.decision?.at ?? b.heldAt).localeCompare(a.decision?.at ?? a.heldAt));
  return [...pending, ...decided];
}

/** A hold heard live, into the list; `decidedNow` when this is the moment its decision arrives here. */
export function mergeHold(s: HoldsSnapshot, hold: Hold): { snapshot: HoldsSnapshot; decidedNow: boolean } {
  const before = s.holds.find((h) => h.parcelId === hold.parcelId);
  const decidedNow = isDecided(hold) && (!before || !isDecided(before));
  return { snapshot: { ...s, holds: [hold, ...s.holds.filter((h) => h.parcelId !== hold.parcelId)] }, decidedNow };
}

export type RefreshOutcome = 'ok' | 'offline' | 'unauthenticated' | 'error';

async function getPages(status: 'pending' | 'decided', until: (h: Hold) => boolean): Promise<Hold[] | RefreshOutcome> {
  const out: Hold[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ status, limit: String(PAGE), ...(cursor ? { cursor } : {}) });
    const res = await fetch(`/api/holds?${q}`, { credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 401) return 'unauthenticated';
    if (!res.ok) return 'error';
    const body = (await res.json()) as { holds: Hold[]; nextCursor: string | null };
    const kept = body.holds.filter(until);
    out.push(...kept);
    // Decided holds come newest first: once one is older than the window, so is the rest.
    if (!body.nextCursor || kept.length < body.holds.length) break;
    cursor = body.nextCursor;
  }
  return out;
}

/** Fetches the whole list (pending, and decided within the window) and stores it; on failure the stored one stays. */
export async function refreshHolds(username: string, now = Date.now()): Promise<{ snapshot: HoldsSnapshot; outcome: RefreshOutcome; decidedNow: Hold[] }> {
  const stored = await loadSnapshot(username);
  try {
    const pending = await getPages('pending', () => true);
    if (typeof pending === 'string') return { snapshot: stored, outcome: pending, decidedNow: [] };
    const decided = await getPages('decided', (h) => now - Date.parse(h.decision?.at ?? h.heldAt) <= DECIDED_WINDOW_MS);
    if (typeof decided === 'string') return { snapshot: stored, outcome: decided, decidedNow: [] };
    const was = new Map(stored.holds.map((h) => [h.parcelId, h]));
    // Decided while this device was away from the list (offline, closed, reconnecting): worth a notice too,
    // but not on the very first load on this device, when everything would be "new".
    const decidedNow = stored.fetchedAt ? decided.filter((h) => was.get(h.parcelId)?.status === 'pending') : [];
    let snapshot: HoldsSnapshot = { ...stored, holds: [...pending, ...decided], fetchedAt: new Date(now).toISOString() };
    // A device's first list: what was decided before it ever looked is history, not news for the badge.
    if (!stored.fetchedAt) snapshot = markAllSeen(snapshot);
    await saveSnapshot(snapshot);
    return { snapshot, outcome: 'ok', decidedNow };
  } catch {
    return { snapshot: stored, outcome: 'offline', decidedNow: [] };
  }
}

export type DecideResult = { ok: true; hold: Hold } | { ok: false; status: number; code: string; detail: string; detailZh?: string };

/** A supervisor's decision: needs the network (a decision is never queued: others may decide meanwhile). */
export async function decideHold(waybillNo: string, action: 'release' | 'refuse', note: string, disposition?: Disposition): Promise<DecideResult> {
  try {
    const res = await fetch(`/api/parcels/${encodeURIComponent(waybillNo)}/${action}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(action === 'refuse' ? { note, disposition } : { note }),
    });
    const body = (await res.json().catch(() => ({}))) as { hold?: Hold; code?: string; detail?: string; detailZh?: string; title?: string };
    if (res.ok && body.hold) return { ok: true, hold: body.hold };
    return { ok: false, status: res.status, code: body.code ?? `HTTP_${res.status}`, detail: body.detail || body.title || `HTTP ${res.status}`, ...(body.detailZh ? { detailZh: body.detailZh } : {}) };
  } catch {
    return { ok: false, status: 0, code: 'NETWORK', detail: '' };
  }
}

export type OutletLive = { close(): void };

/**
 * The live /outlet namespace (session cookie; the server puts the socket in its outlet's room). Every
 * connect, first or after a drop, calls onConnect so the list is reloaded: nothing is replayed otherwise.
 */
export async function connectOutlet(on: { connect(): void; hold(h: Hold): void; state(live: boolean): void }): Promise<OutletLive> {
  const socket = await outletSocket();
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retries = 0;
  // socket.io retries a lost transport, but not a refused handshake or a server-side disconnect: knock again.
  const knock = () => {
    clearTimeout(retry);
    retry = setTimeout(() => socket.connect(), Math.min(15_000, 1000 * 2 ** retries++));
  };
  socket.on('connect', () => {
    retries = 0;
    on.state(true);
    on.connect();
  });
  socket.on('disconnect', (reason) => {
    on.state(false);
    if (reason === 'io server disconnect') knock();
  });
  socket.on('connect_error', () => {
    on.state(false);
    if (!socket.active) knock();
  });
  socket.on('hold:new', (h: Hold) => on.hold(h));
  socket.on('hold:updated', (h: Hold) => on.hold(h));
  return {
    close() {
      clearTimeout(retry);
      socket.removeAllListeners();
      socket.disconnect();
      shared = null;
    },
  };
}

let shared: Promise<Socket> | null = null;
/**
 * The one /outlet connection of the app: holds (connectOutlet, which owns and closes it) and the interception list
 * (interceptions.ts) listen on it for their own events, rather than each opening a socket of its own.
 */
export function outletSocket(): Promise<Socket> {
  shared ??= import('socket.io-client').then(({ io }) =>
    io('/outlet', { auth: {}, transports: ['websocket', 'polling'], reconnectionDelay: 1000, reconnectionDelayMax: 10_000 }),
  );
  return shared;
}
