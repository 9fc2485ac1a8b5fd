import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts';

/** Waits after attempts 1..5; the 6th failed attempt marks the delivery failed. */
export const WEBHOOK_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 12 * 3600_000] as const;
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_BACKOFF_MS.length + 1;
export const WEBHOOK_TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 1000;

export interface WebhookDeliveryReport {
  delivered: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  organisation_id: string;
  id: string;
  event_id: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
  active: boolean;
}

/**
 * One delivery pass over every organisation: claims the due deliveries (a lease
 * in `next_attempt_at`, `FOR UPDATE SKIP LOCKED`, so concurrent workers never
 * send one twice and a crashed worker's claims come back when the lease ends),
 * POSTs each signed body, and records the outcome: 2xx is delivered; anything
 * else (status, timeout, network error) is retried with backoff, and failed
 * after WEBHOOK_MAX_ATTEMPTS. Redirects are not followed.
 */
export async function deliverDueWebhooks(db: Db, clock: Clock, opts: { timeoutMs?: number; batchSize?: number } = {}): Promise<WebhookDeliveryReport> {
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const now = clock.now();
  const lease = new Date(now.getTime() + timeoutMs + 60_000);
  const claimed = await sql<Claimed>`
    WITH due AS (
      SELECT organisation_id, id FROM webhook_deliveries
       WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ${now})
       ORDER BY next_attempt_at NULLS FIRST, created_at
       LIMIT ${opts.batchSize ?? 20}
       FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET next_attempt_at = ${lease}, attempts = d.attempts + 1
      FROM due, webhook_endpoints e
     WHERE d.organisation_id = due.organisation_id AND d.id = due.id
       AND e.organisation_id = d.organisation_id AND e.id = d.endpoint_id
    RETURNING d.organisation_id, d.id, d.event_id, d.payload, d.attempts, e.url, e.secret, e.active`.execute(db);

  const report: WebhookDeliveryReport = { delivered: 0, retrying: 0, failed: 0 };
  await Promise.all(
    claimed.rows.map(async (d) => {
      const outcome = d.active ? await post(d, clock, timeoutMs) : { ok: false, status: null, excerpt: null, error: 'endpoint disabled' };
      const at = clock.now();
      if (outcome.ok) {
        report.delivered++;
        await db
          .updateTable('webhook_deliveries')
          .set({ status: 'delivered', delivered_at: at, next_attempt_at: null, response_status: outcome.status, response_body_excerpt: outcome.excerpt, last_error: null })
          .where('organisation_id', '=', d.organisation_id)
          .where('id', '=', d.id)
          .execute();
        return;
      }
      const final = !d.active || d.attempts >= WEBHOOK_MAX_ATTEMPTS;
      if (final) report.failed++;
      else report.retrying++;
      await db
        .updateTable('webhook_deliveries')
        .set({
          status: final ? 'failed' : 'pending',
          next_attempt_at: final ? null : new Date(at.getTime() + WEBHOOK_BACKOFF_MS[d.attempts - 1]!),
          response_status: outcome.status,
          response_body_excerpt: outcome.excerpt,
          last_error: outcome.error,
        })
        .where('organisation_id', '=', d.organisation_id)
        .where('id', '=', d.id)
        .execute();
    }),
  );
  return report;
}

async function post(d: Claimed, clock: Clock, timeoutMs: number): Promise<{ ok: boolean; status: number | null; excerpt: string | null; error: string | null }> {
  const body = JSON.stringify(typeof d.payload === 'string' ? JSON.parse(d.payload) : d.payload);
  const timestamp = Math.floor(clock.now().getTime() / 1000);
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Emarge-Webhooks/1',
        [SIGNATURE_HEADER]: signWebhookBody(d.secret, timestamp, body),
        [EVENT_ID_HEADER]: d.event_id,
      },
      body,
    });
    const text = (await res.text()).slice(0, EXCERPT_CHARS);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, excerpt: text || null, error: ok ? null : `HTTP ${res.status}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    const message = timedOut ? `timed out after ${timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : e.cause?.message ? ` (${e.cause.message})` : ''}`;
    return { ok: false, status: null, excerpt: null, error: message.slice(0, 500) };
  }
}

/** Runs passes until nothing is due (bounded), adding up the outcomes. */
export async function deliverAllDueWebhooks(db: Db, clock: Clock, opts: { timeoutMs?: number } = {}): Promise<WebhookDeliveryReport> {
  const total: WebhookDeliveryReport = { delivered: 0, retrying: 0, failed: 0 };
  for (let i = 0; i < 50; i++) {
    const r = await deliverDueWebhooks(db, clock, opts);
    total.delivered += r.delivered;
    total.retrying += r.retrying;
    total.failed += r.failed;
    if (r.delivered + r.retrying + r.failed === 0) break;
  }
  return total;
}
