import type { CohortRow } from './cohort.repository.ts';

export function presentCohort(row: CohortRow) {
  return {
    id: row.id,
    programId: row.program_id,
    programTitle: row.program_title,
    name: row.name,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    trainerIds: row.trainer_ids,
    learnerCount: Number(row.learner_count),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
