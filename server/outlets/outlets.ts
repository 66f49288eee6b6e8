// 营业网点: outlets, each placed in the country by a GB/T 2260 county code.
import { asc, eq, like } from 'drizzle-orm';
import { z } from 'zod';
import { outlets } from '../../models/schema.js';
import type { Queryable } from '../db/database.js';
import { ConflictError, ValidationError } from '../http/errors.js';
import { describeRegion, isKnownRegion } from './regions.js';

export const newOutletSchema = z
  .strictObject({
    id: z.string().trim().regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'upper-case letters, digits and dashes, e.g. GZ-TH-001'),
    name: z.string().trim().min(1).max(200),
    regionCode: z.string().regex(/^\d{6}$/, 'a 6-digit GB/T 2260 county code'),
    carrier: z.string().trim().min(1).max(50).optional(),
  })
  .meta({ id: 'NewOutlet' });

export const outletSchema = z
  .object({ id: z.string(), name: z.string(), regionCode: z.string(), region: z.string(), carrier: z.string().nullable() })
  .meta({ id: 'Outlet' });

const present = (o: typeof outlets.$inferSelect): z.output<typeof outletSchema> => ({
  id: o.id,
  name: o.name,
  regionCode: o.regionCode,
  region: describeRegion(o.regionCode),
  carrier: o.carrier,
});

export async function createOutlet(db: Queryable, input: z.output<typeof newOutletSchema>) {
  if (!isKnownRegion(input.regionCode)) {
    throw new ValidationError('regionCode', 'REGION_UNKNOWN', `${input.regionCode} is not a current GB/T 2260 county code.`);
  }
  const [row] = await db
    .insert(outlets)
    .values({ ...input, carrier: input.carrier ?? null })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ConflictError(`An outlet ${input.id} exists already.`, 'OUTLET_EXISTS');
  return present(row);
}

/** Outlets whose region code starts with the prefix; null lists all. */
export async function listOutlets(db: Queryable, regionPrefix: string | null) {
  const rows = await db
    .select()
    .from(outlets)
    .where(regionPrefix === null ? undefined : like(outlets.regionCode, `${regionPrefix}%`))
    .orderBy(asc(outlets.id));
  return rows.map(present);
}

export async function findOutlet(db: Queryable, id: string) {
  const [row] = await db.select().from(outlets).where(eq(outlets.id, id));
  return row ? present(row) : undefined;
}
