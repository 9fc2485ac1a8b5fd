import { type Ctx, hasRole, isOrgWide } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';

/** The cohorts whose results the actor may read: null = all (staff); a trainer, the cohorts they train. Learners: refused. */
export async function resultCohorts(trx: Tx, ctx: Ctx): Promise<string[] | null> {
  if (isOrgWide(ctx.actor)) return null;
  if (!hasRole(ctx.actor, 'trainer') || ctx.actor.kind !== 'person') throw AppError.because('forbidden', 'results_staff_or_trainer');
  const personId = ctx.actor.personId;
  const rows = await trx
    .selectFrom('cohort_trainers')
    .select('cohort_id')
    .where('person_id', '=', personId)
    .union(
      trx
        .selectFrom('session_trainers as st')
        .innerJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'st.organisation_id').onRef('s.id', '=', 'st.session_id'))
        .select('s.cohort_id')
        .where('st.person_id', '=', personId),
    )
    .execute();
  return rows.map((r) => r.cohort_id);
}

/** Refuses actors that can never read results, before any lookup (so a refusal reveals nothing about an id). */
export function assertMayReadResults(ctx: Ctx): void {
  if (!isOrgWide(ctx.actor) && !hasRole(ctx.actor, 'trainer')) throw AppError.because('forbidden', 'results_staff_or_trainer');
}
