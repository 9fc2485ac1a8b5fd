import type { Ctx } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { findQrKey } from './qr-key.ts';
import { isQrTokenAuthentic, peekQrToken, qrTokenTiming, readQrTicket } from './qr-token.ts';
import { type Geolocation, recordSignature, sha256Hex, type SignatureProof } from './record-signature.ts';
import { qrTokenInvalid as invalid } from './scan-qr-code.ts';
import { renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

/**
 * A learner signs after scanning the projected QR code. They must be signed in
 * (magic-link session or password): the code proves they are in the room, the
 * session proves who they are. The code must be authentic (HMAC with the
 * organisation's key), of this session, and current (its window plus grace).
 * This is also the only self-signing path for a signed-in learner: there is
 * deliberately no "sign from my account" endpoint without the code, as it
 * would prove nothing about presence.
 *
 * The page normally scans first (`scanQrCode`) and signs with the ticket it got,
 * so the learner may take minutes to draw; a current token is still accepted
 * directly (one step, for clients that sign at once).
 */
export async function signWithQr(
  deps: { db: Db; clock: Clock },
  ctx: Ctx,
  input: { token?: string; ticket?: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  sessionCookie: string | undefined,
): Promise<SignatureProof> {
  const actor = ctx.actor;
  if (actor.kind !== 'person') throw new AppError('forbidden', 'Signing by QR code is for a signed-in person, not an API key.');
  const token = input.token ?? null;
  const payload = token ? peekQrToken(token) : null;
  if (token && !payload) throw invalid();
  const rendered = renderSignaturePng(input.strokes);
  const result = await withTenant(deps.db, actor.organisationId, async (trx) => {
    const now = deps.clock.now();
    const key = await findQrKey(trx, actor.organisationId);
    if (!key) throw invalid();
    let scan: { sessionId: string; window: number; scannedAt: string | null; proofSha256: string };
    if (token && payload) {
      // A code of another organisation fails here (other key), and so does an altered session id.
      if (!isQrTokenAuthentic(key, token)) throw invalid();
      scan = { sessionId: payload.s, window: payload.w, scannedAt: null, proofSha256: sha256Hex(token) };
    } else {
      const ticket = readQrTicket(key, input.ticket ?? '');
      // A ticket is bound to the person who scanned: another person's ticket proves nothing about them.
      if (!ticket || ticket.p !== actor.personId) throw invalid();
      if (now.getTime() >= ticket.exp) throw new AppError('qr_token_expired', 'More than 5 minutes have passed since you scanned the code: scan the code projected now.');
      scan = { sessionId: ticket.s, window: ticket.w, scannedAt: new Date(ticket.at).toISOString(), proofSha256: sha256Hex(input.ticket!) };
    }
    const loaded = await loadAttendanceSession(trx, scan.sessionId);
    if (!loaded) throw invalid();
    if (!loaded.settings.methods.qr) throw new AppError('signing_method_disabled', 'Signing by QR code is disabled for this program.');
    if (payload) {
      const timing = qrTokenTiming(payload, now, loaded.settings.qrRotationSeconds, loaded.settings.qrGraceSeconds);
      if (timing === 'expired') throw new AppError('qr_token_expired', 'This QR code has expired (codes change every few seconds): scan the code projected now.');
      if (timing === 'future') throw invalid();
    }
    return recordSignature(trx, {
      loaded,
      personId: actor.personId,
      method: 'qr',
      role: 'learner',
      authentication: {
        via: actor.method === 'magic_link' ? 'magic_link_session' : 'password_session',
        sessionSha256: sessionCookie ? sha256Hex(hashToken(sessionCookie)) : null,
        qrWindow: scan.window,
        ...(scan.scannedAt ? { qrScannedAt: scan.scannedAt, qrTicketSha256: scan.proofSha256 } : { qrTokenSha256: scan.proofSha256 }),
      },
      meta: ctx.meta,
      rendered,
      geolocation: input.geolocation ?? null,
      now,
      auditAs: { kind: 'person', personId: actor.personId },
      window: 'enforce',
    });
  });
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}
