import { type Actor, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { canSeeCohort, scopeFor } from '../catalogue/access.ts';
import { describeActor } from './actor-evidence.ts';
import { appendEvidence } from './append-evidence.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import type { AttendanceStatus } from './attendance.table.ts';
import { readSheet } from './get-attendance-sheet.ts';
import { computeRecordsDigest } from './lock-sheet.ts';

export interface AmendInput {
  personId: string;
  status: Exclude<AttendanceStatus, 'pending'>;
  reason: string;
  lateMinutes?: number | undefined;
  leftAt?: string | undefined;
}

function isManager(actor: Actor): actor is Extract<Actor, { kind: 'person' }> {
  return actor.kind === 'person' && (actor.roles.includes('manager') || actor.roles.includes('admin'));
}

/**
 * Changes one record of a LOCKED sheet as a new version, in the caller's
 * transaction: the amendment row (before/after, reason, who), version + 1,
 * the evidence entry and the audit event. Used by amendSheet and markExcused.
 */
export async function applyAmendment(
  trx: Tx,
  ctx: Ctx,
  sessionId: string,
  input: { personId: string; status: AttendanceStatus; reason: string; lateMinutes?: number | null; leftAt?: Date | null; justificationId?: string },
  now: Date,
): Promise<{ version: number }> {
  const record = await trx.selectFrom('attendance_records').selectAll().where('session_id', '=', sessionId).where('person_id', '=', input.personId).forUpdate().executeTakeFirst();
  if (!record) throw new AppError('not_found', 'This person is not on the attendance sheet of this session.', { errors: [problemItem('body.personId', 'not_on_sheet')] });
  const sheet = await trx.selectFrom('attendance_sheets').select(['version', 'status']).where('session_id', '=', sessionId).forUpdate().executeTakeFirstOrThrow();
  const version = sheet.version + 1;
  const before = { status: record.status, lateMinutes: record.late_minutes, leftAt: record.left_at?.toISOString() ?? null, reason: record.reason };
  const lateMinutes = input.status === 'late' ? (input.lateMinutes ?? record.late_minutes ?? 0) : input.status === 'left_early' ? record.late_minutes : null;
  const leftAt = input.status === 'left_early' ? (input.leftAt ?? record.left_at) : null;
  const markedBy = ctx.actor.kind === 'person' ? ctx.actor.personId : null;
  await trx
    .updateTable('attendance_records')
    .set({ status: input.status, late_minutes: lateMinutes, left_at: leftAt, reason: input.reason, marked_by: markedBy, updated_at: now, ...(record.signature_id === null && (input.status === 'present' || input.status === 'late') ? { method: 'trainer_mark' } : {}) })
    .where('id', '=', record.id)
    .execute();
  const after = { status: input.status, lateMinutes, leftAt: leftAt?.toISOString() ?? null, reason: input.reason };
  const changes = { personId: input.personId, before, after, ...(input.justificationId ? { justificationId: input.justificationId } : {}) };
  // Every version has its row, whoever made it (a person, an API key, or neither: the system).
  await trx
    .insertInto('attendance_amendments')
    .values({ organisation_id: ctx.actor.organisationId, session_id: sessionId, version, amended_by: markedBy, amended_by_api_key: ctx.actor.kind === 'api_key' ? ctx.actor.apiKeyId : null, reason: input.reason, changes: JSON.stringify(changes), created_at: now })
    .execute();
  await trx.updateTable('attendance_sheets').set({ version, updated_at: now }).where('session_id', '=', sessionId).execute();
  await appendEvidence(trx, ctx.actor.organisationId, {
    type: input.justificationId ? 'attendance.excused' : 'sheet.amended',
    recordedAt: now,
    payload: { sessionId, personId: input.personId, status: input.status, lateMinutes, version, changes, amendedBy: await describeActor(trx, ctx.actor), ip: ctx.meta.ip, userAgent: ctx.meta.userAgent, sheetStatus: sheet.status, recordsSha256: await computeRecordsDigest(trx, sessionId) },
  });
  return { version };
}

/** POST /sessions/:id/amendments: a manager or admin amends a locked sheet, with a reason: a new audited version. */
export async function amendSheet(deps: { db: Db; clock: Clock }, ctx: Ctx, sessionId: string, input: AmendInput) {
  if (!isManager(ctx.actor)) throw AppError.because('forbidden', 'amend_manager_only');
  const result = await withTenant(deps.db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadAttendanceSession(trx, sessionId);
    if (!loaded || !canSeeCohort(await scopeFor(trx, ctx.actor), loaded.session.cohort_id)) throw notFound('Session');
    const sheet = await trx.selectFrom('attendance_sheets').select('status').where('session_id', '=', sessionId).executeTakeFirst();
    if (sheet?.status !== 'locked') throw new AppError('sheet_open', 'This sheet is not locked: a trainer marks attendance directly (PATCH /sessions/:id/attendance/:personId).');
    const errors: { path: string; message: string }[] = [];
    if (input.status === 'left_early' && !input.leftAt) errors.push(problemItem('body.leftAt', 'left_at_required'));
    const leftAt = input.leftAt ? new Date(input.leftAt) : null;
    if (leftAt && !(leftAt > loaded.session.starts_at && leftAt < loaded.session.ends_at)) errors.push(problemItem('body.leftAt', 'left_at_outside_session', { start: loaded.session.starts_at.toISOString(), end: loaded.session.ends_at.toISOString() }));
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
    const before = await trx.selectFrom('attendance_records').select('status').where('session_id', '=', sessionId).where('person_id', '=', input.personId).executeTakeFirst();
    const now = deps.clock.now();
    const { version } = await applyAmendment(trx, ctx, sessionId, { personId: input.personId, status: input.status, reason: input.reason, lateMinutes: input.lateMinutes ?? null, leftAt }, now);
    await recordAuditEvent(trx, ctx, { type: 'attendance.sheet_amended', subjectType: 'session', subjectId: sessionId, payload: { sessionId, personId: input.personId, version, from: before?.status ?? 'pending', to: input.status, reason: input.reason } });
    return { view: await readSheet(trx, loaded, now), now };
  });
  publishAttendanceEvent({ type: 'amended', organisationId: ctx.actor.organisationId, sessionId, personId: input.personId, status: input.status, method: null, signedAt: null, at: result.now.toISOString() });
  return result.view;
}
