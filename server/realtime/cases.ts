// case:updated on /alerts to the rooms of the case's jurisdiction and of those it is shared with (after commit).
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { CaseChange } from '../cases/router.js';

/** A jurisdiction code's rooms: every officer whose own code is a prefix of it sees the case (server/cases/cases.ts). */
export function roomsForCase(jurisdictions: string[]): string[] {
  const rooms = new Set<string>(['admin']);
  for (const j of jurisdictions) {
    for (let n = 2; n <= j.length; n += 2) {
      rooms.add(`postal:${j.slice(0, n)}`);
      rooms.add(`customs:${j.slice(0, n)}`);
    }
  }
  return [...rooms];
}

export function attachCaseRealtime(io: Server, bus: EventEmitter, log: Logger): void {
  bus.on('case', (change: CaseChange) => {
    try {
      io.of('/alerts').to(roomsForCase([change.case.jurisdiction, ...change.case.sharedWith])).emit(change.event, change.case);
    } catch (err) {
      log.error({ err }, 'realtime: announcing a case failed');
    }
  });
}
