import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { HalfDay } from '../catalogue/catalogue.table.ts';

export interface SheetListRow {
  id: string;
  date: string;
  half_day: HalfDay;
  starts_at: Date;
  ends_at: Date;
  session_status: string;
  cohort_id: string;
  cohort_name: string;
  program_id: string;
  program_title: string;
  program_settings: unknown;
  module_id: string | null;
  module_title: string | null;
  sheet_status: 'open' | 'locked' | null;
  sheet_version: number | null;
  locked_at: Date | null;
  learners: number;
  pending: number;
  present: number;
  late: number;
  left_early: number;
  absent: number;
  excused: number;
  signed: number;
  marked: number;
  trainers: Array<{ personId: string; givenName: string; familyName: string; signed: boolean }>;
}

export interface SheetListFilter {
  from: string;
  to: string;
  limit: number;
  after: readonly [string, string] | null;
  cohortId?: string | undefined;
  programId?: string | undefined;
  status?: 'open' | 'locked' | undefined;
  /** Only these cohorts (a trainer's); undefined: all. */
  cohortIds?: string[] | undefined;
}

/**
 * One row per session on local dates [from, to] with its sheet state and
 * counts, in one query, without writing anything: a sheet not created yet (or
 * still open) also counts the learners actively enrolled and the trainers who
 * `ensureSheet` would add, as pending / unsigned, so the list shows what the
 * sheet will show. Sorted by start then id, after the keyset; `limit + 1` rows.
 */
export async function findSheetList(trx: Tx, f: SheetListFilter): Promise<SheetListRow[]> {
  if (f.cohortIds && f.cohortIds.length === 0) return [];
  const conditions = [sql`s.date >= ${f.from}`, sql`s.date <= ${f.to}`];
  if (f.cohortId) conditions.push(sql`s.cohort_id = ${f.cohortId}`);
  if (f.programId) conditions.push(sql`c.program_id = ${f.programId}`);
  if (f.cohortIds) conditions.push(sql`s.cohort_id IN (${sql.join(f.cohortIds)})`);
  if (f.status === 'locked') conditions.push(sql`sh.status = 'locked'`);
  if (f.status === 'open') conditions.push(sql`coalesce(sh.status, 'open') = 'open'`);
  if (f.after) {
    const startsAt = new Date(f.after[0]);
    conditions.push(sql`(s.starts_at > ${startsAt} OR (s.starts_at = ${startsAt} AND s.id > ${f.after[1]}))`);
  }
  const { rows } = await sql<SheetListRow>`
    SELECT s.id, s.date, s.half_day, s.starts_at, s.ends_at, s.status AS session_status, s.cohort_id,
           c.name AS cohort_name, p.id AS program_id, p.title AS program_title, p.attendance_settings AS program_settings,
           s.module_id, m.title AS module_title, sh.status AS sheet_status, sh.version AS sheet_version, sh.locked_at,
           lc.learners, lc.pending, lc.present, lc.late, lc.left_early, lc.absent, lc.excused, lc.signed, lc.marked,
           tr.trainers
      FROM sessions s
      JOIN cohorts c ON c.organisation_id = s.organisation_id AND c.id = s.cohort_id
      JOIN programs p ON p.organisation_id = c.organisation_id AND p.id = c.program_id
      LEFT JOIN modules m ON m.organisation_id = s.organisation_id AND m.id = s.module_id
      LEFT JOIN attendance_sheets sh ON sh.organisation_id = s.organisation_id AND sh.session_id = s.id
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS learners,
               count(*) FILTER (WHERE x.status = 'pending')::int AS pending,
               count(*) FILTER (WHERE x.status = 'present')::int AS present,
               count(*) FILTER (WHERE x.status = 'late')::int AS late,
               count(*) FILTER (WHERE x.status = 'left_early')::int AS left_early,
               count(*) FILTER (WHERE x.status = 'absent')::int AS absent,
               count(*) FILTER (WHERE x.status = 'excused')::int AS excused,
               count(*) FILTER (WHERE x.status IN ('present', 'late', 'left_early') AND x.signed)::int AS signed,
               count(*) FILTER (WHERE x.status IN ('present', 'late', 'left_early') AND NOT x.signed)::int AS marked
          FROM (
            SELECT r.status::text AS status, (r.signature_id IS NOT NULL OR (r.method IS NOT NULL AND r.method <> 'trainer_mark')) AS signed
              FROM attendance_records r
             WHERE r.organisation_id = s.organisation_id AND r.session_id = s.id AND r.role = 'learner'
            UNION ALL
            SELECT 'pending', false
              FROM enrolments e
             WHERE e.organisation_id = s.organisation_id AND e.cohort_id = s.cohort_id AND e.status = 'active'
               AND coalesce(sh.status, 'open') = 'open'
               AND NOT EXISTS (SELECT 1 FROM attendance_records r2 WHERE r2.organisation_id = s.organisation_id AND r2.session_id = s.id AND r2.person_id = e.person_id)
          ) x
      ) lc
      CROSS JOIN LATERAL (
        SELECT coalesce(json_agg(json_build_object('personId', t.person_id, 'givenName', pe.given_name, 'familyName', pe.family_name, 'signed', t.signed)
                                 ORDER BY pe.family_name, pe.given_name), '[]'::json) AS trainers
          FROM (
            SELECT r.person_id, r.signature_id IS NOT NULL AS signed
              FROM attendance_records r
             WHERE r.organisation_id = s.organisation_id AND r.session_id = s.id AND r.role = 'trainer'
            UNION
            SELECT w.person_id, false
              FROM (
                SELECT st.person_id FROM session_trainers st WHERE st.organisation_id = s.organisation_id AND st.session_id = s.id
                UNION
                SELECT ct.person_id FROM cohort_trainers ct
                 WHERE ct.organisation_id = s.organisation_id AND ct.cohort_id = s.cohort_id
                   AND NOT EXISTS (SELECT 1 FROM session_trainers st2 WHERE st2.organisation_id = s.organisation_id AND st2.session_id = s.id)
              ) w
             WHERE coalesce(sh.status, 'open') = 'open'
               AND NOT EXISTS (SELECT 1 FROM attendance_records r3 WHERE r3.organisation_id = s.organisation_id AND r3.session_id = s.id AND r3.person_id = w.person_id)
          ) t
          JOIN people pe ON pe.organisation_id = s.organisation_id AND pe.id = t.person_id
      ) tr
     WHERE ${sql.join(conditions, sql` AND `)}
     ORDER BY s.starts_at, s.id
     LIMIT ${f.limit + 1}`.execute(trx);
  return rows;
}

/** The cohorts a person trains (assigned to the cohort or to one of its sessions): what a trainer's sheet list covers. */
export async function findTrainedCohortIds(trx: Tx, personId: string): Promise<string[]> {
  const { rows } = await sql<{ cohort_id: string }>`
    SELECT ct.cohort_id FROM cohort_trainers ct WHERE ct.person_id = ${personId}
    UNION
    SELECT s.cohort_id FROM session_trainers st JOIN sessions s ON s.organisation_id = st.organisation_id AND s.id = st.session_id WHERE st.person_id = ${personId}`.execute(trx);
  return rows.map((r) => r.cohort_id);
}
