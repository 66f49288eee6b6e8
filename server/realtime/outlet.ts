// Namespace /outlet: an outlet's couriers and supervisors hear what happens to the parcels held at their
// counter (hold:new, hold:updated). Same handshake as /alerts; each socket is put, by the server, in its own
// outlet's room only. There is no way for a client to join a room: a courier of another outlet hears nothing.
import type { Namespace, Server } from 'socket.io';
import type { Role } from '../../models/schema.js';
import { publicUser } from '../accounts/access.js';
import { sessionStillStands } from '../accounts/sessions.js';
import type { AppContext } from '../context.js';
import { authenticateSocket, type Guarded, type SocketData } from './handshake.js';
import { BATCH_BUS_EVENT, type BatchProgress } from '../batches/store.js';

export const OUTLET_ROLES: readonly Role[] = ['courier', 'outlet_supervisor'];

/** The outlet's room (everyone at the counter), and the one of the socket's role (events whose mayDecide differs). */
export const outletRoom = (outletId: string, role?: Role) => (role ? `outlet:${outletId}:${role}` : `outlet:${outletId}`);

export function attachOutletNamespace(io: Server, ctx: AppContext, guarded: Guarded): Namespace {
  const outlet = io.of('/outlet');
  outlet.use(authenticateSocket(ctx, OUTLET_ROLES, 'Live outlet events'));
  outlet.on('connection', (socket) =>
    guarded('connection', socket, async () => {
      const { user } = socket.data as SocketData;
      const rooms = [`session:${user.sessionTokenHash}`, `user:${user.id}`];
      if (user.outletId) rooms.push(outletRoom(user.outletId), outletRoom(user.outletId, user.role));
      await socket.join(rooms);
      if (!socket.connected) return;
      if (!(await sessionStillStands(ctx.db, user.sessionTokenHash))) return void socket.disconnect(true); // revoked while joining
      const msLeft = Math.min(user.sessionExpiresAt.getTime() - Date.now(), 2 ** 31 - 1);
      const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, msLeft));
      socket.on('disconnect', guarded('disconnect', socket, () => clearTimeout(expiry)));
      // A reconnecting client reloads GET /api/holds: no replay here.
      socket.emit('ready', { user: publicUser(user), serverTime: new Date().toISOString() });
    }, () => socket.disconnect())(),
  );
  // Bulk intake progress (server/batches/job.ts, throttled there): to everyone at the batch's outlet.
  ctx.bus.on(BATCH_BUS_EVENT, (p: BatchProgress) => void outlet.to(outletRoom(p.outletId)).emit('batch:progress', p));
  return outlet;
}
