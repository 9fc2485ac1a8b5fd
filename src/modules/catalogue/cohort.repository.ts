import { type Selectable, sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { CohortsTable } from './catalogue.table.ts';
import { escapeLike } from './program.repository.ts';

export type CohortRow = Selectable<CohortsTable> & { program_title: string; trainer_ids: string[]; learner_count: number };

function selectCohorts(trx: Tx) {
  return trx
    .selectFrom('cohorts')
    .innerJoin('programs as p', (j) => j.onRef('p.organisation_id', '=', 'cohorts.organisation_id').onRef('p.id', '=', 'cohorts.program_id'))
    .selectAll('cohorts')
    .select('p.title as program_title')
    .select(
      sql<string[]>`coalesce(array(select ct.person_id from cohort_trainers ct where ct.organisation_id = cohorts.organisation_id and ct.cohort_id = cohorts.id order by ct.person_id), '{}')`.as('trainer_ids'),
    )
    .select(
      sql<number>`(select count(*)::int from enrolments e where e.organisation_id = cohorts.organisation_id and e.cohort_id = cohorts.id and e.status <> 'withdrawn')`.as('learner_count'),
    );
}

export function getCohortById(trx: Tx, id: string): Promise<CohortRow | undefined> {
  return selectCohorts(trx).where('cohorts.id', '=', id).executeTakeFirst();
}

/** Cohorts ordered by name then id after the keyset `after`; `limit + 1` rows. */
export function findCohorts(
  trx: Tx,
  opts: { limit: number; after: readonly [string, string] | null; programId?: string; query?: string; includeArchived: boolean; cohortIds?: string[] },
): Promise<CohortRow[]> {
  let q = selectCohorts(trx);
  if (!opts.includeArchived) q = q.where('cohorts.archived_at', 'is', null);
  if (opts.programId) q = q.where('cohorts.program_id', '=', opts.programId);
  if (opts.query) q = q.where('cohorts.name', 'ilike', `%${escapeLike(opts.query)}%`);
  if (opts.cohortIds) {
    if (opts.cohortIds.length === 0) return Promise.resolve([]);
    q = q.where('cohorts.id', 'in', opts.cohortIds);
  }
  if (opts.after) {
    const [name, id] = opts.after;
    q = q.where((eb) => eb.or([eb('cohorts.name', '>', name), eb.and([eb('cohorts.name', '=', name), eb('cohorts.id', '>', id)])]));
  }
  return q.orderBy('cohorts.name').orderBy('cohorts.id').limit(opts.limit + 1).execute();
}

export async function findCohortByName(trx: Tx, programId: string, name: string, exceptId?: string): Promise<{ id: string } | undefined> {
  let q = trx.selectFrom('cohorts').select('id').where('program_id', '=', programId).where('name', '=', name);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return q.executeTakeFirst();
}

/** Ids among `ids` that are not active people with the trainer role. */
export async function findNonTrainers(trx: Tx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await trx
    .selectFrom('people as p')
    .innerJoin('person_roles as r', (j) => j.onRef('r.organisation_id', '=', 'p.organisation_id').onRef('r.person_id', '=', 'p.id'))
    .select('p.id')
    .where('p.id', 'in', ids)
    .where('r.role', '=', 'trainer')
    .where('p.archived_at', 'is', null)
    .execute();
  const ok = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !ok.has(id));
}

export async function replaceCohortTrainers(trx: Tx, organisationId: string, cohortId: string, trainerIds: readonly string[]): Promise<void> {
  await trx.deleteFrom('cohort_trainers').where('cohort_id', '=', cohortId).execute();
  if (trainerIds.length) {
    await trx.insertInto('cohort_trainers').values(trainerIds.map((person_id) => ({ organisation_id: organisationId, cohort_id: cohortId, person_id }))).execute();
  }
}
