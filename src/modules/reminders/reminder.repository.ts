import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { ReminderKind } from '../absences/absence.table.ts';
import { type AttendanceSettings, resolveAttendanceSettings } from '../attendance/attendance-settings.ts';

export interface ReminderSession {
  id: string;
  cohort_id: string;
  date: string;
  starts_at: Date;
  ends_at: Date;
  location: string | null;
  program_title: string;
  module_title: string | null;
  sheet_status: 'open' | 'locked' | null;
  settings: AttendanceSettings;
}

/** The organisation a job works for: its name, zone, locale and settings. */
export function getOrganisationForJob(trx: Tx, organisationId: string) {
  return trx.selectFrom('organisations').select(['id', 'name', 'timezone', 'locale', 'settings']).where('id', '=', organisationId).executeTakeFirst();
}

/** Planned sessions overlapping [from, to], with their effective attendance settings (organisation, then program). */
export async function findSessionsBetween(trx: Tx, orgSettings: unknown, from: Date, to: Date): Promise<ReminderSession[]> {
  const rows = await trx
    .selectFrom('sessions as s')
    .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 's.organisation_id').onRef('c.id', '=', 's.cohort_id'))
    .innerJoin('programs as pr', (j) => j.onRef('pr.organisation_id', '=', 'c.organisation_id').onRef('pr.id', '=', 'c.program_id'))
    .leftJoin('modules as m', (j) => j.onRef('m.organisation_id', '=', 's.organisation_id').onRef('m.id', '=', 's.module_id'))
    .leftJoin('attendance_sheets as sh', (j) => j.onRef('sh.organisation_id', '=', 's.organisation_id').onRef('sh.session_id', '=', 's.id'))
    .select(['s.id', 's.cohort_id', 's.date', 's.starts_at', 's.ends_at', 's.location', 'pr.title as program_title', 'pr.attendance_settings', 'm.title as module_title', 'sh.status as sheet_status'])
    .where('s.status', '=', 'planned')
    .where('s.ends_at', '>=', from)
    .where('s.starts_at', '<=', to)
    .orderBy('s.starts_at')
    .execute();
  return rows.map(({ attendance_settings, ...r }) => ({ ...r, date: String(r.date), settings: resolveAttendanceSettings(orgSettings, attendance_settings) }));
}

/**
 * Records that `kind` was sent to a person for a session; false when it had
 * been already (the unique key makes concurrent ticks send it once).
 */
export async function claimReminder(trx: Tx, organisationId: string, kind: ReminderKind, sessionId: string, personId: string, now: Date): Promise<boolean> {
  const row = await trx
    .insertInto('reminder_sends')
    .values({ organisation_id: organisationId, kind, session_id: sessionId, person_id: personId, sent_at: now })
    .onConflict((oc) => oc.doNothing())
    .returning('person_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** The people on a session's sheet with a role, their status and mail details (active enrolments for learners; archived people left out). */
export function findSheetPeople(trx: Tx, sessionId: string, role: 'learner' | 'trainer') {
  let q = trx
    .selectFrom('attendance_records as r')
    .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
    .select(['r.person_id', 'r.status', 'r.signature_id', 'p.email', 'p.given_name', 'p.locale'])
    .where('r.session_id', '=', sessionId)
    .where('r.role', '=', role)
    .where('p.archived_at', 'is', null);
  if (role === 'learner') {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('enrolments as e')
          .innerJoin('sessions as s', (j) => j.onRef('s.organisation_id', '=', 'e.organisation_id').onRef('s.cohort_id', '=', 'e.cohort_id'))
          .select(sql`1`.as('one'))
          .whereRef('s.id', '=', 'r.session_id')
          .whereRef('e.person_id', '=', 'r.person_id')
          .where('e.status', '=', 'active'),
      ),
    );
  }
  return q.orderBy('p.family_name').orderBy('p.given_name').execute();
}
