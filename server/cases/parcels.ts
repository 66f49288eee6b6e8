// The parcels of a case, as anyone who sees the case reads them: masked, except — on request, by a role that may
// unmask — the parcels taken in inside the caller's own jurisdiction (a shared case's other parcels stay masked).
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { parcels, senders } from '../../models/schema.js';
import { coversRegion, type AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import type { PiiVault } from '../privacy/pii.js';
import { caseParcelIds } from './cases.js';

export const MAX_CASE_PARCELS = 500;

export const caseParcelSchema = z.object({
  waybillNo: z.string(),
  outletId: z.string(),
  regionCode: z.string(),
  verdict: z.string(),
  status: z.string(),
  crossBorder: z.boolean(),
  createdAt: z.string(),
  declared: z.object({ description: z.string(), category: z.string(), quantity: z.number().int(), valueCny: z.number(), brand: z.string().nullable() }),
  sender: z.object({ idType: z.string(), idNumber: z.string(), name: z.string(), phone: z.string() }),
  recipient: z.object({ name: z.string(), country: z.string() }),
  masked: z.boolean(),
});

/** Newest first; customs officers see the cross-border ones only, as everywhere. `unmasked`: waybills opened in full. */
export async function loadCaseParcels(db: Queryable, caseId: string, user: AuthUser, vault: PiiVault | null) {
  const rows = await db
    .select({ p: parcels, s: senders })
    .from(parcels)
    .innerJoin(senders, eq(senders.id, parcels.senderId))
    .where(and(inArray(parcels.id, caseParcelIds(caseId)), user.role === 'customs_officer' ? eq(parcels.crossBorder, true) : undefined))
    .orderBy(desc(parcels.createdAt), desc(parcels.id))
    .limit(MAX_CASE_PARCELS);
  const unmasked: string[] = [];
  const list = rows.map(({ p, s }): z.output<typeof caseParcelSchema> => {
    const open = vault && coversRegion(user, p.regionCode) ? vault : null;
    if (open) unmasked.push(p.waybillNo);
    return {
      waybillNo: p.waybillNo,
      outletId: p.outletId,
      regionCode: p.regionCode,
      verdict: p.verdict,
      status: p.status,
      crossBorder: p.crossBorder,
      createdAt: p.createdAt.toISOString(),
      declared: { description: p.declaredDescription, category: p.declaredCategory, quantity: p.declaredQuantity, valueCny: p.declaredValueCny, brand: p.declaredBrand },
      sender: {
        idType: s.idType,
        idNumber: open ? open.open('id_number', s.idSealed) : s.idMasked,
        name: p.senderName,
        phone: open ? open.open('phone', p.senderPhoneSealed) : p.senderPhoneMasked,
      },
      recipient: { name: p.recipientName, country: p.recipientCountry },
      masked: !open,
    };
  });
  return { parcels: list, unmasked };
}
