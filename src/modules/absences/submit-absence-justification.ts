import { createHash } from 'node:crypto';
import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, type ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { detectFileType } from './detect-file-type.ts';
import { presentJustification } from './justification.presenter.ts';
import { findJustificationSessions, getJustificationById } from './justification.repository.ts';

/** Why a session cannot be justified (problem+json `sessions[].reason` of sessions_not_justifiable). */
export type NotJustifiableReason = 'not_yours' | 'cancelled' | 'signed' | 'excused' | 'covered_pending' | 'covered_accepted';

export interface JustificationInput {
  reason: string;
  sessionIds: string[];
  file: { data: Buffer; name: string | null } | null;
}

/**
 * A learner justifies their absence from one or several of their sessions,
 * with a reason and optionally a PDF/JPEG/PNG whose type is read from its
 * content. Sessions that are not theirs, cancelled, signed present, already
 * excused or already covered by a pending or accepted justification are
 * refused, each named, and nothing is written.
 */
export async function submitAbsenceJustification(db: Db, ctx: Ctx, input: JustificationInput, now: Date) {
  const actor = ctx.actor;
  if (actor.kind !== 'person' || !actor.roles.includes('learner')) {
    throw AppError.because('forbidden', 'justify_own_absences_only');
  }
  let file: { type: NonNullable<ReturnType<typeof detectFileType>['accepted']>; sha256: string; data: Buffer; name: string | null } | null = null;
  if (input.file) {
    const detected = detectFileType(input.file.data);
    if (!detected.accepted) {
      throw new AppError('file_type_not_allowed', `The file${input.file.name ? ` "${input.file.name}"` : ''} is ${detected.description}, whatever its name says; send a PDF, JPEG or PNG.`, {
        errors: [problemItem('body.file', 'file_type_refused', { detected: detected.description })],
        extra: { detected: detected.description },
      });
    }
    file = { type: detected.accepted, sha256: createHash('sha256').update(input.file.data).digest('hex'), data: input.file.data, name: input.file.name };
  }
  const personId = actor.personId;
  return withTenant(db, actor.organisationId, async (trx) => {
    const ids = input.sessionIds;
    const sessions = await trx
      .selectFrom('sessions as s')
      .leftJoin('enrolments as e', (j) => j.onRef('e.organisation_id', '=', 's.organisation_id').onRef('e.cohort_id', '=', 's.cohort_id').on('e.person_id', '=', personId))
      .leftJoin('attendance_records as r', (j) => j.onRef('r.organisation_id', '=', 's.organisation_id').onRef('r.session_id', '=', 's.id').on('r.person_id', '=', personId))
      .select(['s.id', 's.status', 'e.id as enrolment_id', 'r.role', 'r.status as record_status'])
      .where('s.id', 'in', ids)
      .execute();
    const covered = await trx
      .selectFrom('absence_justification_sessions as js')
      .innerJoin('absence_justifications as j', (jn) => jn.onRef('j.organisation_id', '=', 'js.organisation_id').onRef('j.id', '=', 'js.justification_id'))
      .select(['js.session_id', 'j.status'])
      .where('j.person_id', '=', personId)
      .where('j.status', 'in', ['pending', 'accepted'])
      .where('js.session_id', 'in', ids)
      .execute();
    const errors: ProblemItem[] = [];
    // Each refused session with a stable reason, so that a page can say why in the reader's language.
    const refused: Array<{ sessionId: string; reason: NotJustifiableReason }> = [];
    const refuse = (id: string, i: number, reason: NotJustifiableReason, message: string) => {
      errors.push({ path: `body.sessionIds[${i}]`, message });
      refused.push({ sessionId: id, reason });
    };
    ids.forEach((id, i) => {
      const s = sessions.find((x) => x.id === id);
      if (!s || (!s.enrolment_id && s.role !== 'learner')) refuse(id, i, 'not_yours', `session ${id} is not one of your sessions`);
      else if (s.status === 'cancelled') refuse(id, i, 'cancelled', `session ${id} was cancelled: there is no absence to justify`);
      else if (s.record_status === 'present' || s.record_status === 'late') refuse(id, i, 'signed', `you signed session ${id}: there is no absence to justify`);
      else if (s.record_status === 'excused') refuse(id, i, 'excused', `session ${id} is already excused`);
      else {
        const cover = covered.find((c) => c.session_id === id);
        if (cover) refuse(id, i, cover.status === 'accepted' ? 'covered_accepted' : 'covered_pending', `session ${id} is already covered by a ${cover.status} justification`);
      }
    });
    if (errors.length) throw new AppError('sessions_not_justifiable', errors.map((e) => e.message).join('; '), { errors, extra: { sessions: refused } });

    const row = await trx
      .insertInto('absence_justifications')
      .values({
        organisation_id: actor.organisationId,
        person_id: personId,
        reason: input.reason,
        file_data: file?.data ?? null,
        file_type: file?.type ?? null,
        file_name: file?.name ?? null,
        file_size: file?.data.length ?? null,
        file_sha256: file?.sha256 ?? null,
        submitted_by: personId,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('absence_justification_sessions')
      .values(ids.map((sessionId) => ({ organisation_id: actor.organisationId, justification_id: row.id, session_id: sessionId })))
      .execute();
    await recordAuditEvent(trx, ctx, {
      type: 'absence.justification_submitted',
      subjectType: 'absence_justification',
      subjectId: row.id,
      payload: { personId, sessionIds: ids, fileType: file?.type ?? null, fileSha256: file?.sha256 ?? null },
    });
    const saved = (await getJustificationById(trx, row.id))!;
    return presentJustification(saved, await findJustificationSessions(trx, [row.id]));
  });
}
