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
import { ensureSheet } from './ensure-sheet.ts';
import { presentRecord } from './attendance.presenter.ts';

export interface MarkInput {
  status: 'present' | 'late' | 'left_early' | 'absent';
  reason?: string | undefined;
  leftAt?: string | undefined;
  lateMinutes?: number | undefined;
}

/**
 * A trainer of the session (or staff) sets a learner's status on the open
 * sheet. Marking someone present, late or left early who has not signed is
 * signing on their behalf: it needs a reason and is recorded as trainer_mark
 * with who marked; marking absent someone who signed needs a reason too.
 * Late needs the minutes (or takes them from the signature time); left early
 * needs the time they left, within the session. A mark on a signature
 * waiting for review (signed after an absent or excused mark) decides it:
 * attended confirms it, absent rejects it.
 */
export async function markAttendance(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string, personId: string, input: MarkInput) {
  const result = await withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'mark attendance');
    const { session, organisation, settings } = loaded;
    assertNotCancelled(session);
    if (!settings.methods.trainerMark) throw new AppError('signing_method_disabled', 'Marking by the trainer is disabled for this program.');
    await ensureSheet(trx, sessionId);
    const record = await lockLearnerRecord(trx, sessionId, personId);
    await assertSheetOpen(trx, sessionId);
    const now = deps.clock.now();
    const reason = input.reason?.trim() || null;
    const signed = record.signature_id !== null;
    const errors: { path: string; message: string }[] = [];
    if (input.status !== 'absent' && !signed && !reason) errors.push(problemItem('body.reason', 'reason_required_unsigned', { status: input.status.replace('_', ' ') }));
    if (input.status === 'absent' && signed && !reason) errors.push(problemItem('body.reason', 'reason_required_signed_absent'));
    let leftAt: Date | null = null;
    if (input.status === 'left_early') {
      if (!input.leftAt) errors.push(problemItem('body.leftAt', 'left_at_required'));
      else {
        leftAt = new Date(input.leftAt);
        if (!(leftAt > session.starts_at && leftAt < session.ends_at)) errors.push(problemItem('body.leftAt', 'left_at_outside_session', { start: session.starts_at.toISOString(), end: session.ends_at.toISOString() }));
      }
    } else if (input.leftAt !== undefined) errors.push(problemItem('body.leftAt', 'left_at_only_left_early'));
    let lateMinutes: number | null = null;
    if (input.status === 'late') {
      lateMinutes = input.lateMinutes ?? (record.signed_at ? Math.max(0, Math.floor((record.signed_at.getTime() - session.starts_at.getTime()) / 60_000)) : null);
      if (lateMinutes === null) errors.push(problemItem('body.lateMinutes', 'late_minutes_required'));
    } else if (input.status === 'left_early') {
      lateMinutes = record.late_minutes;
    } else if (input.lateMinutes !== undefined) errors.push(problemItem('body.lateMinutes', 'late_minutes_only_late'));
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });

    const method = signed ? record.method : input.status === 'absent' ? null : 'trainer_mark';
    const markedBy = ctx.actor.kind === 'person' ? ctx.actor.personId : null;
    const review = record.review === 'pending' ? { review: input.status === 'absent' ? 'rejected' as const : 'confirmed' as const, reviewed_by: markedBy, reviewed_at: now } : {};
    const updated = await trx
      .updateTable('attendance_records')
      .set({ status: input.status, late_minutes: lateMinutes, left_at: leftAt, method, marked_by: markedBy, reason, updated_at: now, ...(signed ? {} : { signed_at: null }), ...review })
      .where('id', '=', record.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const learner = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'email']).where('id', '=', personId).executeTakeFirstOrThrow();
    await appendEvidence(trx, organisation.id, {
      type: 'attendance.marked',
      recordedAt: now,
      payload: {
        sessionId,
        personId,
        status: updated.status,
        lateMinutes: updated.late_minutes,
        review: updated.review,
        person: { id: learner.id, name: `${learner.given_name} ${learner.family_name}`, email: learner.email },
        from: { status: record.status, lateMinutes: record.late_minutes, leftAt: record.left_at?.toISOString() ?? null, method: record.method },
        to: { status: updated.status, lateMinutes: updated.late_minutes, leftAt: updated.left_at?.toISOString() ?? null, method: updated.method },
        onBehalf: !signed && input.status !== 'absent',
        reason,
        markedBy: await describeActor(trx, ctx.actor),
        authentication: { via: 'marked_by_trainer' },
        ip: ctx.meta.ip,
        userAgent: ctx.meta.userAgent,
        signatureId: record.signature_id,
      },
    });
    await recordAuditEvent(trx, ctx, { type: 'attendance.marked', subjectType: 'session', subjectId: sessionId, payload: { sessionId, personId, from: record.status, to: input.status, reason } });
    const names = new Map([[learner.id, { name: `${learner.given_name} ${learner.family_name}`, email: learner.email }]]);
    return { record: presentRecord(updated, names, organisation.timezone), now };
  });
  publishAttendanceEvent({ type: 'mark', organisationId: ctx.actor.organisationId, sessionId, personId, status: result.record.status, method: result.record.method, signedAt: result.record.signedAt, at: result.now.toISOString() });
  return result.record;
}
