// Interception orders on the in-process bus, after the transaction that made them committed: server/realtime/
// interceptions.ts sends them to the outlet and the officers over it; webhooks (server/webhooks/) relay them.
import type { EventEmitter } from 'node:events';
import type { AlertChange } from '../alerts/alerts.js';
import type { InterceptionOrderView } from './orders.js';

export type InterceptionEvent = 'interception:ordered' | 'interception:answered' | 'interception:overdue' | 'interception:withdrawn';
export type InterceptionChange = { event: InterceptionEvent; order: InterceptionOrderView };

export const INTERCEPTION_BUS_EVENT = 'interception';

export function announceInterception(bus: EventEmitter, event: InterceptionEvent, order: InterceptionOrderView): void {
  bus.emit(INTERCEPTION_BUS_EVENT, { event, order } satisfies InterceptionChange);
}

/**
 * Orders an alert opened travel with its AlertChange, which every caller of raiseAlert publishes after commit; they
 * are announced from there, so no caller needs to know about interception.
 */
export function relayAlertInterceptions(bus: EventEmitter): void {
  bus.on('alert', (change: AlertChange) => {
    for (const order of change.interceptions ?? []) announceInterception(bus, 'interception:ordered', order);
  });
}
