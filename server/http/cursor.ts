// Keyset paging: a cursor is the (timestamp, id) of the last row of a page, opaque to clients.
import { bilingual, defineMessages } from '../i18n/messages.js';
import { BadRequestError, withMessage } from './errors.js';

const messages = defineMessages({
  CURSOR_INVALID: { en: 'The cursor is not one this server gave out: use nextCursor from the previous page.', zh: '分页游标无效：请使用上一页返回的 nextCursor。' },
});

/** A UUID as the database stores it: a forged id of 36 dashes would otherwise reach PostgreSQL and fail there. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Instants PostgreSQL and every row here can hold (JavaScript dates reach far beyond timestamptz). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

export const encodeCursor = (at: Date, id: string): string => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  const t = at.getTime();
  if (!id || !UUID.test(id) || Number.isNaN(t) || t < EARLIEST || t > LATEST) {
    const text = bilingual(messages.CURSOR_INVALID);
    throw withMessage(new BadRequestError('', [{ path: 'query.cursor', code: 'CURSOR_INVALID', ...text }], 'CURSOR_INVALID'), text);
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
