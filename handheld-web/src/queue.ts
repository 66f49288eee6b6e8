// The durable outbox. Every intake is written here first, photos and Idempotency-Key included, and only
// then sent, so a dropped network, a closed tab or a flat battery loses nothing; the key makes every resend
// the same request, so nothing is taken in twice. One sender at a time across tabs (Web Locks).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export type Verdict = 'accepted' | 'held' | 'rejected';
export type IntakeResult = {
  parcel: { id: string; waybillNo: string; status: string; createdAt: string };
  verdict: Verdict;
  reasons: { code: string; message: string; messageZh?: string }[];
  customsInspection?: { selected: boolean; rate: number; routeKey: string };
  alerts: { id: string; type: string; severity: string }[];
};
export type FieldProblem = { path: string; code: string; message: string; messageZh?: string };

export type QueueState = 'waiting' | 'sending' | 'done' | 'needs-fix';
export type QueuedIntake = {
  id: string;
  idempotencyKey: string;
  createdAt: string;
  /** The intake body without photoIds: those come from uploading `photos`. */
  body: Record<string, unknown> & { waybillNo: string; inspection: Record<string, unknown> };
  photos: Blob[];
  /** Photos uploaded so far (a resend does not upload them again). */
  photoIds: string[];
  state: QueueState;
  attempts: number;
  lastError?: string;
  /** The server's Chinese for lastError, when it gave one (the queue screen speaks the courier's language). */
  lastErrorZh?: string | undefined;
  errors?: FieldProblem[];
  result?: IntakeResult;
  /** The verdict was read back from the stored parcel (the intake had reached the server under another key). */
  recovered?: boolean;
  /** Who took it in: only they reuse its sender (same sender as last, the look-up by ID number) on a shared device. */
  username?: string;
};

/** The intake being filled in, kept beside the outbox (it holds the same personal data) until sent or logged out. */
export type SavedDraft = { username: string; step: number; draft: Record<string, unknown> };

interface OutboxDb extends DBSchema {
  intakes: { key: string; value: QueuedIntake; indexes: { byCreated: string } };
  drafts: { key: string; value: SavedDraft };
}

