// Keyset paging: a cursor is the (timestamp, id) of the last row of a page, opaque to clients.
import { BadRequestError } from './errors.js';

export const encodeCursor = (at: Date, id: string): string => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(at.getTime())) {
    throw new BadRequestError('The cursor is not one this server gave out.', [{ path: 'query.cursor', code: 'CURSOR_INVALID', message: 'Use nextCursor from the previous page' }], 'CURSOR_INVALID');
  }
  return { at, id };
}
