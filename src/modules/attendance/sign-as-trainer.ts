import type { Ctx } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { getSessionForActor } from './attendance-session.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { recordSignature, sha256Hex, type SignatureProof } from './record-signature.ts';
import { renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

/**
 * The trainer signs the session's sheet (method sign_in: their own signed-in
 * session). Possible once the signing window has opened, and until the sheet
 * is locked; required before locking.
 */
export async function signAsTrainer(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string, input: { strokes: SignatureStrokes }, sessionCookie: string | undefined): Promise<SignatureProof> {
  const actor = ctx.actor;
  const rendered = renderSignaturePng(input.strokes);
  const result = await withTenant(deps.db, actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, actor, sessionId, 'trainer', 'sign as its trainer');
    if (actor.kind !== 'person') throw AppError.because('forbidden', 'trainer_signs_in_person');
    await ensureSheet(trx, sessionId);
    // A trainer of the cohort standing in for the session's trainer gets a trainer record.
    await trx.insertInto('attendance_records').values({ organisation_id: actor.organisationId, session_id: sessionId, person_id: actor.personId, role: 'trainer' }).onConflict((oc) => oc.columns(['organisation_id', 'session_id', 'person_id']).doNothing()).execute();
    return recordSignature(trx, {
      loaded,
      personId: actor.personId,
      method: 'sign_in',
      role: 'trainer',
      authentication: { via: actor.method === 'magic_link' ? 'magic_link_session' : 'password_session', sessionSha256: sessionCookie ? sha256Hex(hashToken(sessionCookie)) : null },
      meta: ctx.meta,
      rendered,
      geolocation: null,
      now: deps.clock.now(),
      auditAs: { kind: 'person', personId: actor.personId },
      window: 'opened',
    });
  });
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}
