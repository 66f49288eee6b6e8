// The live alert feed (socket.io /alerts, the session cookie authenticates). One connection for the whole
// console: pages subscribe while shown. On every (re)connect the handshake carries the newest updatedAt seen,
// so the server replays what changed meanwhile (CONTRACT "a client that reconnects gets what it missed").
// A new high-severity alert plays a short tone (if the officer left sound on) and shows a notice.
import { io, type Socket } from 'socket.io-client';
import { esc, sessionEnded } from './api.js';
import { alertTypeName, t } from './i18n.js';
import type { Interception } from './pages/interceptions.js';
import type { Alert, CaseSummary, Hold } from './types.js';

/** Issue 15's events on the same socket: holds (officers on /alerts, outlet supervisors on /outlet) and cases; issue 23's interception orders. */
export type WorkEvents = {
  'hold:new': Hold;
  'hold:updated': Hold;
  'hold:overdue': Hold;
  'case:updated': CaseSummary;
  'interception:ordered': Interception;
  'interception:answered': Interception;
  'interception:overdue': Interception;
  'interception:withdrawn': Interception;
};
export type WorkEvent = keyof WorkEvents;
const WORK_EVENTS: WorkEvent[] = ['hold:new', 'hold:updated', 'hold:overdue', 'case:updated', 'interception:ordered', 'interception:answered', 'interception:overdue', 'interception:withdrawn'];

export type LiveEvent = { event: 'alert:new' | 'alert:updated'; alert: Alert };
export type LiveState = 'live' | 'reconnecting' | 'offline';
export type Live = {
  subscribe(fn: (e: LiveEvent) => void): () => void;
  /** Holds and cases as they change; a page reloads its list on a reconnect (onState 'live'), no replay. */
  on<E extends WorkEvent>(event: E, fn: (payload: WorkEvents[E]) => void): () => void;
  onState(fn: (s: LiveState) => void): () => void;
  /** After `caught-up` with more than the server replays: the page should reload its list. */
  onResync(fn: () => void): () => void;
  state(): LiveState;
  soundOn(): boolean;
  setSound(on: boolean): void;
  bindShell(stateEl: HTMLElement, toastsEl: HTMLElement): void;
  close(): void;
};

