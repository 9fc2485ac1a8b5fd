import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { describeActor } from './actor-evidence.ts';
import { appendEvidence } from './append-evidence.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { assertNotCancelled, assertSheetOpen, getSessionForActor, lockLearnerRecord } from './attendance-session.ts';
import { presentRecord } from './attendance.presenter.ts';
import { lateness } from './record-signature.ts';

export interface ReviewInput {
  decision: 'confirm' | 'reject';
  reason?: string | undefined;
}

/**
 * A trainer of the session (or staff) decides on a learner's signature that
 * came after they were marked absent or excused (record.review = 'pending',
 * see signingOutcome). Confirm: the learner arrived — the record becomes
 * present or late from the signing time (the organisation's threshold), the
 * signature stays. Reject (a reason is required): the mark stands — the
 * record keeps its status, the signature stays attached as evidence of the
 * attempt. Either way the mark's entry and the signing's entry stay in the
 * evidence log, and this decision is a third one.
 */
export async function reviewSignature(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string, personId: string, input: ReviewInput) {
  const result = await withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'confirm or reject a signature');
    const { session, organisation, settings } = loaded;
    assertNotCancelled(session);
    const record = await lockLearnerRecord(trx, sessionId, personId);
    await assertSheetOpen(trx, sessionId);
    if (record.review !== 'pending' || record.signature_id === null || record.signed_at === null) throw AppError.because('conflict', 'no_review_pending');
    const reason = input.reason?.trim() || null;
    if (input.decision === 'reject' && !reason) {
      const errors = [problemItem('body.reason', 'reason_required_reject')];
      throw new AppError('validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
    }
    const now = deps.clock.now();
    const reviewerId = ctx.actor.kind === 'person' ? ctx.actor.personId : null;
    const arrival = lateness(session.starts_at, record.signed_at, settings.lateAfterMinutes);
    const confirmed = input.decision === 'confirm';
    const updated = await trx
      .updateTable('attendance_records')
      .set(confirmed
        ? { status: arrival.status, late_minutes: arrival.lateMinutes, review: 'confirmed', reviewed_by: reviewerId, reviewed_at: now, reason, updated_at: now }
        : { review: 'rejected', reviewed_by: reviewerId, reviewed_at: now, reason, updated_at: now })
      .where('id', '=', record.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const learner = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'email']).where('id', '=', personId).executeTakeFirstOrThrow();
    await appendEvidence(trx, organisation.id, {
      type: 'attendance.signature_reviewed',
      recordedAt: now,
      payload: {
        sessionId,
        personId,
        status: updated.status,
        lateMinutes: updated.late_minutes,
        decision: confirmed ? 'confirmed' : 'rejected',
        person: { id: learner.id, name: `${learner.given_name} ${learner.family_name}`, email: learner.email },
        markedStatus: record.status,
        signatureId: record.signature_id,
        signedAt: record.signed_at.toISOString(),
        method: record.method,
        reason,
        reviewedBy: await describeActor(trx, ctx.actor),
        ip: ctx.meta.ip,
        userAgent: ctx.meta.userAgent,
      },
    });
    await recordAuditEvent(trx, ctx, { type: 'attendance.signature_reviewed', subjectType: 'session', subjectId: sessionId, payload: { sessionId, personId, decision: confirmed ? 'confirmed' : 'rejected', from: record.status, to: updated.status, reason } });
    const names = new Map([[learner.id, { name: `${learner.given_name} ${learner.family_name}`, email: learner.email }]]);
    return { record: presentRecord(updated, names, organisation.timezone), now };
  });
  publishAttendanceEvent({ type: 'mark', organisationId: ctx.actor.organisationId, sessionId, personId, status: result.record.status, method: result.record.method, signedAt: result.record.signedAt, at: result.now.toISOString() });
  return result.record;
}
