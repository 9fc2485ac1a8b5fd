import type { Config } from '../../config.ts';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { assertNotCancelled, getSessionForActor } from './attendance-session.ts';
import { getOrCreateQrKey } from './qr-key.ts';
import { createQrToken, qrWindowBounds, qrWindowIndex } from './qr-token.ts';
import { windowStateAt } from './signing-window.ts';

/** The QR code to project now (trainer of the session or staff); the page fetches a new one every `rotatesEvery` seconds. */
export async function getQrCode(deps: { db: Db; clock: Clock; config: Pick<Config, 'publicUrl'> }, ctx: Ctx, sessionId: string) {
  return withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'show its QR code');
    assertNotCancelled(loaded.session);
    if (!loaded.settings.methods.qr) throw new AppError('signing_method_disabled', 'Signing by QR code is disabled for this program.');
    const key = await getOrCreateQrKey(trx, ctx.actor.organisationId);
    const now = deps.clock.now();
    const rotation = loaded.settings.qrRotationSeconds;
    const w = qrWindowIndex(now, rotation);
    const token = createQrToken(key, sessionId, w);
    const { rotatesAt, validUntil } = qrWindowBounds(w, rotation, loaded.settings.qrGraceSeconds);
    return {
      token,
      url: `${deps.config.publicUrl}/sign/qr?token=${encodeURIComponent(token)}`,
      expiresAt: rotatesAt.toISOString(),
      validUntil: validUntil.toISOString(),
      rotatesEvery: rotation,
      graceSeconds: loaded.settings.qrGraceSeconds,
      window: { state: windowStateAt(loaded.window, now), opensAt: loaded.window.opensAt.toISOString(), closesAt: loaded.window.closesAt.toISOString() },
    };
  });
}
