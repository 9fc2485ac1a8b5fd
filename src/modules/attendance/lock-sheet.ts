import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { reasonMessage } from '../../platform/errors/problem-items.ts';
import { emitWebhookEvent } from '../webhooks/emit-webhook-event.ts';
import { describeActor } from './actor-evidence.ts';
import { appendEvidence } from './append-evidence.ts';
import { canonicalJson } from './evidence-chain.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { assertNotCancelled, getSessionForActor } from './attendance-session.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { readSheet } from './get-attendance-sheet.ts';
import { sha256Hex } from './record-signature.ts';

/** SHA-256 of the sheet's records (person, role, status, times, method, signature), in person order: what a version attests. */
export async function computeRecordsDigest(trx: Tx, sessionId: string): Promise<string> {
  const rows = await trx
    .selectFrom('attendance_records')
    .select(['person_id', 'role', 'status', 'late_minutes', 'left_at', 'signed_at', 'method', 'signature_id', 'marked_by', 'reason'])
    .where('session_id', '=', sessionId)
    .orderBy('person_id')
    .execute();
  return sha256Hex(canonicalJson(rows.map((r) => ({ ...r, left_at: r.left_at?.toISOString() ?? null, signed_at: r.signed_at?.toISOString() ?? null }))));
}

/**
 * Locks the sheet (a trainer of the session or staff) once a trainer has
 * signed: learners still pending become absent, the sheet is locked, and the
 * lock is written to the evidence with a digest of every record. Afterwards
 * only an amendment by a manager changes it.
 */
export async function lockSheet(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string) {
  const result = await withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'lock its sheet');
    assertNotCancelled(loaded.session);
    await ensureSheet(trx, sessionId);
    // The sheet row first: two locks queue here; signings check the status after locking their record.
    const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version', 'verification_code']).where('session_id', '=', sessionId).forUpdate().executeTakeFirstOrThrow();
    if (sheet.status === 'locked') throw new AppError('sheet_locked', 'This sheet is already locked; only a manager can amend it.');
    // A signature made after an absent or excused mark waits for the trainer's decision: locking would settle it silently.
    const awaiting = await trx.selectFrom('attendance_records').select('person_id').where('session_id', '=', sessionId).where('review', '=', 'pending').execute();
    if (awaiting.length) {
      throw new AppError('conflict', reasonMessage('reviews_pending', { count: awaiting.length }), { reason: { reason: 'reviews_pending', reasonParams: { count: awaiting.length } }, extra: { personIds: awaiting.map((r) => r.person_id) } });
    }
    const trainerSigned = await trx.selectFrom('attendance_records').select('id').where('session_id', '=', sessionId).where('role', '=', 'trainer').where('signature_id', 'is not', null).executeTakeFirst();
    if (!trainerSigned) throw new AppError('trainer_signature_missing', "The trainer must sign the session (POST /sessions/:id/trainer-signature) before the sheet is locked.");
    const now = deps.clock.now();
    await trx.updateTable('attendance_sheets').set({ status: 'locked', locked_at: now, locked_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null, updated_at: now }).where('session_id', '=', sessionId).execute();
    const absent = await trx
      .updateTable('attendance_records')
      .set({ status: 'absent', reason: 'not signed when the sheet was locked', updated_at: now })
      .where('session_id', '=', sessionId)
      .where('role', '=', 'learner')
      .where('status', '=', 'pending')
      .returning(['person_id', 'status', 'late_minutes'])
      .execute();
    // One entry per record the lock changed, as for every write of a record's status (sessionId, personId, status, lateMinutes).
    const lockedBy = await describeActor(trx, ctx.actor);
    for (const r of absent) {
      await appendEvidence(trx, loaded.organisation.id, {
        type: 'attendance.marked',
        recordedAt: now,
        payload: {
          sessionId, personId: r.person_id, status: r.status, lateMinutes: r.late_minutes,
          from: { status: 'pending' }, to: { status: r.status }, reason: 'not signed when the sheet was locked', markedBy: lockedBy,
          authentication: { via: 'sheet_locked' }, ip: ctx.meta.ip, userAgent: ctx.meta.userAgent,
        },
      });
    }
    const digest = await computeRecordsDigest(trx, sessionId);
    const view = await readSheet(trx, loaded, now);
    await appendEvidence(trx, loaded.organisation.id, {
      type: 'sheet.locked',
      recordedAt: now,
      payload: {
        sessionId,
        version: sheet.version,
        verificationCode: sheet.verification_code,
        lockedBy,
        ip: ctx.meta.ip,
        userAgent: ctx.meta.userAgent,
        markedAbsent: absent.map((r) => r.person_id),
        counts: view.counts,
        recordsSha256: digest,
      },
    });
    await recordAuditEvent(trx, ctx, { type: 'attendance.sheet_locked', subjectType: 'session', subjectId: sessionId, payload: { sessionId, version: sheet.version, markedAbsent: absent.length } });
    await emitWebhookEvent(trx, loaded.organisation.id, 'sheet.locked', { sessionId, version: sheet.version, verificationCode: sheet.verification_code, lockedAt: now.toISOString(), counts: view.counts }, { occurredAt: now });
    return { view, now };
  });
  publishAttendanceEvent({ type: 'locked', organisationId: ctx.actor.organisationId, sessionId, personId: null, status: 'locked', method: null, signedAt: null, at: result.now.toISOString() });
  return result.view;
}