/** Officers listen on /alerts; an outlet supervisor (holds of their outlet only) on /outlet. */
export function connectLive(namespace: '/alerts' | '/outlet' = '/alerts'): Live {
  /** The newest change heard, in the server's clock: from `ready` at first, then from each alert. */
  let lastSeen: string | null = null;
  let state: LiveState = 'reconnecting';
  let sound = localStorage.getItem('pg.console.sound') !== 'off';
  const listeners = new Set<(e: LiveEvent) => void>();
  const stateListeners = new Set<(s: LiveState) => void>();
  const resyncListeners = new Set<() => void>();
  let stateEl: HTMLElement | null = null;
  let toastsEl: HTMLElement | null = null;
  /** Alerts already announced: a replay after a reconnect does not ring twice. */
  const announced = new Set<string>();

  const workListeners = new Map<WorkEvent, Set<(payload: never) => void>>();
  const socket: Socket = io(namespace, {
    // A function, so each reconnect sends the newest time seen, not the first.
    auth: (cb) => cb(lastSeen ? { since: lastSeen } : {}),
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  const setState = (s: LiveState) => {
    state = s;
    paintState();
    stateListeners.forEach((fn) => fn(s));
  };
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retries = 0;
  socket.on('connect', () => {
    retries = 0;
    setState('live');
  });
  socket.on('ready', (info: { serverTime?: string }) => {
    lastSeen ??= info.serverTime ?? new Date().toISOString();
  });
  // socket.io retries a lost transport by itself, but not a server that refused or dropped this socket
  // (restarting, or a middleware said no): keep knocking, backing off to 15 s, until it answers or we log out.
  const knock = () => {
    clearTimeout(retry);
    retry = setTimeout(() => socket.connect(), Math.min(15_000, 1000 * 2 ** retries++));
  };
  socket.on('disconnect', (reason) => {
    setState('reconnecting');
    if (reason === 'io server disconnect') knock();
  });
  socket.io.on('reconnect_attempt', () => setState('reconnecting'));
  socket.io.on('error', () => setState('offline'));
  socket.on('connect_error', (err) => {
    // Refused for the session (expired, revoked), not a network outage: to the login, saying so.
    if ((err as Error & { data?: { status?: number } }).data?.status === 401) return sessionEnded();
    setState('offline');
    if (!socket.active) knock();
  });
  socket.on('caught-up', (info: { more: boolean }) => {
    if (info.more) resyncListeners.forEach((fn) => fn());
  });
  for (const event of ['alert:new', 'alert:updated'] as const) {
    socket.on(event, (alert: Alert) => {
      if (!lastSeen || alert.updatedAt > lastSeen) lastSeen = alert.updatedAt;
      if (alert.severity === 'high' && alert.status === 'open' && !announced.has(alert.id)) {
        announced.add(alert.id);
        announce(alert);
      }
      listeners.forEach((fn) => fn({ event, alert }));
    });
  }

  for (const event of WORK_EVENTS) {
    socket.on(event, (payload: unknown) => workListeners.get(event)?.forEach((fn) => fn(payload as never)));
  }

  function paintState() {
    if (!stateEl) return;
    stateEl.className = `live-state ${state}`;
    stateEl.textContent = t(state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting' : 'offline');
  }

  function announce(alert: Alert) {
    if (sound) beep();
    if (!toastsEl) return;
    const toast = document.createElement('div');
    toast.className = 'toast high';
    toast.innerHTML = `<strong>⚠ ${esc(t('newHigh'))}</strong> ${esc(alertTypeName(alert.type))} · ${esc(alert.parcelCount)} ${esc(t('parcels'))}
      <a href="#/alerts/${esc(alert.id)}">${esc(t('view'))}</a><button type="button" class="x" aria-label="${esc(t('close'))}">×</button>`;
    toast.querySelector('.x')!.addEventListener('click', () => toast.remove());
    toast.querySelector('a')!.addEventListener('click', () => toast.remove());
    toastsEl.prepend(toast);
    setTimeout(() => toast.remove(), 20_000);
  }

  return {
    subscribe: (fn) => (listeners.add(fn), () => listeners.delete(fn)),
    on(event, fn) {
      const set = workListeners.get(event) ?? new Set();
      workListeners.set(event, set);
      set.add(fn as (payload: never) => void);
      return () => set.delete(fn as (payload: never) => void);
    },
    onState: (fn) => (stateListeners.add(fn), () => stateListeners.delete(fn)),
    onResync: (fn) => (resyncListeners.add(fn), () => resyncListeners.delete(fn)),
    state: () => state,
    soundOn: () => sound,
    setSound(on) {
      sound = on;
      localStorage.setItem('pg.console.sound', on ? 'on' : 'off');
      if (on) beep();
    },
    bindShell(s, toasts) {
      stateEl = s;
      toastsEl = toasts;
      paintState();
    },
    close() {
      clearTimeout(retry);
      socket.close();
    },
  };
}

let audio: AudioContext | null = null;
/** Two soft tones (WebAudio, no file to load); quiet enough for an office. */
function beep() {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 660].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    }
  } catch {
    // No audio device: the notice still shows.
  }
}

/**
 * For a role with no live feed (the auditor: the trail and the retention reports, no alerts): the same interface,
 * with nothing to listen to, so the shell and the pages need no special case and no socket is refused and retried.
 */
export function noLive(): Live {
  const none = () => () => undefined;
  return {
    subscribe: none,
    on: none,
    onState: none,
    onResync: none,
    state: () => 'live',
    soundOn: () => false,
    setSound: () => undefined,
    bindShell: () => undefined,
    close: () => undefined,
  };
}
