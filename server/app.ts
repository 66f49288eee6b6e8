// Assembles the Express application from the capabilities. No listening here: tests use it directly.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { registerAccountRoutes } from './accounts/router.js';
import { authenticateRequest } from './accounts/sessions.js';
import type { AppContext } from './context.js';
import { registerHealthRoutes } from './health/router.js';
import { createApi, noStore } from './http/api.js';
import { errorHandler, notFoundHandler } from './http/problem.js';
import { refuseCrossSiteRequests } from './http/origin.js';
import { logSerializers } from './logging.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsEndpoint } from './metrics/router.js';
import { archiveStep } from './intake/archive.js';
import { createForeground } from './intake/foreground.js';
import type { IntakeStep } from './intake/pipeline.js';
import { registerIntakeRoutes } from './intake/router.js';
import { registerWaybillRoutes } from './waybill/router.js';
import { registerReturningSenderRoutes } from './intake/returning-sender.js';
import { batchJsonParser, registerBatchRoutes } from './batches/router.js';
import { contentsStep, identityStep, inspectionStep, screeningStep, waybillStep } from './intake/steps.js';
import { registerAlertRoutes } from './alerts/router.js';
import { registerMediaRoutes } from './media/router.js';
import { registerOutletRoutes } from './outlets/router.js';
import { staticDir, webBuildDir } from './paths.js';
import { clientFiles } from './web/clients.js';
import { registerWatchlistRoutes } from './watchlist/router.js';
import { watchlistStep } from './watchlist/step.js';
import { ringStep } from './rings/step.js';
import { registerCustomsRoutes } from './customs/router.js';
import { registerGoodsRuleRoutes } from './customs/goods-rules-router.js';
import { startBrandRegistry } from './brands/registry.js';
import { registerBrandRoutes } from './brands/router.js';
import { createSelectionKeyring } from './customs/selection.js';
import { customsStep } from './customs/step.js';
import { registerReportRoutes } from './reports/router.js';
import { registerJobRoutes } from './jobs/router.js';
import { registerCaseRoutes } from './cases/router.js';
import { registerHoldRoutes } from './holds/router.js';
import { registerInterceptionRoutes } from './interception/router.js';
import { holdStep } from './holds/step.js';
import { registerAuditRoutes } from './audit/router.js';
import { registerLookupRoutes } from './lookup/router.js';
import { registerPrivacyRoutes } from './privacy/router.js';
import { registerRingRoutes } from './rings/router.js';
import { registerPriceFloorRoutes } from './rings/price-floors-router.js';
import { apiKeyGate } from './machine/auth.js';
import { registerServiceAccountRoutes } from './machine/router.js';
import { registerWebhookRoutes } from './webhooks/router.js';
import { registerOrganisationRoutes } from './organisations/router.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp(ctx: AppContext) {
  const { config, log } = ctx;
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      // No personal data in request logs: query-string values, bodies and driver error fields are left out (server/logging.ts).
      serializers: logSerializers,
    }),
  );
  // Prometheus metrics of this process (server/metrics/): every request counted by route template, intakes timed.
  const metrics = createMetrics(ctx);
  app.use(metrics.httpMiddleware);
  app.get('/metrics', metricsEndpoint(config.metricsToken, metrics)); // not public: METRICS_TOKEN, else 404
  // Every /api answer, problems included, is Cache-Control: no-store unless its route says otherwise (server/http/api.ts).
  app.use('/api', noStore);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'wasm-unsafe-eval'"], // WebAssembly only (the handheld's barcode decoder), never eval
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:'],
          connectSrc: ["'self'"],
          workerSrc: ["'self'"],
          manifestSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Handhelds often reach an outlet server over plain HTTP on the LAN; TLS is the reverse proxy's job.
      strictTransportSecurity: config.cookieSecure,
    }),
  );
  // Before any body is read: a page on another site may not act with the user's cookie (server/http/origin.ts).
  app.use(refuseCrossSiteRequests(config));
  // API keys of service accounts: authenticated and rate-limited per key before any body is read (server/machine/auth.ts).
  app.use('/api', apiKeyGate(ctx.db, config.apiKeyRateLimitPerMinute));
  app.use('/api/parcels/batch', batchJsonParser(config)); // up to 10,000 parcels: its own limit (server/batches/)
  app.use('/api', express.json({ limit: config.jsonBodyLimit, strict: true }));
  // The protected-brand registry every matcher reads: loaded before the first request, kept fresh (server/brands/registry.ts).
  const brands = startBrandRegistry(ctx.db, ctx.dbKind, log);
  app.use('/api', brands.middleware);

  const api = createApi((req) => authenticateRequest(ctx.db, req));
  registerHealthRoutes(api, ctx);
  registerAccountRoutes(api, ctx);
  registerOutletRoutes(api, ctx);
  registerMediaRoutes(api, ctx);
  // The intake pipeline, in the counter's order; each capability adds its step to this list.
  const keyring = createSelectionKeyring(ctx.vault);
  // Each step's validate/check/record timed into parcelguard_intake_step_seconds (server/metrics/).
  const intakeSteps: IntakeStep[] = metrics.timedSteps([
    identityStep, waybillStep, inspectionStep, screeningStep, contentsStep, archiveStep,
    watchlistStep(ctx.bus), ringStep(ctx.bus, ctx.config.ring), customsStep(keyring, ctx.config.customs, ctx.bus),
    holdStep(ctx.config.holds, ctx.bus), // a held parcel's hold row, after the parcel and every finding
  ]);
  // Order: the ring step scores with the suspect-list hits found before it, and records after the parcel;
  // customs selection records last, once the verdict says whether the parcel leaves the counter at all.
  // Counter intakes come first: a bulk intake's extra workers give way to them (server/intake/foreground.ts).
  const foreground = createForeground();
  registerBatchRoutes(api, ctx, intakeSteps, foreground); // before /api/parcels/:waybillNo, which would take "batch" for a waybill
  registerIntakeRoutes(api, ctx, ctx.vault, intakeSteps, foreground);
  registerWaybillRoutes(api, ctx); // the handheld's check of a scanned waybill
  registerReturningSenderRoutes(api, ctx); // the handheld's returning sender by ID number
  registerWatchlistRoutes(api, ctx);
  registerAlertRoutes(api, ctx);
  registerCustomsRoutes(api, ctx, keyring);
  registerGoodsRuleRoutes(api, ctx);
  registerBrandRoutes(api, ctx, brands);
  registerReportRoutes(api, ctx);
  registerJobRoutes(api, ctx);
  registerCaseRoutes(api, ctx);
  registerHoldRoutes(api, ctx);
  registerInterceptionRoutes(api, ctx);
  registerLookupRoutes(api, ctx);
  registerAuditRoutes(api, ctx);
  registerPrivacyRoutes(api, ctx);
  registerPriceFloorRoutes(api, ctx); // before any /api/rings/:ringId, which would take "price-floors" for an id
  registerRingRoutes(api, ctx);
  registerServiceAccountRoutes(api, ctx);
  registerWebhookRoutes(api, ctx); // also listens on ctx.bus and defines the webhook.deliver job
  registerOrganisationRoutes(api, ctx);
  api.route({
    method: 'get',
    path: '/api/openapi.json',
    tag: 'Health',
    summary: 'This description',
    access: { public: true },
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.object({ openapi: z.string() }).passthrough() } },
    handler: () => ({ status: 200, body: document }),
  });
  const document = api.openApiDocument();
  app.use(api.router);
  app.use('/api', notFoundHandler);

  serveWebClients(app);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return { app, api };
}

/** The built clients from `buildDir` (dist/web), or a page that says a client is not built. */
export function serveWebClients(app: express.Express, buildDir = webBuildDir) {
  app.use('/static', express.static(staticDir, { maxAge: '1h' }));
  for (const client of ['handheld', 'console']) {
    const dir = path.join(buildDir, client);
    // Precompressed (br/gzip) and cached by name: hashed assets for a year, the rest revalidated (server/web/clients.ts).
    if (fs.existsSync(dir)) app.use(`/${client}`, clientFiles(dir));
    else app.get([`/${client}`, `/${client}/`], (_req, res) => res.status(404).sendFile(path.join(staticDir, 'not-built.html')));
  }
  app.get('/', (_req, res) => res.sendFile(path.join(staticDir, 'index.html')));
}
