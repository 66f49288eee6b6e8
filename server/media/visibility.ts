// Who may see an inspection photo. Once an intake carries it (parcel_inspections.photo_ids), whoever may
// see one of those parcels; before that, only where it was taken: couriers of the uploader's outlet (or
// the uploader, for an upload without an outlet). An officer never sees a photo that is on no parcel.
import { and, eq, sql } from 'drizzle-orm';
import { parcelInspections, parcels, type media } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import type { Queryable } from '../db/database.js';
import { mayView } from '../intake/router.js';

type MediaRow = Pick<typeof media.$inferSelect, 'id' | 'outletId' | 'uploadedBy'>;

/** Pure: the rule, given the parcels that carry the photo. */
export function photoVisible(user: AuthUser, photo: MediaRow, carriedBy: (typeof parcels.$inferSelect)[]): boolean {
  if (user.role === 'admin') return true;
  if (carriedBy.length) return carriedBy.some((p) => mayView(user, p));
  if (photo.outletId !== null) return user.role === 'courier' && user.outletId === photo.outletId;
  return user.id === photo.uploadedBy;
}

/**
 * The parcels whose inspection used the photo. An intake may only use photos of its own outlet
 * (unusablePhotos), so only that outlet's parcels are searched (parcels_outlet_created_idx).
 */
export async function parcelsCarrying(db: Queryable, photo: MediaRow): Promise<(typeof parcels.$inferSelect)[]> {
  if (photo.outletId === null) return [];
  const rows = await db
    .select({ parcel: parcels })
    .from(parcels)
    .innerJoin(parcelInspections, eq(parcelInspections.parcelId, parcels.id))
    .where(and(eq(parcels.outletId, photo.outletId), sql`${parcelInspections.photoIds} @> array[${photo.id}]::uuid[]`));
  return rows.map((r) => r.parcel);
}

export async function mayViewPhoto(db: Queryable, user: AuthUser, photo: MediaRow): Promise<boolean> {
  if (user.role === 'admin') return true;
  return photoVisible(user, photo, await parcelsCarrying(db, photo));
}