let dbp: Promise<IDBPDatabase<OutboxDb>> | undefined;
const db = () =>
  (dbp ??= openDB<OutboxDb>('parcelguard-handheld', 2, {
    upgrade(d, from) {
      if (from < 1) d.createObjectStore('intakes', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      if (from < 2) d.createObjectStore('drafts');
    },
  }));

/** One draft per device: a reload (or a flat battery) comes back to it; a new intake or a logout clears it. */
export const saveDraft = async (saved: SavedDraft) => void (await (await db()).put('drafts', saved, 'current'));
export const loadDraft = async () => (await db()).get('drafts', 'current');
export const clearDraft = async () => (await db()).delete('drafts', 'current');

/**
 * Queues an intake under its draft's key: the key is made when the intake starts and kept until the next one,
 * so a second tap, a resubmitted form or a reload sends the same request, never a second parcel. An item
 * already queued under the key is returned as it is.
 */
export async function enqueue(body: QueuedIntake['body'], photos: Blob[], key: string = crypto.randomUUID(), username?: string): Promise<QueuedIntake> {
  const existing = await getQueued(key);
  if (existing && existing.state !== 'needs-fix') return existing;
  const item: QueuedIntake = {
    id: key,
    idempotencyKey: key,
    createdAt: new Date().toISOString(),
    body,
    photos,
    photoIds: [],
    state: 'waiting',
    attempts: 0,
    ...(username ? { username } : {}),
  };
  await (await db()).put('intakes', item);
  return item;
}

export const listQueue = async () => (await db()).getAllFromIndex('intakes', 'byCreated');
/** The intakes this courier took in on this device (another courier's senders are not theirs to reuse). */
export const listOwnQueue = async (username: string) => (await listQueue()).filter((i) => i.username === username);

/**
 * At logout: the intakes already decided leave the device (their identities and phones served their purpose; the
 * verdict is on the server). Those still waiting or needing a fix stay, to be sent.
 */
export async function forgetDecided(): Promise<void> {
  const store = await db();
  for (const item of await store.getAllFromIndex('intakes', 'byCreated')) if (item.state === 'done') await store.delete('intakes', item.id);
}
export const getQueued = async (id: string) => (await db()).get('intakes', id);
export const saveQueued = async (item: QueuedIntake) => (await db()).put('intakes', item);
export const removeQueued = async (id: string) => (await db()).delete('intakes', id);

/** `offline`: the server could not be reached at all; `retry`: it answered, but could not take it now. */
export type SendOutcome = 'done' | 'needs-fix' | 'retry' | 'offline' | 'unauthenticated';
/** lastError of an item that could not reach the server (shown in the courier's language). */
export const NETWORK_ERROR = 'NETWORK';

/**
 * Sends one queued intake: its photos not yet uploaded, then the intake with its Idempotency-Key. A network
 * failure or a server error leaves it waiting; a 4xx about the data marks it for correcting.
 */
export async function sendOne(item: QueuedIntake): Promise<SendOutcome> {
  item.state = 'sending';
  item.attempts++;
  await saveQueued(item);
  try {
    while (item.photoIds.length < item.photos.length) {
      const form = new FormData();
      form.append('file', item.photos[item.photoIds.length]!, `photo-${item.photoIds.length + 1}.jpg`);
      const res = await fetch('/api/media', { method: 'POST', body: form, credentials: 'same-origin' });
      if (!res.ok) return await failed(item, res);
      item.photoIds.push(((await res.json()) as { id: string }).id);
      await saveQueued(item);
    }
    const body = { ...item.body, inspection: { ...item.body.inspection, photoIds: item.photoIds } };
    const res = await fetch('/api/parcels', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': item.idempotencyKey },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) return await failed(item, res);
    item.result = (await res.json()) as IntakeResult;
    item.state = 'done';
    item.lastError = undefined;
    item.errors = undefined;
    await saveQueued(item);
    return 'done';
  } catch (err) {
    item.state = 'waiting';
    item.lastError = err instanceof TypeError ? NETWORK_ERROR : String(err); // fetch rejects with a TypeError when there is no network
    await saveQueued(item);
    return item.lastError === NETWORK_ERROR ? 'offline' : 'retry';
  }
}

async function failed(item: QueuedIntake, res: Response): Promise<SendOutcome> {
  const problem = (await res.json().catch(() => ({}))) as { detail?: string; detailZh?: string; code?: string; errors?: FieldProblem[] };
  item.lastError = problem.detail ?? `HTTP ${res.status}`;
  item.lastErrorZh = problem.detailZh;
  if (problem.code === 'WAYBILL_DUPLICATE') {
    // Taken in already: by this very intake under an older key (an outbox replay, a tab closed mid-send)? Then
    // its stored verdict is the answer; only another parcel with this label is a mistake to correct.
    const stored = await storedVerdictOf(item);
    if (stored) {
      item.result = stored;
      item.state = 'done';
      item.lastError = undefined;
      item.errors = undefined;
      await saveQueued(item);
      return 'done';
    }
    item.state = 'needs-fix';
    item.errors = [{ path: 'waybillNo', code: 'WAYBILL_DUPLICATE', message: problem.detail ?? `Waybill ${item.body.waybillNo} has been taken in already.`, messageZh: problem.detailZh ?? `运单号 ${item.body.waybillNo} 已被收寄（另一件邮件），运单号只能使用一次：请核对面单。` }];
    await saveQueued(item);
    return 'needs-fix';
  }
  if (res.status === 401) {
    item.state = 'waiting';
    await saveQueued(item);
    return 'unauthenticated';
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    item.state = 'needs-fix';
    item.errors = problem.errors ?? [{ path: '', code: problem.code ?? 'REJECTED', message: item.lastError }];
    await saveQueued(item);
    return 'needs-fix';
  }
  item.state = 'waiting';
  await saveQueued(item);
  return 'retry';
}

/** Sends everything waiting, oldest first, one tab at a time. */
export async function flush(onChange: () => void): Promise<SendOutcome | 'idle'> {
  const run = async (): Promise<SendOutcome | 'idle'> => {
    let last: SendOutcome | 'idle' = 'idle';
    for (const item of await listQueue()) {
      // A send interrupted by a closed tab left 'sending': the key makes sending it again safe.
      if (item.state !== 'waiting' && item.state !== 'sending') continue;
      last = await sendOne(item);
      onChange();
      if (last === 'retry' || last === 'offline' || last === 'unauthenticated') break;
    }
    return last;
  };
  return navigator.locks ? navigator.locks.request('parcelguard-outbox', run) : run();
}

const norm = (v: unknown) => String(v ?? '').normalize('NFKC').trim().toLowerCase();
/** How long before its own submission a stored parcel may be this intake's (a lost answer, a resend). */
const SAME_INTAKE_WINDOW_MS = 10 * 60_000;
type StoredParcel = {
  id: string; waybillNo: string; status: string; verdict: IntakeResult['verdict']; createdAt: string;
  reasons: IntakeResult['reasons']; customsInspection: IntakeResult['customsInspection'] | null;
  sender: { idNumber: string }; handler: { idNumber: string } | null; recipient: { name: string }; declared: { description: string };
};

/**
 * The verdict of the parcel stored under this intake's waybill, if it is this intake: another item of this
 * device's outbox answered for it, or the stored parcel (which a courier may read at their own outlet, masked)
 * has this intake's sender, recipient and contents. Anything else is another parcel: undefined.
 */
async function storedVerdictOf(item: QueuedIntake): Promise<IntakeResult | undefined> {
  const waybill = norm(item.body.waybillNo).replace(/[\s\-_]/g, '');
  const mine = (await listQueue()).find((o) => o.id !== item.id && o.state === 'done' && o.result && norm(o.result.parcel.waybillNo) === waybill && sameIntake(o.body, item.body));
  if (mine?.result) return mine.result;
  const res = await fetch(`/api/parcels/${encodeURIComponent(item.body.waybillNo)}`, { credentials: 'same-origin' }).catch(() => null);
  if (!res?.ok) return undefined;
  const p = ((await res.json()) as { parcel: StoredParcel }).parcel;
  const body = item.body as unknown as { sender: { idNumber?: string; handler?: { idNumber: string } }; recipient: { name: string }; declared: { description: string } };
  const ours = body.sender.handler?.idNumber ?? body.sender.idNumber ?? '';
  const theirs = p.handler?.idNumber ?? p.sender.idNumber;
  // Masked numbers keep their last characters (110105********002X): enough, with the names, to know the intake.
  // And it was stored around this intake's own submission: the same label, sender and goods seen again days later
  // are another parcel (a label used twice), never "submitted earlier".
  const recent = new Date(p.createdAt).getTime() >= new Date(item.createdAt).getTime() - SAME_INTAKE_WINDOW_MS;
  const same = recent && norm(ours).slice(-2) === norm(theirs).slice(-2) && norm(body.recipient.name) === norm(p.recipient.name) && norm(body.declared.description) === norm(p.declared.description);
  if (!same) return undefined;
  item.recovered = true;
  return {
    parcel: { id: p.id, waybillNo: p.waybillNo, status: p.status, createdAt: p.createdAt },
    verdict: p.verdict,
    reasons: p.reasons,
    ...(p.customsInspection ? { customsInspection: p.customsInspection } : {}),
    alerts: [],
  };
}

const sameIntake = (a: QueuedIntake['body'], b: QueuedIntake['body']) => JSON.stringify({ ...a, inspection: null }) === JSON.stringify({ ...b, inspection: null });
