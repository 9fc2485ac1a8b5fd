import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { describeActor } from './actor-evidence.ts';
import { appendEvidence } from './append-evidence.ts';
import { applyAmendment } from './amend-sheet.ts';
import { lockLearnerRecord } from './attendance-session.ts';
import { ensureSheet } from './ensure-sheet.ts';

/**
 * Marks a learner excused on a session because a justification was accepted
 * (called by the absences flow, in its transaction). On an open sheet the
 * record changes directly; on a locked sheet it is an amendment (new version).
 * Someone who signed present cannot be excused. `now` defaults to the
 * database time of the transaction.
 */
export async function markExcused(trx: Tx, ctx: Ctx, input: { sessionId: string; personId: string; justificationId: string; now: Date }): Promise<{ status: 'excused'; version: number }> {
  const { sessionId, personId, justificationId } = input;
  const now = input.now;
  await ensureSheet(trx, sessionId);
  const record = await lockLearnerRecord(trx, sessionId, personId);
  if (record.signature_id && (record.status === 'present' || record.status === 'late')) {
    throw AppError.because('conflict', 'absence_signed');
  }
  const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version']).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  const reason = `absence justified (justification ${justificationId})`;
  let version = sheet.version;
  if (record.status === 'excused') return { status: 'excused', version };
  if (sheet.status === 'locked') {
    ({ version } = await applyAmendment(trx, ctx, sessionId, { personId, status: 'excused', reason, justificationId }, now));
  } else {
    await trx.updateTable('attendance_records').set({ status: 'excused', reason, marked_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null, late_minutes: null, updated_at: now }).where('id', '=', record.id).execute();
    await appendEvidence(trx, ctx.actor.organisationId, {
      type: 'attendance.excused',
      recordedAt: now,
      payload: { sessionId, personId, justificationId, from: record.status, to: 'excused', status: 'excused', lateMinutes: null, reason, by: await describeActor(trx, ctx.actor), ip: ctx.meta.ip, userAgent: ctx.meta.userAgent, sheetStatus: 'open', version },
    });
  }
  await recordAuditEvent(trx, ctx, { type: 'attendance.excused', subjectType: 'session', subjectId: sessionId, payload: { sessionId, personId, justificationId, version } });
  return { status: 'excused', version };
}
