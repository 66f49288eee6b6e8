// Interception orders on the sockets, after the commit that made them: the outlet that took the parcel in hears
// interception:ordered / :answered / :overdue in its room; the officers over its region (customs: cross-border ones
// only) and admin hear them on /alerts — the same rooms as holds (server/realtime/holds.ts).
import type { Namespace } from 'socket.io';
import { INTERCEPTION_BUS_EVENT, type InterceptionChange } from '../interception/events.js';
import type { OnBus } from './handshake.js';
import { officerRoomsForHold } from './holds.js';
import { outletRoom } from './outlet.js';

export function announceInterceptionsLive(onBus: OnBus, alerts: Namespace, outlet: Namespace): void {
  onBus(INTERCEPTION_BUS_EVENT, ({ event, order }: InterceptionChange) => {
    alerts.to(officerRoomsForHold(order.regionCode, order.crossBorder).flatMap((r) => r.rooms)).emit(event, order);
    outlet.to(outletRoom(order.outletId)).emit(event, order);
  });
}
