import type { Ctx } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { findQrKey } from './qr-key.ts';
import { createQrTicket, isQrTokenAuthentic, peekQrToken, qrTokenTiming } from './qr-token.ts';

/** How long a learner has, after scanning a current code, to draw and send their signature. */
export const QR_TICKET_SECONDS = 300;

export const qrTokenInvalid = () => new AppError('qr_token_invalid', 'This QR code is not valid for any session you can sign: scan the code projected in the room again.');

/**
 * A signed-in learner's page presents the QR token it was opened with. The
 * code is checked NOW — authentic, of this session, current (window + grace),
 * QR signing enabled — and a ticket bound to this person and session is
 * returned, valid for QR_TICKET_SECONDS: the code only has to be current when
 * scanned, not when the learner has finished drawing.
 */
export async function scanQrCode(deps: { db: Db; clock: Clock }, ctx: Ctx, token: string) {
  const actor = ctx.actor;
  if (actor.kind !== 'person') throw AppError.because('forbidden', 'person_only_qr');
  const payload = peekQrToken(token);
  if (!payload) throw qrTokenInvalid();
  return withTenant(deps.db, actor.organisationId, async (trx) => {
    const now = deps.clock.now();
    const key = await findQrKey(trx, actor.organisationId);
    if (!key || !isQrTokenAuthentic(key, token)) throw qrTokenInvalid();
    const loaded = await loadAttendanceSession(trx, payload.s);
    if (!loaded) throw qrTokenInvalid();
    if (!loaded.settings.methods.qr) throw new AppError('signing_method_disabled', 'Signing by QR code is disabled for this program.');
    const timing = qrTokenTiming(payload, now, loaded.settings.qrRotationSeconds, loaded.settings.qrGraceSeconds);
    if (timing === 'expired') throw new AppError('qr_token_expired', 'This QR code has expired (codes change every few seconds): scan the code projected now.');
    if (timing === 'future') throw qrTokenInvalid();
    const expiresAt = new Date(now.getTime() + QR_TICKET_SECONDS * 1000);
    const ticket = createQrTicket(key, { s: payload.s, p: actor.personId, w: payload.w, at: now.getTime(), exp: expiresAt.getTime() });
    return { sessionId: payload.s, ticket, scannedAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  });
}
