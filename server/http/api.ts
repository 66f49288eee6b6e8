// Every endpoint is declared once here: its access rule, the zod schemas that validate it (and type the
// handler), and its OpenAPI description, generated from those same schemas.
import express, { type Request, type Response } from 'express';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Role } from '../../models/schema.js';
import type { AuthUser } from '../accounts/access.js';
import { BadRequestError, ForbiddenError, UnsupportedMediaTypeError, withMessage } from './errors.js';
import { fieldErrorsFromZod, PROBLEM_CONTENT_TYPE, requestInvalidText, type FieldCodeMap } from './problem.js';
import { assertCleanText } from './text.js';


/** Who may call a route. Jurisdiction is then enforced by the service on the data it touches. */
export type Access = { public: true } | { roles: readonly Role[] };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnySchema = z.ZodType;

export type HandlerContext<B, Q, P> = {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  /** Present on every route that is not public. */
  user: AuthUser;
};

/** A handler returns what to send, or nothing when it wrote the response itself (files, redirects). */
export type HandlerResult = { status: number; body?: unknown; headers?: Record<string, string> } | void;

export type RouteSpec<B extends AnySchema, Q extends AnySchema, P extends AnySchema> = {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Maps generic validation codes to domain ones per field, e.g. {'sender.idNumber': {REQUIRED: 'ID_REQUIRED'}}. */
  fieldCodes?: FieldCodeMap;
  /** Extra request headers to document, e.g. Idempotency-Key. */
  headers?: AnySchema;
  /** Documented responses; a zod schema for JSON bodies, or a content type for others. */
  responses: Record<number, { description: string; schema?: AnySchema; contentType?: string }>;
  /** Non-JSON request bodies (multipart uploads) are documented here and parsed by `before` middleware. */
  requestContent?: { contentType: string; schema: AnySchema };
  before?: express.RequestHandler[];
  /** Cache-Control of this route's answers; every /api answer is `no-store` unless its route says otherwise. */
  cacheControl?: string;
  handler: (ctx: HandlerContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<HandlerResult> | HandlerResult;
};

export type Authenticator = (req: Request) => Promise<AuthUser>;

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    detailZh: z.string().optional(),
    code: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string(), messageZh: z.string().optional(), reason: z.string().optional() })).optional(),
  })
  .meta({ id: 'Problem' });

const standardProblems: Record<number, string> = {
  400: 'Malformed request (problem+json with errors[].path)',
  401: 'Not logged in, or the session expired',
  403: 'Wrong role, or outside your jurisdiction',
  413: 'Body too large',
  415: 'Wrong media type',
  422: 'Well-formed but invalid (errors[].path and code)',
  429: 'Rate limited',
};

export type Api = ReturnType<typeof createApi>;

/**
 * API answers carry personal data and are read on shared handhelds and office PCs: no cache (browser, proxy or
 * back/forward) may keep them. Mounted on /api before the body parser, so problems (413, malformed JSON,
 * unknown endpoints) carry it too; a route may set another value with `cacheControl`.
 */
export const API_CACHE_CONTROL = 'no-store';
export const noStore: express.RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', API_CACHE_CONTROL);
  next();
};

