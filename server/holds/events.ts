// Holds announced on the in-process bus, after the transaction that made them committed; server/realtime/
// turns them into socket events for the outlet's couriers and supervisors and for the officers over it.
import type { EventEmitter } from 'node:events';
import type { HoldRow } from './store.js';

export type HoldEvent = 'hold:new' | 'hold:updated' | 'hold:overdue';
export type HoldChange = { event: HoldEvent; row: HoldRow };

export const HOLD_BUS_EVENT = 'hold';

export function announceHold(bus: EventEmitter, event: HoldEvent, row: HoldRow): void {
  bus.emit(HOLD_BUS_EVENT, { event, row } satisfies HoldChange);
}
