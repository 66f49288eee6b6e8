// One attempt to deliver one event to one subscriber: POST the JSON as stored, signed with the subscription's
// secret; 2xx is delivered, anything else (or no answer within 5 s) throws so the job queue retries with its
// backoff, and the last attempt marks the delivery failed. Log lines name the subscription, delivery and event,
// never the address (its query may carry the receiver's token), the secret or the signature.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { eq } from 'drizzle-orm';
import { webhookDeliveries, webhookSubscriptions } from '../../models/schema.js';
import type { AppContext } from '../context.js';
import type { Job } from '../jobs/store.js';
import { guardedLookup, isPrivateAddress } from './url.js';

export const DELIVERY_TIMEOUT_MS = 5_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`, as receivers verify it (README "Machine clients and webhooks"). */
export function signature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

class DeliveryError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'WebhookDeliveryError';
  }
}

type Answer = { status: number } | { error: string };

function post(url: string, body: string, headers: Record<string, string>, production: boolean): Promise<Answer> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ error: 'URL_INVALID' });
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!client) return resolve({ error: 'URL_INVALID' });
    // An address written as an IP is not looked up, so the guarded resolver never sees it: checked here.
    if (production && isPrivateAddress(target.hostname.replace(/^\[|\]$/g, ''))) return resolve({ error: 'WEBHOOK_URL_PRIVATE' });
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'ParcelGuard-Webhooks/1' },
        lookup: guardedLookup(production),
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (res) => {
        res.resume(); // the answer's body is not read, only drained
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), DELIVERY_TIMEOUT_MS);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: /^[A-Z0-9_]{1,40}$/.test(err.code ?? '') ? err.code! : 'REQUEST_FAILED' }));
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}

export async function deliverWebhook(ctx: AppContext, job: Job, now: Date): Promise<void> {
  const deliveryId = String(job.payload.deliveryId ?? '');
  const [row] = await ctx.db
    .select({ d: webhookDeliveries, s: webhookSubscriptions })
    .from(webhookDeliveries)
    .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row || row.d.status !== 'pending') return; // deleted with its subscription, or settled already
  const { d, s } = row;
  const base = { subscriptionId: s.id, deliveryId: d.id, eventType: d.eventType, eventId: d.eventId, attempt: job.attempts };
  if (s.disabledAt) {
    await ctx.db.update(webhookDeliveries).set({ status: 'failed', lastError: 'SUBSCRIPTION_DISABLED', lastAttemptAt: now }).where(eq(webhookDeliveries.id, d.id));
    ctx.log.info(base, 'webhook: subscription disabled; delivery dropped');
    return;
  }
  const body = JSON.stringify(d.payload);
  const t = Math.floor(now.getTime() / 1000);
  const answer = await post(
    s.url,
    body,
    { 'X-ParcelGuard-Event': d.eventType, 'X-ParcelGuard-Delivery': d.id, 'X-ParcelGuard-Signature': signature(ctx.vault.open('webhook_secret', s.secretSealed), t, body) },
    ctx.config.env === 'production',
  );
  const ok = 'status' in answer && answer.status >= 200 && answer.status < 300;
  const last = job.attempts >= job.maxAttempts;
  await ctx.db
    .update(webhookDeliveries)
    .set({
      attempts: job.attempts,
      lastStatusCode: 'status' in answer ? answer.status : null,
      lastError: ok ? null : 'status' in answer ? `HTTP_${answer.status}` : answer.error,
      lastAttemptAt: now,
      ...(ok ? { status: 'delivered' as const, deliveredAt: now } : last ? { status: 'failed' as const } : {}),
    })
    .where(eq(webhookDeliveries.id, d.id));
  if (ok) {
    ctx.log.info({ ...base, statusCode: (answer as { status: number }).status }, 'webhook: delivered');
    return;
  }
  const code = 'status' in answer ? `HTTP_${answer.status}` : answer.error;
  ctx.log.warn({ ...base, result: code, final: last }, last ? 'webhook: delivery failed for good' : 'webhook: delivery failed; will retry');
  throw new DeliveryError(code);
}
