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

/** A page of `limit` rows from a query that fetched `limit + 1`, and the cursor of the next page if there is one. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => { at: Date; id: string }): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  if (rows.length <= limit || !last) return { page, nextCursor: null };
  const k = keyOf(last);
  return { page, nextCursor: encodeCursor(k.at, k.id) };
}
