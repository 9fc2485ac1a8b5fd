import { type Actor, isOrgWide } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';

/**
 * What part of the organisation an actor may read. Staff (admin, manager,
 * API keys, system) see everything; a trainer sees the cohorts they train
 * (assigned to the cohort or to one of its sessions); a learner sees the
 * cohorts they are enrolled in (and, elsewhere, only their own records).
 */
export type Scope = { all: true } | { all: false; cohortIds: string[]; personId: string; isTrainer: boolean };

export async function scopeFor(trx: Tx, actor: Actor): Promise<Scope> {
  if (isOrgWide(actor) || actor.kind !== 'person') return { all: true };
  const personId = actor.personId;
  const isTrainer = actor.roles.includes('trainer');
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
    .union(trx.selectFrom('enrolments').select('cohort_id').where('person_id', '=', personId))
    .execute();
  return { all: false, cohortIds: rows.map((r) => r.cohort_id), personId, isTrainer };
}

export function canSeeCohort(scope: Scope, cohortId: string): boolean {
  return scope.all || scope.cohortIds.includes(cohortId);
}

/** Whether the scope covers at least one cohort of the program. */
export async function canSeeProgram(trx: Tx, scope: Scope, programId: string): Promise<boolean> {
  if (scope.all) return true;
  if (scope.cohortIds.length === 0) return false;
  const row = await trx.selectFrom('cohorts').select('id').where('program_id', '=', programId).where('id', 'in', scope.cohortIds).executeTakeFirst();
  return row !== undefined;
}

/** Whether the actor trains the cohort (assigned to it or to one of its sessions). */
export async function isTrainerOfCohort(trx: Tx, personId: string, cohortId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('cohort_trainers')
    .select('cohort_id')
    .where('person_id', '=', personId)
    .where('cohort_id', '=', cohortId)
    .union(
      trx
        .selectFrom('session_trainers as st')
        .innerJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'st.organisation_id').onRef('s.id', '=', 'st.session_id'))
        .select('s.cohort_id')
        .where('st.person_id', '=', personId)
        .where('s.cohort_id', '=', cohortId),
    )
    .executeTakeFirst();
  return row !== undefined;
}