export function createApi(authenticate: Authenticator) {
  const router = express.Router();
  const registry = new OpenAPIRegistry();
  const declared: { method: Method; path: string; access: Access }[] = [];
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  registry.registerComponent('securitySchemes', 'cookie', { type: 'apiKey', in: 'cookie', name: 'pg_session' });

  function route<B extends AnySchema = z.ZodUndefined, Q extends AnySchema = z.ZodUndefined, P extends AnySchema = z.ZodUndefined>(
    spec: RouteSpec<B, Q, P>,
  ) {
    declared.push({ method: spec.method, path: spec.path, access: spec.access });
    document(spec);
    // Who may call comes first: nothing a route does (reading an upload, rate limiting) runs for a caller it refuses.
    const authorizeFirst: express.RequestHandler = async (req, res, next) => {
      res.setHeader('Cache-Control', spec.cacheControl ?? API_CACHE_CONTROL);
      try {
        if (!('public' in spec.access)) res.locals.user = await authorize(req, spec.access.roles);
        next();
      } catch (err) {
        next(err);
      }
    };
    // Text is checked on what the client sent, before rate limiters, upload parsers or schemas see it.
    const cleanTextOnly: express.RequestHandler = (req, _res, next) => {
      assertCleanText({ ...req.params }, 'params');
      assertCleanText({ ...req.query }, 'query');
      if (req.body !== undefined && req.is('application/json')) assertCleanText(req.body, '');
      next();
    };
    router[spec.method](spec.path, authorizeFirst, cleanTextOnly, ...(spec.before ?? []), async (req, res) => {
      const user = res.locals.user as AuthUser;
      const body = spec.body ? parse(spec.body, bodyOf(req, spec.method), 'body', spec.fieldCodes) : undefined;
      const query = spec.query ? parse(spec.query, { ...req.query }, 'query') : undefined;
      const params = spec.params ? parse(spec.params, { ...req.params }, 'params') : undefined;
      const result = await spec.handler({ req, res, body, query, params, user } as HandlerContext<z.output<B>, z.output<Q>, z.output<P>>);
      if (!result) return;
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      if (result.body === undefined) res.status(result.status).end();
      else res.status(result.status).json(result.body);
    });
  }

  async function authorize(req: Request, roles: readonly Role[]): Promise<AuthUser> {
    const user = await authenticate(req);
    if (!roles.includes(user.role)) {
      throw new ForbiddenError(`This needs one of the roles ${roles.join(', ')}; you are logged in as ${user.role}.`, 'ROLE_FORBIDDEN');
    }
    return user;
  }

  function document<B extends AnySchema, Q extends AnySchema, P extends AnySchema>(spec: RouteSpec<B, Q, P>) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = r.schema
        ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
        : { description: r.description };
    }
    const problemCodes = ['400', ...('public' in spec.access ? [] : ['401', '403'])];
    if (spec.body || spec.requestContent) problemCodes.push('413', '415', '422');
    for (const code of problemCodes) {
      responses[code] ??= { description: standardProblems[Number(code)], content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
    }
    const body = spec.body
      ? { content: { 'application/json': { schema: spec.body } } }
      : spec.requestContent
        ? { content: { [spec.requestContent.contentType]: { schema: spec.requestContent.schema } } }
        : undefined;
    registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      security: 'public' in spec.access ? [] : [{ bearer: [] }, { cookie: [] }],
      description: 'public' in spec.access ? 'No login needed.' : `Roles: ${spec.access.roles.join(', ')}.`,
      request: {
        ...(body ? { body } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.headers ? { headers: spec.headers as never } : {}),
      },
      responses: responses as never,
    });
  }

  function openApiDocument() {
    return new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'ParcelGuard API',
        version: '0.1.0',
        description:
          '寄递实名核验与预警平台 — real-name parcel intake, suspect-list screening, ring alerts and customs inspection rates. ' +
          'Errors are application/problem+json (RFC 9457) with a stable `code` and, for field problems, `errors[].path`.',
      },
    });
  }

  return { router, route, openApiDocument, declared };
}

function bodyOf(req: Request, method: Method): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new UnsupportedMediaTypeError(`Send the body of ${method.toUpperCase()} ${req.path} as application/json.`);
  }
  return req.body ?? {};
}

function parse<S extends AnySchema>(schema: S, input: unknown, where: 'body' | 'query' | 'params', fieldCodes?: FieldCodeMap): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = fieldErrorsFromZod(parsed.error, input, fieldCodes);
  const prefixed = where === 'body' ? errors : errors.map((e) => ({ ...e, path: `${where}.${e.path}` }));
  const text = requestInvalidText(where, prefixed);
  throw withMessage(new BadRequestError('', prefixed, prefixed.length === 1 ? prefixed[0]!.code : 'VALIDATION_FAILED'), text);
}
