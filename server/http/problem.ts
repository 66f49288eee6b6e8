// The one error handler: every failure leaves as application/problem+json, never as a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { ApiError, BadRequestError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, type FieldError } from './errors.js';

// What a person reads of a field the schema refused, in both languages (STYLE 12): one entry per generic kind,
// so every route's validation speaks Chinese without a message of its own.
const FIELD_MESSAGES = defineMessages({
  FIELD_REQUIRED: { en: '{path} is required', zh: '{path} 为必填项' },
  FIELD_UNKNOWN: { en: 'Unknown field "{key}"', zh: '未知字段“{key}”' },
  FIELD_INVALID_TYPE: { en: '{path} has the wrong type', zh: '{path} 的类型不正确' },
  FIELD_TOO_LONG: { en: '{path} is too long (at most {limit})', zh: '{path} 过长（最多 {limit}）' },
  FIELD_TOO_SHORT: { en: '{path} is too short (at least {limit})', zh: '{path} 过短（至少 {limit}）' },
  FIELD_TOO_LARGE: { en: '{path} is too large (at most {limit})', zh: '{path} 过大（最大 {limit}）' },
  FIELD_TOO_SMALL: { en: '{path} is too small (at least {limit})', zh: '{path} 过小（最小 {limit}）' },
  FIELD_INVALID_FORMAT: { en: '{path} is not in the expected format', zh: '{path} 格式不正确' },
  FIELD_INVALID_VALUE: { en: '{path} has a value that is not allowed', zh: '{path} 的取值不允许' },
  REQUEST_INVALID: { en: 'The request {where} is not valid: {fields}.', zh: '请求{whereZh}无效：{fields}。' },
});

const ZH_MESSAGE_OF: Record<string, string> = {
  REQUIRED: FIELD_MESSAGES.FIELD_REQUIRED,
  INVALID_TYPE: FIELD_MESSAGES.FIELD_INVALID_TYPE,
  TOO_LONG: FIELD_MESSAGES.FIELD_TOO_LONG,
  TOO_SHORT: FIELD_MESSAGES.FIELD_TOO_SHORT,
  TOO_LARGE: FIELD_MESSAGES.FIELD_TOO_LARGE,
  TOO_SMALL: FIELD_MESSAGES.FIELD_TOO_SMALL,
  INVALID_FORMAT: FIELD_MESSAGES.FIELD_INVALID_FORMAT,
};

/** The Chinese of a generic field refusal (the English stays zod's own words, which name the limit). */
function fieldMessageZh(generic: string, path: string, issue: z.core.$ZodIssue): string {
  // A refinement says its own Chinese: ctx.addIssue({code: 'custom', message, params: {messageZh}}).
  if (issue.code === 'custom' && typeof issue.params?.messageZh === 'string') return issue.params.messageZh;
  const limit = 'maximum' in issue ? String(issue.maximum) : 'minimum' in issue ? String(issue.minimum) : '';
  return bilingual(ZH_MESSAGE_OF[generic] ?? FIELD_MESSAGES.FIELD_INVALID_VALUE, { path: path || '请求体', limit }).messageZh;
}

/** detail and detailZh of a request whose body, query or path parameters the schema refused. */
export function requestInvalidText(where: 'body' | 'query' | 'params', errors: FieldError[]) {
  const fields = errors.map((e) => `${e.path || where} (${e.code})`).join(', ');
  const whereZh = { body: '体', query: '查询参数', params: '路径参数' }[where];
  return bilingual(FIELD_MESSAGES.REQUEST_INVALID, { where, whereZh, fields });
}

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
        out.push({ path: [...base, key].join('.'), code: 'UNKNOWN_FIELD', ...bilingual(FIELD_MESSAGES.FIELD_UNKNOWN, { key }) });
      }
      continue;
    }
    const path = base.join('.');
    const generic = genericCode(issue, valueAt(input, issue.path));
    const code = fieldCodes[path]?.[generic] ?? fieldCodes[path]?.['*'] ?? generic;
    const message = generic === 'REQUIRED' ? `${path || 'body'} is required` : issue.message;
    out.push({ path, code, message, messageZh: fieldMessageZh(generic, path, issue) });
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
