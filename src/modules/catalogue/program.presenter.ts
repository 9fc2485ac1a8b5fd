import type { ProgramRow } from './program.repository.ts';

/** The public shape of a program: a whitelist of fields, camelCase. */
export function presentProgram(row: ProgramRow) {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    objectives: row.objectives,
    plannedHours: Number(row.planned_hours),
    funder: row.funder,
    fundingReference: row.funding_reference,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
