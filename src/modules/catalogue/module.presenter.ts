import type { ModuleRow } from './module.repository.ts';

export function presentModule(row: ModuleRow) {
  return { id: row.id, programId: row.program_id, title: row.title, position: row.position, plannedHours: Number(row.planned_hours) };
}
