import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Rotating QR tokens: `base64url(JSON {s: sessionId, w: window})` + "." +
 * `base64url(HMAC-SHA256(qr_key, first part))`, where the window index is
 * floor(unix seconds / rotation). A token is accepted during its window and
 * `grace` seconds after it; then it is expired. Binding the session in the
 * MAC makes a code of one session useless for another; the short life makes a
 * photographed code useless a minute later.
 */
export interface QrPayload {
  s: string;
  w: number;
}

export function qrWindowIndex(now: Date, rotationSeconds: number): number {
  return Math.floor(now.getTime() / 1000 / rotationSeconds);
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export function createQrToken(key: Buffer, sessionId: string, window: number): string {
  const body = Buffer.from(JSON.stringify({ s: sessionId, w: window } satisfies QrPayload)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The payload of a well-formed token, not yet authenticated (to find its session); null when malformed. */
export function peekQrToken(token: string): QrPayload | null {
  const m = /^([A-Za-z0-9_-]{10,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  try {
    const payload = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof payload !== 'object' || payload === null) return null;
    const { s, w } = payload as Record<string, unknown>;
    if (typeof s !== 'string' || !/^[0-9a-f-]{36}$/.test(s) || typeof w !== 'number' || !Number.isSafeInteger(w) || w < 0) return null;
    return { s, w };
  } catch {
    return null;
  }
}

export function isQrTokenAuthentic(key: Buffer, token: string): boolean {
  const [body, sent] = token.split('.');
  if (!body || !sent) return false;
  const expected = mac(key, body);
  const given = Buffer.from(sent, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** 'valid' within the token's window or its grace; 'expired' after; 'future' for a window not reached yet. */
export function qrTokenTiming(payload: QrPayload, now: Date, rotationSeconds: number, graceSeconds: number): 'valid' | 'expired' | 'future' {
  const current = qrWindowIndex(now, rotationSeconds);
  if (payload.w > current) return 'future';
  const validUntilMs = (payload.w + 1) * rotationSeconds * 1000 + graceSeconds * 1000;
  return now.getTime() < validUntilMs ? 'valid' : 'expired';
}

/** When the code of `window` stops being shown (next rotation) and stops being accepted (plus grace). */
export function qrWindowBounds(window: number, rotationSeconds: number, graceSeconds: number): { rotatesAt: Date; validUntil: Date } {
  const rotatesAt = new Date((window + 1) * rotationSeconds * 1000);
  return { rotatesAt, validUntil: new Date(rotatesAt.getTime() + graceSeconds * 1000) };
}

/**
 * A scan ticket: what the learner's page gets back when it presents a current
 * QR token (`POST /sign/qr/scan`). It proves "this person scanned a current
 * code of this session at window w" and lets them take the time to draw their
 * signature. Bound to the session and the person, short-lived, and MACed with
 * the same key under another domain, so a ticket is never a token and a token
 * is never a ticket.
 */
export interface QrTicketPayload {
  s: string;
  p: string;
  w: number;
  /** When it was scanned and when the ticket stops being accepted, epoch ms. */
  at: number;
  exp: number;
}

const TICKET_PREFIX = 'qt1';

function ticketMac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`ticket:${body}`).digest();
}

export function createQrTicket(key: Buffer, payload: QrTicketPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${TICKET_PREFIX}.${body}.${ticketMac(key, body).toString('base64url')}`;
}

/** The payload of an authentic ticket, or null (malformed, forged, or another key). Expiry is the caller's check. */
export function readQrTicket(key: Buffer, ticket: string): QrTicketPayload | null {
  const m = /^qt1\.([A-Za-z0-9_-]{10,600})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
  if (!m) return null;
  const expected = ticketMac(key, m[1]!);
  const given = Buffer.from(m[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as QrTicketPayload;
    const ok = typeof p.s === 'string' && typeof p.p === 'string' && Number.isSafeInteger(p.w) && Number.isSafeInteger(p.at) && Number.isSafeInteger(p.exp);
    return ok ? p : null;
  } catch {
    return null;
  }
}
