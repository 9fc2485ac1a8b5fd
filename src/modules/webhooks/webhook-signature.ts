import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` (Stripe-style). */
export const SIGNATURE_HEADER = 'Emarge-Signature';
export const EVENT_ID_HEADER = 'Emarge-Event-Id';

/** The signature header value for a raw body sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * The receiver's side (documented for integrators, used by the tests): true when
 * the header holds a v1 signature of the raw body with the secret, and its
 * timestamp is within `toleranceSeconds` of `now` (replay protection).
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, rawBody: string, opts: { now: Date; toleranceSeconds?: number }): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  if (Math.abs(Math.floor(opts.now.getTime() / 1000) - t) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  return parts.some(([k, v]) => {
    if (k !== 'v1' || !v || !/^[0-9a-f]{64}$/.test(v)) return false;
    return timingSafeEqual(Buffer.from(v, 'hex'), expected);
  });
}
