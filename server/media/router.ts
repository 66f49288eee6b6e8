// POST /api/media (multipart field `file`) and GET /api/media/:id[?size=thumb].
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { media } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import type { Api } from '../http/api.js';
import { NotFoundError, type FieldError } from '../http/errors.js';
import { receiveOneFile } from '../http/upload.js';
import { normalizeImage } from './images.js';
import { mayViewPhoto } from './visibility.js';

const mediaSchema = z
  .object({ id: z.string().uuid(), sha256: z.string(), width: z.number().int(), height: z.number().int(), format: z.string() })
  .meta({ id: 'Media' });

const ALL_ROLES = ['courier', 'postal_regulator', 'customs_officer', 'admin'] as const;

export function registerMediaRoutes(api: Api, { db, config }: AppContext) {
  const receiveFile = receiveOneFile(config.mediaMaxBytes, 'photo');

  api.route({
    method: 'post',
    path: '/api/media',
    tag: 'Media',
    summary: 'Upload an inspection photo: normalised (oriented, metadata stripped, bounded) before storage',
    access: { roles: ['courier', 'customs_officer', 'admin'] },
    requestContent: { contentType: 'multipart/form-data', schema: z.object({ file: z.string().meta({ format: 'binary' }) }) },
    before: [receiveFile],
    responses: { 201: { description: 'Stored', schema: mediaSchema } },
    handler: async ({ req, user }) => {
      const image = await normalizeImage(req.file!.buffer, config.mediaMaxPixels);
      const [row] = await db
        .insert(media)
        .values({
          sha256: image.sha256,
          format: image.format,
          width: image.width,
          height: image.height,
          byteSize: image.data.length,
          data: image.data,
          thumb: image.thumb,
          uploadedBy: user.id,
          outletId: user.outletId,
          regionCode: user.outletRegionCode ?? user.jurisdiction,
        })
        .returning({ id: media.id });
      return { status: 201, body: { id: row!.id, sha256: image.sha256, width: image.width, height: image.height, format: image.format } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/media/:id',
    tag: 'Media',
    summary: 'A stored photo (JPEG); ?size=thumb for a thumbnail',
    access: { roles: ALL_ROLES },
    params: z.strictObject({ id: z.string().uuid() }),
    query: z.object({ size: z.enum(['full', 'thumb']).default('full') }),
    responses: { 200: { description: 'The image', contentType: 'image/jpeg', schema: z.string().meta({ format: 'binary' }) }, 404: { description: 'No such photo, or not one you may see: on no parcel yet and not from your outlet, or on no parcel you may see' } },
    handler: async ({ res, params, query, user }) => {
      const [row] = await db.select().from(media).where(eq(media.id, params.id));
      // Out of scope looks the same as missing: no probing for other outlets' photos.
      if (!row || !(await mayViewPhoto(db, user, row))) throw new NotFoundError('No such photo.', 'MEDIA_NOT_FOUND');
      const body = query.size === 'thumb' ? row.thumb : row.data;
      // Who may see it changes (an intake attaches it): no shared or stored copy may answer for us later.
      res.set({ 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, no-store', ETag: `"${row.sha256}-${query.size}"` });
      res.send(body);
    },
  });
}

/** Inspection photos must exist and come from the same outlet as the intake; the problems, one per photo. */
export async function unusablePhotos(db: Queryable, ids: string[], outletId: string): Promise<FieldError[]> {
  if (!ids.length) return [];
  const found = await db.select({ id: media.id }).from(media).where(and(inArray(media.id, ids), eq(media.outletId, outletId)));
  const known = new Set(found.map((r) => r.id));
  return ids
    .map((id, i) => ({ id, i }))
    .filter(({ id }) => !known.has(id))
    .map(({ id, i }) => ({ path: `inspection.photoIds.${i}`, code: 'PHOTO_UNKNOWN', message: `No photo ${id} was uploaded at this outlet.` }));
}
