import type { Ctx } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { getSessionForActor } from './attendance-session.ts';
import { recordSignature, sha256Hex, type SignatureProof } from './record-signature.ts';
import { renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

/**
 * Kiosk mode: on the trainer's device, a learner picks their name and signs;
 * the trainer's signed-in session vouches for them, and the evidence says so
 * ("kiosk, vouched by trainer X").
 */
export async function signAtKiosk(
  deps: { db: Db; clock: Clock },
  ctx: Ctx,
  sessionId: string,
  input: { personId: string; strokes: SignatureStrokes },
  sessionCookie: string | undefined,
): Promise<SignatureProof> {
  const actor = ctx.actor;
  const rendered = renderSignaturePng(input.strokes);
  const result = await withTenant(deps.db, actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, actor, sessionId, 'trainer', 'run the kiosk');
    if (actor.kind !== 'person') throw AppError.because('forbidden', 'kiosk_person_only');
    if (!loaded.settings.methods.kiosk) throw new AppError('signing_method_disabled', 'Kiosk signing is disabled for this program.');
    const onSheet = await trx.selectFrom('attendance_records').select('role').where('session_id', '=', sessionId).where('person_id', '=', input.personId).executeTakeFirst();
    const person = await trx.selectFrom('people').select('id').where('id', '=', input.personId).executeTakeFirst();
    if (!person) throw new AppError('not_found', 'Person was not found', { errors: [problemItem('body.personId', 'person_unknown')] });
    if (onSheet?.role === 'trainer') throw new AppError('unprocessable', 'Trainers sign with POST /sessions/:id/trainer-signature, not at the kiosk.', { errors: [problemItem('body.personId', 'trainer_at_kiosk')] });
    const trainer = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'email']).where('id', '=', actor.personId).executeTakeFirstOrThrow();
    return recordSignature(trx, {
      loaded,
      personId: input.personId,
      method: 'kiosk',
      role: 'learner',
      authentication: {
        via: 'kiosk',
        vouchedBy: { id: trainer.id, name: `${trainer.given_name} ${trainer.family_name}`, email: trainer.email },
        trainerSessionSha256: sessionCookie ? sha256Hex(hashToken(sessionCookie)) : null,
      },
      meta: ctx.meta,
      rendered,
      geolocation: null,
      now: deps.clock.now(),
      auditAs: { kind: 'person', personId: actor.personId },
      window: 'enforce',
    });
  });
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}
