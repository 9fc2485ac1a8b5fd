import type { JustificationRow, JustificationSessionRow } from './justification.repository.ts';

export function presentJustification(row: JustificationRow, sessions: JustificationSessionRow[]) {
  return {
    id: row.id,
    personId: row.person_id,
    personName: `${row.person_given_name} ${row.person_family_name}`,
    reason: row.reason,
    status: row.status,
    sessions: sessions
      .filter((s) => s.justification_id === row.id)
      .map((s) => ({ id: s.session_id, date: String(s.date), halfDay: s.half_day, startsAt: s.starts_at.toISOString(), endsAt: s.ends_at.toISOString(), programTitle: s.program_title, moduleTitle: s.module_title })),
    file: row.file_sha256 ? { type: row.file_type!, size: row.file_size!, sha256: row.file_sha256, name: row.file_name } : null,
    createdAt: row.created_at.toISOString(),
    reviewedAt: row.reviewed_at?.toISOString() ?? null,
    reviewedBy: row.reviewed_by,
    reviewNote: row.review_note,
  };
}
