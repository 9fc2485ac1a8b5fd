import { z } from 'zod';
import type { Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { canSeeCohort, isTrainerOfCohort, scopeFor } from './access.ts';
import type { EnrolmentStatus } from './catalogue.table.ts';
import { getCohortById } from './cohort.repository.ts';
import { presentEnrolment } from './enrolment.presenter.ts';
import { findEnrolments } from './enrolment.repository.ts';

/** Staff and the cohort's trainers see every enrolment; a learner of the cohort sees only their own. */
export async function listEnrolments(db: Db, ctx: Ctx, cohortId: string, q: { limit: number; cursor?: string; status?: EnrolmentStatus }) {
  const after = decodeCursor(q.cursor, [z.string(), z.string(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const scope = await scopeFor(trx, ctx.actor);
    if (!(await getCohortById(trx, cohortId)) || !canSeeCohort(scope, cohortId)) throw notFound('Cohort');
    const onlyOwn = !scope.all && !(await isTrainerOfCohort(trx, scope.personId, cohortId));
    const rows = await findEnrolments(trx, { cohortId, limit: q.limit, after, status: q.status, personId: onlyOwn && !scope.all ? scope.personId : undefined });
    return toPage(rows, q.limit, presentEnrolment, (r) => [r.family_name, r.given_name, r.id]);
  });
}
