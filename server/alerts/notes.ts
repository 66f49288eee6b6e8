// Notes on an alert: how the jurisdictions an alert touches, owner or not, tell each other what they know
// ("the Yiwu counter knows this sender", "handed to customs"). Kept in order, with who wrote them and where
// they work; the owner's officers read them before they decide.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { alertNotes } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { jurisdictionName } from './ownership.js';

defineMessages({
  ALERT_NOT_OWNED: {
    en: 'This alert belongs to {ownerEn}: officers there acknowledge and resolve it. You can add a note, and you will see its outcome.',
    zh: '此预警归属{ownerZh}，由该地认领和结案。您可以添加备注，并会看到处理结果。',
  },
});

export const notOwnedMessage = (ownerJurisdiction: string) =>
  bilingual('ALERT_NOT_OWNED', { ownerEn: jurisdictionName(ownerJurisdiction, 'en'), ownerZh: jurisdictionName(ownerJurisdiction, 'zh') });

export const MAX_NOTE_LENGTH = 2000;

export const alertNoteSchema = z
  .object({
    id: z.string().uuid(),
    by: z.string(),
    role: z.string(),
    /** Where the author works (null: an admin). */
    jurisdiction: z.string().nullable(),
    text: z.string(),
    at: z.string(),
  })
  .meta({ id: 'AlertNote' });
export type AlertNoteView = z.output<typeof alertNoteSchema>;

type NoteRow = typeof alertNotes.$inferSelect;
const presentNote = (n: NoteRow): AlertNoteView => ({
  id: n.id,
  by: n.authorName,
  role: n.authorRole,
  jurisdiction: n.authorJurisdiction,
  text: n.text,
  at: n.createdAt.toISOString(),
});

export async function addAlertNote(db: Queryable, alertId: string, author: AuthUser, text: string): Promise<AlertNoteView> {
  const [row] = await db
    .insert(alertNotes)
    .values({ alertId, authorId: author.id, authorName: author.username, authorRole: author.role, authorJurisdiction: author.jurisdiction, text })
    .returning();
  return presentNote(row!);
}

/** Oldest first: a conversation. */
export async function listAlertNotes(db: Queryable, alertId: string): Promise<AlertNoteView[]> {
  const rows = await db.select().from(alertNotes).where(eq(alertNotes.alertId, alertId)).orderBy(asc(alertNotes.createdAt), asc(alertNotes.id));
  return rows.map(presentNote);
}
