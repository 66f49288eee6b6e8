// The one error handler: every failure leaves as application/problem+json, never as a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { ApiError, BadRequestError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, type FieldError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemBody(err: ApiError, instance?: string) {
  return {
    type: `/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    ...(err.detailZh ? { detailZh: err.detailZh } : {}),
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(instance ? { instance } : {}),
  };
}

/** Per-field overrides for the generic codes, e.g. {'sender.idNumber': {REQUIRED: 'ID_REQUIRED'}}. */
export type FieldCodeMap = Record<string, Partial<Record<string, string>>>;

/** Turns zod issues into field errors with stable codes and the dotted path a client can point at. */
export function fieldErrorsFromZod(error: z.ZodError, input: unknown, fieldCodes: FieldCodeMap = {}): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: [...base, key].join('.'), code: 'UNKNOWN_FIELD', message: `Unknown field "${key}"` });
      }
      continue;
    }
    const path = base.join('.');
    const generic = genericCode(issue, valueAt(input, issue.path));
    const code = fieldCodes[path]?.[generic] ?? fieldCodes[path]?.['*'] ?? generic;
    const message = generic === 'REQUIRED' ? `${path || 'body'} is required` : issue.message;
    out.push({ path, code, message });
  }
  return out;
}

function genericCode(issue: z.core.$ZodIssue, value: unknown): string {
  // Missing is missing, whichever check noticed (zod 4 reports a missing enum as invalid_value).
  if ((value === undefined || value === null) && issue.code !== 'custom') return 'REQUIRED';
  switch (issue.code) {
    case 'invalid_type':
      return 'INVALID_TYPE';
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array' ? 'TOO_LONG' : 'TOO_LARGE';
    case 'too_small':
      if ((typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0)) {
        return 'REQUIRED';
      }
      return issue.origin === 'string' || issue.origin === 'array' ? 'TOO_SHORT' : 'TOO_SMALL';
    case 'invalid_format':
      return 'INVALID_FORMAT';
    case 'invalid_value':
    case 'invalid_union':
      return 'INVALID_VALUE';
    case 'custom':
      return typeof issue.params?.code === 'string' ? issue.params.code : 'INVALID_VALUE';
    default:
      return 'INVALID_VALUE';
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No such endpoint: ${req.method} ${req.path}`, 'ENDPOINT_NOT_FOUND'));
};

/** Maps what Express and body-parser throw onto our error classes; anything unknown is a logged 500. */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; limit?: number; code?: string; message?: string };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new BadRequestError('The body is not valid JSON.', undefined, 'MALFORMED_JSON');
    case 'entity.too.large':
      return new PayloadTooLargeError(`The body is larger than the ${e.limit} bytes allowed.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Send the body as UTF-8 JSON.');
    case 'request.aborted':
      return new BadRequestError('The request was aborted by the client.', undefined, 'REQUEST_ABORTED');
    default:
      break;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new BadRequestError(e.message ?? 'Bad request');
  }
  return undefined;
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let apiError = toApiError(err);
  if (!apiError) {
    req.log?.error({ err }, 'unhandled error');
    apiError = new ApiError(500, 'INTERNAL', 'Internal error', 'Something went wrong on our side. The request id identifies it in the logs.');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(apiError.headers ?? {})) res.setHeader(k, v);
  res.status(apiError.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(apiError, String(req.id ?? ''))));
};
