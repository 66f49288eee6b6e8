// The live alert feed (socket.io /alerts, the session cookie authenticates). One connection for the whole
// console: pages subscribe while shown. On every (re)connect the handshake carries the newest updatedAt seen,
// so the server replays what changed meanwhile (CONTRACT "a client that reconnects gets what it missed").
// A new alert at or above the severity the officer chose (every severity unless they raised it: a low alert is
// still work, and an office that wants quiet can say so) shows a notice and plays a short tone (if sound is on);
// the notice follows its alert as it grows (parcels, severity), and an alert that rises to the chosen severity
// is announced then.
import { io, type Socket } from 'socket.io-client';
import { esc, sessionEnded } from './api.js';
import { alertTypeName, summaryOf, t } from './i18n.js';
import type { Interception } from './pages/interceptions.js';
import type { Alert, CaseSummary, Hold } from './types.js';

export type Severity = Alert['severity'];
export const SEVERITIES: Severity[] = ['low', 'medium', 'high'];
const rank = (s: Severity) => SEVERITIES.indexOf(s);

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
  /** The lowest severity that shows a notice (kept per browser). */
  noticeFrom(): Severity;
  setNoticeFrom(s: Severity): void;
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
  let noticeFrom: Severity = (SEVERITIES as string[]).includes(localStorage.getItem('pg.console.noticeFrom') ?? '') ? (localStorage.getItem('pg.console.noticeFrom') as Severity) : 'low';
  /** Alerts already announced, at the severity they were announced: a replay does not ring twice, a rise does. */
  const announced = new Map<string, Severity>();
  /** The notice on screen for an alert, repainted as the alert grows. */
  const toasts = new Map<string, HTMLElement>();

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
      const shown = toasts.get(alert.id);
      if (shown?.isConnected) paintToast(shown, alert);
      const before = announced.get(alert.id);
      const due = alert.status === 'open' && rank(alert.severity) >= rank(noticeFrom);
      if (due && (before === undefined || rank(alert.severity) > rank(before))) {
        announced.set(alert.id, alert.severity);
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

  /** The notice's words: what and how bad now, how many parcels, the summary, and the way to it. */
  function paintToast(toast: HTMLElement, alert: Alert) {
    toast.className = `toast ${alert.severity}`;
    toast.dataset.severity = alert.severity;
    toast.dataset.parcels = String(alert.parcelCount);
    toast.innerHTML = `<strong>⚠ ${esc(t('newAlert'))}</strong> <span class="badge ${esc(alert.severity)}">${esc(t(alert.severity))}</span> ${esc(alertTypeName(alert.type))} · <span class="toast-count">${esc(alert.parcelCount)}</span> ${esc(t('parcels'))}
      <div class="toast-summary">${esc(summaryOf(alert))}</div>
      <a href="#/alerts/${esc(alert.id)}">${esc(t('view'))}</a><button type="button" class="x" aria-label="${esc(t('close'))}">×</button>`;
    toast.querySelector('.x')!.addEventListener('click', () => dismiss(alert.id, toast));
    toast.querySelector('a')!.addEventListener('click', () => dismiss(alert.id, toast));
  }

  /** A notice leaves the page and the map (a console open for days would otherwise keep every one). */
  function dismiss(id: string, toast: HTMLElement) {
    toast.remove();
    if (toasts.get(id) === toast) toasts.delete(id);
  }

  function announce(alert: Alert) {
    if (sound) beep();
    if (!toastsEl) return;
    const toast = toasts.get(alert.id)?.isConnected ? toasts.get(alert.id)! : document.createElement('div');
    paintToast(toast, alert);
    toastsEl.prepend(toast);
    toasts.set(alert.id, toast);
    clearTimeout(Number(toast.dataset.timer));
    // A notice stays a while, longer while it keeps growing (each announcement restarts its time).
    toast.dataset.timer = String(setTimeout(() => dismiss(alert.id, toast), 20_000));
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
    noticeFrom: () => noticeFrom,
    setNoticeFrom(s) {
      noticeFrom = s;
      localStorage.setItem('pg.console.noticeFrom', s);
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
    noticeFrom: () => 'high',
    setNoticeFrom: () => undefined,
    bindShell: () => undefined,
    close: () => undefined,
  };
}
