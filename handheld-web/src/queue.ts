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
export type FieldProblem = { path: string; code: string; message: string };

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
  errors?: FieldProblem[];
  result?: IntakeResult;
};

interface OutboxDb extends DBSchema {
  intakes: { key: string; value: QueuedIntake; indexes: { byCreated: string } };
}

let dbp: Promise<IDBPDatabase<OutboxDb>> | undefined;
const db = () =>
  (dbp ??= openDB<OutboxDb>('parcelguard-handheld', 1, {
    upgrade(d) {
      d.createObjectStore('intakes', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
    },
  }));

export async function enqueue(body: QueuedIntake['body'], photos: Blob[]): Promise<QueuedIntake> {
  const item: QueuedIntake = {
    id: crypto.randomUUID(),
    idempotencyKey: crypto.randomUUID(),
    createdAt: new Date().toISOString(),
    body,
    photos,
    photoIds: [],
    state: 'waiting',
    attempts: 0,
  };
  await (await db()).put('intakes', item);
  return item;
}

export const listQueue = async () => (await db()).getAllFromIndex('intakes', 'byCreated');
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
  const problem = (await res.json().catch(() => ({}))) as { detail?: string; code?: string; errors?: FieldProblem[] };
  item.lastError = problem.detail ?? `HTTP ${res.status}`;
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
