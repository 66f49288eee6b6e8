// Receiving one uploaded file (multipart field `file`) into memory, with its size limit as a 413.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, type ApiError } from './errors.js';

/** `tooLarge`: the 413 to answer past maxBytes, when the capability has its own (e.g. IMPORT_TOO_LARGE). */
export function receiveOneFile(maxBytes: number, what: string, tooLarge?: () => ApiError): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 2 } });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next(new UnsupportedMediaTypeError(`Upload the ${what} as multipart/form-data in the field "file".`));
    upload.single('file')(req, res, (err: unknown) => {
      if (!err) {
        if (!req.file) return next(new BadRequestError(`No file: send the ${what} in the multipart field "file".`, [{ path: 'file', code: 'REQUIRED', message: 'file is required' }], 'FILE_REQUIRED'));
        return next();
      }
      if ((err as { code?: string }).code === 'LIMIT_FILE_SIZE') return next(tooLarge ? tooLarge() : new PayloadTooLargeError(`A ${what} may be at most ${maxBytes} bytes.`));
      return next(new BadRequestError(`The upload is not valid: ${(err as Error).message}. Send one file in the field "file".`, undefined, 'UPLOAD_INVALID'));
    });
  };
}
