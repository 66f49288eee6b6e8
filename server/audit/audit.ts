// Append-only audit trail: unmasked personal data, rate changes, account and session events.
import { auditLog } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';

export type AuditEntry = {
  actor: { id: string; username: string } | null;
  action: string;
  subjectType?: string;
  subjectId?: string;
  requestId?: string;
  details?: Record<string, unknown>;
};

export async function recordAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorUserId: e.actor?.id ?? null,
    actorUsername: e.actor?.username ?? null,
    action: e.action,
    subjectType: e.subjectType ?? null,
    subjectId: e.subjectId ?? null,
    requestId: e.requestId ?? null,
    details: e.details ?? {},
  });
}
