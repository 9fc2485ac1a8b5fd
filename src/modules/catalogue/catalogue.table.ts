import type { Generated } from 'kysely';
import type { CreatedAt, Json, NullableTimestamp, Timestamp, UpdatedAt } from '../../platform/db/schema.ts';

export interface ProgramsTable {
  organisation_id: string;
  id: Generated<string>;
  code: string | null;
  title: string;
  objectives: Generated<string>;
  planned_hours: Generated<number>;
  funder: string | null;
  funding_reference: string | null;
  /** Attendance settings overriding the organisation's (see modules/attendance). */
  attendance_settings: Generated<Json<Record<string, unknown>>>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  archived_at: NullableTimestamp;
}

export interface ModulesTable {
  organisation_id: string;
  id: Generated<string>;
  program_id: string;
  title: string;
  position: Generated<number>;
  planned_hours: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CohortsTable {
  organisation_id: string;
  id: Generated<string>;
  program_id: string;
  name: string;
  starts_on: string | null;
  ends_on: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  archived_at: NullableTimestamp;
}

export interface CohortTrainersTable {
  organisation_id: string;
  cohort_id: string;
  person_id: string;
}

export type EnrolmentStatus = 'active' | 'completed' | 'withdrawn';

export interface EnrolmentsTable {
  organisation_id: string;
  id: Generated<string>;
  cohort_id: string;
  person_id: string;
  status: Generated<EnrolmentStatus>;
  walk_in: Generated<boolean>;
  enrolled_at: CreatedAt;
  withdrawn_at: NullableTimestamp;
}

export type HalfDay = 'am' | 'pm';

export interface SessionsTable {
  organisation_id: string;
  id: Generated<string>;
  cohort_id: string;
  module_id: string | null;
  /** Local calendar date in the organisation's time zone, 'YYYY-MM-DD'. */
  date: string;
  half_day: HalfDay;
  starts_at: Timestamp;
  ends_at: Timestamp;
  location: string | null;
  remote_url: string | null;
  capacity: number | null;
  status: Generated<'planned' | 'cancelled'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SessionTrainersTable {
  organisation_id: string;
  session_id: string;
  person_id: string;
}

export interface CatalogueTables {
  programs: ProgramsTable;
  modules: ModulesTable;
  cohorts: CohortsTable;
  cohort_trainers: CohortTrainersTable;
  enrolments: EnrolmentsTable;
  sessions: SessionsTable;
  session_trainers: SessionTrainersTable;
}
