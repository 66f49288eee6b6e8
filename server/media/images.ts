// Photos are never trusted by name or type header: sharp reads the bytes, refuses what is not an image or
// would decode to too many pixels (decompression bombs), applies the EXIF orientation, strips all metadata
// (GPS included) and bounds the size before anything is stored.
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors.js';

const ACCEPTED = new Set(['jpeg', 'png', 'webp', 'heif', 'avif', 'gif', 'tiff']);
const LONGEST_SIDE = 2048;
const THUMB_SIDE = 320;

const tooManyPixels = (maxPixels: number) =>
  new PayloadTooLargeError(`The image decodes to more than the ${maxPixels} pixels accepted.`, 'IMAGE_TOO_MANY_PIXELS');

export type NormalizedImage = { data: Buffer; thumb: Buffer; sha256: string; width: number; height: number; format: 'jpeg' };

export async function normalizeImage(input: Buffer, maxPixels: number): Promise<NormalizedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels(maxPixels);
    throw new UnsupportedMediaTypeError('The file is not an image we can read (JPEG, PNG, WebP, HEIF, AVIF, GIF or TIFF).', 'NOT_AN_IMAGE');
  }
  if (!meta.format || !ACCEPTED.has(meta.format)) {
    throw new UnsupportedMediaTypeError(`Images only: ${meta.format ?? 'this format'} is not accepted.`, 'NOT_AN_IMAGE');
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0) * (meta.pages ?? 1);
  if (pixels > maxPixels) throw tooManyPixels(maxPixels);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate() // apply EXIF orientation, then the tag is gone with the rest of the metadata
      .resize({ width: LONGEST_SIDE, height: LONGEST_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const thumb = await sharp(data).resize({ width: THUMB_SIDE, height: THUMB_SIDE, fit: 'inside' }).jpeg({ quality: 70 }).toBuffer();
    return { data, thumb, sha256: createHash('sha256').update(data).digest('hex'), width: info.width, height: info.height, format: 'jpeg' };
  } catch (err) {
    if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels(maxPixels);
    throw new UnsupportedMediaTypeError('The image is damaged or truncated and cannot be read.', 'NOT_AN_IMAGE');
  }
}
