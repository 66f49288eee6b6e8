// Errors are values with codes (STYLE.md #5). Domain code throws these; one handler turns them into
// application/problem+json (RFC 9457). Nothing here knows about Express.

/** `reason` refines `code` where a client may want to say more (ID_INVALID because of the CHECK_DIGIT). */
export type FieldError = { path: string; code: string; message: string; messageZh?: string; reason?: string };

export class ApiError extends Error {
  /** The detail in Chinese, where the message comes from the catalogue (server/i18n/messages.ts). */
  detailZh?: string;
  constructor(
    public readonly status: number,
    public readonly code: string,
    public readonly title: string,
    detail: string,
    public readonly errors?: FieldError[],
    public readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** 400: the request is malformed (not JSON, wrong types, unknown or missing fields). */
export class BadRequestError extends ApiError {
  constructor(detail: string, errors?: FieldError[], code = 'BAD_REQUEST') {
    super(400, code, 'Malformed request', detail, errors);
  }
}

/** 422: well-formed but invalid (a check digit fails, a date is impossible). */
export class ValidationError extends ApiError {
  constructor(path: string, code: string, message: string);
  constructor(errors: FieldError[]);
  constructor(pathOrErrors: string | FieldError[], code?: string, message?: string) {
    const errors = typeof pathOrErrors === 'string' ? [{ path: pathOrErrors, code: code!, message: message! }] : pathOrErrors;
    const first = errors[0]!;
    super(422, errors.length === 1 ? first.code : 'VALIDATION_FAILED', 'Invalid data', errors.map((e) => e.message).join('; '), errors);
    if (errors.every((e) => e.messageZh)) this.detailZh = errors.map((e) => e.messageZh).join('；');
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(detail = 'Log in first: send Authorization: Bearer <token> or the session cookie.', code = 'UNAUTHENTICATED') {
    super(401, code, 'Not logged in', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends ApiError {
  constructor(detail: string, code = 'FORBIDDEN') {
    super(403, code, 'Not allowed', detail);
  }
}

export class NotFoundError extends ApiError {
  constructor(detail: string, code = 'NOT_FOUND') {
    super(404, code, 'Not found', detail);
  }
}

export class ConflictError extends ApiError {
  constructor(detail: string, code: string) {
    super(409, code, 'Conflict', detail);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(detail: string, code = 'PAYLOAD_TOO_LARGE') {
    super(413, code, 'Too large', detail);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(detail: string, code = 'UNSUPPORTED_MEDIA_TYPE') {
    super(415, code, 'Unsupported media type', detail);
  }
}

export class RateLimitedError extends ApiError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'RATE_LIMITED', 'Too many requests', detail, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** Sets an error's detail in both languages from the catalogue: `withMessage(new ConflictError('', 'X'), 'X', {…})`. */
export function withMessage<E extends ApiError>(err: E, text: { message: string; messageZh: string }): E {
  err.message = text.message;
  err.detailZh = text.messageZh;
  return err;
}
