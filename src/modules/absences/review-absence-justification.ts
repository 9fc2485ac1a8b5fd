import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { markExcused } from '../attendance/mark-excused.ts';
import { emitWebhookEvent } from '../webhooks/emit-webhook-event.ts';
import { enqueueJustificationReviewedMail, getMailRecipient } from './absence-mails.ts';
import { presentJustification } from './justification.presenter.ts';
import { findJustificationSessions, getJustificationById } from './justification.repository.ts';

/**
 * A manager accepts or refuses a pending justification, once. Accepting marks
 * the learner excused on each of its sessions (an amendment where the sheet is
 * locked; sessions the learner signed present, or whose sheet does not list
 * them as a learner, are left as they are and reported), emits
 * `absence.justified`, and both decisions are audited and mailed to the learner.
 */
export async function reviewAbsenceJustification(db: Db, ctx: Ctx, id: string, input: { decision: 'accepted' | 'refused'; note?: string | null }, now: Date) {
  assertOrgWide(ctx.actor);
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const row = await getJustificationById(trx, id, { forUpdate: true });
    if (!row) throw notFound('Absence justification');
    if (row.status !== 'pending') {
      throw new AppError('justification_already_reviewed', `This justification was already ${row.status}${row.reviewed_at ? ` on ${row.reviewed_at.toISOString()}` : ''}; a decision is final.`);
    }
    const note = input.note ?? null;
    const accepted = input.decision === 'accepted';
    await trx
      .updateTable('absence_justifications')
      .set({ status: input.decision, reviewed_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null, reviewed_at: now, review_note: note })
      .where('id', '=', id)
      .execute();
    const sessions = await findJustificationSessions(trx, [id]);
    const excused: string[] = [];
    const skipped: string[] = [];
    if (accepted) {
      for (const s of sessions) {
        await ensureSheet(trx, s.session_id);
        const record = await trx.selectFrom('attendance_records').select(['role', 'status', 'signature_id']).where('session_id', '=', s.session_id).where('person_id', '=', row.person_id).executeTakeFirst();
        // Not (or no longer) on the sheet as a learner, or signed present: nothing to excuse there.
        if (!record || record.role !== 'learner' || (record.signature_id && (record.status === 'present' || record.status === 'late'))) {
          skipped.push(s.session_id);
          continue;
        }
        await markExcused(trx, ctx, { sessionId: s.session_id, personId: row.person_id, justificationId: id, now });
        excused.push(s.session_id);
      }
      await emitWebhookEvent(trx, organisationId, 'absence.justified', { justificationId: id, personId: row.person_id, sessionIds: excused, reviewedAt: now.toISOString() }, { occurredAt: now });
    }
    const sessionIds = sessions.map((s) => s.session_id);
    await recordAuditEvent(trx, ctx, { type: 'absence.justification_reviewed', subjectType: 'absence_justification', subjectId: id, payload: { personId: row.person_id, sessionIds, decision: input.decision, note } });
    const to = await getMailRecipient(trx, row.person_id);
    if (to && !to.archived_at) {
      const mailed = sessions.filter((s) => !skipped.includes(s.session_id));
      await enqueueJustificationReviewedMail(trx, to, {
        accepted,
        note,
        sessions: mailed.map((s) => ({ startsAt: s.starts_at, endsAt: s.ends_at, programTitle: s.program_title, moduleTitle: s.module_title, location: s.location })),
      });
    }
    const saved = (await getJustificationById(trx, id))!;
    return { ...presentJustification(saved, sessions), excusedSessionIds: excused, notExcusedSessionIds: skipped };
  });
}
