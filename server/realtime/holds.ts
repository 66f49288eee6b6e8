// Hold events on the sockets, after the commit that made them: the outlet hears hold:new and hold:updated;
// officers over the outlet's region (customs: cross-border holds only) and admin hear those and hold:overdue.
// Each room gets the Hold with `mayDecide` for the role listening there.
import type { Namespace } from 'socket.io';
import type { Role } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import { roleMayDecide } from '../holds/deciders.js';
import { HOLD_BUS_EVENT, type HoldChange } from '../holds/events.js';
import { presentHold } from '../holds/store.js';
import type { OnBus } from './handshake.js';
import { OUTLET_ROLES, outletRoom } from './outlet.js';

/** Officers' rooms a hold goes to, by role: the province and city of its outlet's region. */
export function officerRoomsForHold(regionCode: string, crossBorder: boolean): { role: Role; rooms: string[] }[] {
  const prefixes = [regionCode.slice(0, 2), regionCode.slice(0, 4)];
  return [
    { role: 'admin', rooms: ['admin'] },
    { role: 'postal_regulator', rooms: prefixes.map((p) => `postal:${p}`) },
    ...(crossBorder ? [{ role: 'customs_officer' as Role, rooms: prefixes.map((p) => `customs:${p}`) }] : []),
  ];
}

export function announceHoldsLive(_ctx: AppContext, onBus: OnBus, alerts: Namespace, outlet: Namespace): void {
  onBus(HOLD_BUS_EVENT, ({ event, row }: HoldChange) => {
    const { hold } = row;
    for (const { role, rooms } of officerRoomsForHold(hold.regionCode, hold.crossBorder)) {
      alerts.to(rooms).emit(event, presentHold(row, roleMayDecide(role, hold)));
    }
    // The outlet hears an escalation as the hold changing (it is now overdue).
    const outletEvent = event === 'hold:overdue' ? 'hold:updated' : event;
    for (const role of OUTLET_ROLES) {
      outlet.to(outletRoom(hold.outletId, role)).emit(outletEvent, presentHold(row, roleMayDecide(role, hold)));
    }
  });
}
