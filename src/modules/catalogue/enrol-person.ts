import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getCohortById } from './cohort.repository.ts';
import { presentEnrolment } from './enrolment.presenter.ts';
import { type EnrolmentRow, getEnrolmentById, getEnrolmentOf } from './enrolment.repository.ts';

/** Staff enrol an existing person in a cohort; enrolling them twice is a 409. */
export async function enrolPerson(db: Db, ctx: Ctx, cohortId: string, input: { personId: string }) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getCohortById(trx, cohortId))) throw notFound('Cohort');
    const person = await trx.selectFrom('people').select(['id', 'archived_at']).where('id', '=', input.personId).executeTakeFirst();
    if (!person) throw new AppError('not_found', 'Person was not found', { errors: [problemItem('body.personId', 'person_unknown')] });
    if (person.archived_at) throw new AppError('conflict', 'This person is archived; restore them before enrolling them.', { errors: [problemItem('body.personId', 'person_archived')] });
    if (await getEnrolmentOf(trx, cohortId, input.personId)) {
      throw new AppError('duplicate', 'This person is already enrolled in this cohort (change the enrolment status instead).', { errors: [problemItem('body.personId', 'already_enrolled')] });
    }
    return presentEnrolment(await insertEnrolment(trx, ctx, { cohortId, personId: input.personId, walkIn: false }));
  });
}

/** Inserts an enrolment and its audit event in the caller's transaction (also used by walk-ins and imports). */
export async function insertEnrolment(trx: Tx, ctx: Ctx, e: { cohortId: string; personId: string; walkIn: boolean }): Promise<EnrolmentRow> {
  const row = await trx
    .insertInto('enrolments')
    .values({ organisation_id: ctx.actor.organisationId, cohort_id: e.cohortId, person_id: e.personId, walk_in: e.walkIn })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAuditEvent(trx, ctx, { type: 'enrolment.created', subjectType: 'enrolment', subjectId: row.id, payload: { cohortId: e.cohortId, personId: e.personId, walkIn: e.walkIn } });
  return (await getEnrolmentById(trx, row.id))!;
}
