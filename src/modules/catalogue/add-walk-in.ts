import { type Ctx, isOrgWide } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getPersonByEmail } from '../people/person.repository.ts';
import { canSeeCohort, isTrainerOfCohort, scopeFor } from './access.ts';
import { insertEnrolment } from './enrol-person.ts';
import { presentEnrolment } from './enrolment.presenter.ts';
import { getEnrolmentOf } from './enrolment.repository.ts';
import { getSessionById } from './session.repository.ts';

/**
 * A learner who turns up on the day without being on the roster: a trainer of
 * the session (or staff) finds them by email or creates them as a learner, and
 * enrols them in the session's cohort as a walk-in.
 */
export async function addWalkIn(db: Db, ctx: Ctx, sessionId: string, input: { email: string; givenName: string; familyName: string }) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const session = await getSessionById(trx, sessionId);
    const scope = await scopeFor(trx, ctx.actor);
    if (!session || !canSeeCohort(scope, session.cohort_id)) throw notFound('Session');
    const isTrainer = ctx.actor.kind === 'person' && (session.trainer_ids.includes(ctx.actor.personId) || (await isTrainerOfCohort(trx, ctx.actor.personId, session.cohort_id)));
    if (!isOrgWide(ctx.actor) && !isTrainer) throw AppError.because('forbidden', 'trainer_of_session_or_staff_only', { doing: 'add a walk-in learner' });
    if (session.status === 'cancelled') throw AppError.because('conflict', 'session_cancelled_walk_in');

    let person = await getPersonByEmail(trx, input.email);
    if (person?.archived_at) throw new AppError('conflict', `${input.email} belongs to an archived person; ask a manager to restore them.`, { errors: [problemItem('body.email', 'email_archived')] });
    if (!person) {
      const row = await trx
        .insertInto('people')
        .values({ organisation_id: ctx.actor.organisationId, email: input.email, given_name: input.givenName, family_name: input.familyName })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('person_roles').values({ organisation_id: ctx.actor.organisationId, person_id: row.id, role: 'learner' }).execute();
      await recordAuditEvent(trx, ctx, { type: 'person.created', subjectType: 'person', subjectId: row.id, payload: { email: input.email, roles: ['learner'] } });
      person = await getPersonByEmail(trx, input.email);
    } else if (!person.roles.includes('learner')) {
      await trx.insertInto('person_roles').values({ organisation_id: ctx.actor.organisationId, person_id: person.id, role: 'learner' }).execute();
      await recordAuditEvent(trx, ctx, { type: 'person.roles_changed', subjectType: 'person', subjectId: person.id, payload: { roles: [...person.roles, 'learner'] } });
    }
    const existing = await getEnrolmentOf(trx, session.cohort_id, person!.id);
    if (existing) {
      throw new AppError('duplicate', `${input.email} is already enrolled in this cohort (status: ${existing.status}).`, { errors: [problemItem('body.email', 'already_enrolled')] });
    }
    return presentEnrolment(await insertEnrolment(trx, ctx, { cohortId: session.cohort_id, personId: person!.id, walkIn: true }));
  });
}
