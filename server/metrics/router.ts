// GET /metrics for Prometheus. Not public and not advertised: without METRICS_TOKEN it does not exist (404, as for any
// unknown path, and it is left out of the OpenAPI document); with it, only `Authorization: Bearer <METRICS_TOKEN>` is
// answered. Outside /api, so no session, no API-key rate limit and no body parser; a scrape is logged at debug only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type express from 'express';
import { UnauthenticatedError, withMessage } from '../http/errors.js';
import { bilingual, defineMessages } from '../i18n/messages.js';
import { metricsResponse, type Metrics } from './metrics.js';

export const METRICS_MESSAGES = defineMessages({
  METRICS_TOKEN_INVALID: {
    en: 'Metrics need the scrape token: send Authorization: Bearer <METRICS_TOKEN>.',
    zh: '读取监控指标需要采集令牌：请发送 Authorization: Bearer <METRICS_TOKEN>。',
  },
});

/** Hashed first, so the comparison takes the same time whatever the length or content of what was sent. */
const digest = (v: string) => createHash('sha256').update(v).digest();

export function metricsEndpoint(token: string | undefined, metrics: Metrics): express.RequestHandler {
  const expected = token ? digest(token) : undefined;
  return async (req, res, next) => {
    if (!expected) return next(); // not configured: the app's 404
    const header = req.get('Authorization') ?? '';
    const sent = /^Bearer (.+)$/i.exec(header)?.[1]?.trim() ?? '';
    if (!timingSafeEqual(digest(sent), expected) || !sent) {
      return next(withMessage(new UnauthenticatedError('', METRICS_MESSAGES.METRICS_TOKEN_INVALID), bilingual(METRICS_MESSAGES.METRICS_TOKEN_INVALID)));
    }
    try {
      const { contentType, body } = await metricsResponse(metrics.registry);
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(body);
    } catch (err) {
      next(err);
    }
  };
}
