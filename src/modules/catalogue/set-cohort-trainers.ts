import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { presentCohort } from './cohort.presenter.ts';
import { findNonTrainers, getCohortById, replaceCohortTrainers } from './cohort.repository.ts';

/** Replaces the cohort's trainers; each must be an active person with the trainer role. */
export async function setCohortTrainers(db: Db, ctx: Ctx, cohortId: string, input: { trainerIds: string[] }) {
  assertOrgWide(ctx.actor);
  const trainerIds = [...new Set(input.trainerIds)];
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getCohortById(trx, cohortId))) throw notFound('Cohort');
    const bad = await findNonTrainers(trx, trainerIds);
    if (bad.length) {
      throw new AppError('validation_failed', 'Every trainer must be an active person with the trainer role.', {
        errors: bad.map((id) => problemItem(`body.trainerIds.${input.trainerIds.indexOf(id)}`, 'trainer_not_active', { id })),
      });
    }
    await replaceCohortTrainers(trx, ctx.actor.organisationId, cohortId, trainerIds);
    await recordAuditEvent(trx, ctx, { type: 'cohort.trainers_changed', subjectType: 'cohort', subjectId: cohortId, payload: { trainerIds } });
    return presentCohort((await getCohortById(trx, cohortId))!);
  });
}
