import type { Generated } from 'kysely';
import type { CreatedAt, NullableTimestamp, Timestamp } from '../../platform/db/schema.ts';

export const JUSTIFICATION_FILE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type JustificationFileType = (typeof JUSTIFICATION_FILE_TYPES)[number];
export type JustificationStatus = 'pending' | 'accepted' | 'refused';

export interface AbsenceJustificationsTable {
  organisation_id: string;
  id: Generated<string>;
  person_id: string;
  reason: string;
  status: Generated<JustificationStatus>;
  file_data: Buffer | null;
  /** Detected from the content (magic bytes), never from the name or declared type. */
  file_type: JustificationFileType | null;
  file_name: string | null;
  file_size: number | null;
  file_sha256: string | null;
  submitted_by: string;
  created_at: CreatedAt;
  reviewed_by: string | null;
  reviewed_at: NullableTimestamp;
  review_note: string | null;
}

export interface AbsenceJustificationSessionsTable {
  organisation_id: string;
  justification_id: string;
  session_id: string;
}

export const REMINDER_KINDS = ['before_start', 'non_signer', 'trainer_lock', 'absence_request'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export interface ReminderSendsTable {
  organisation_id: string;
  kind: ReminderKind;
  session_id: string;
  person_id: string;
  sent_at: Timestamp;
}

export interface AttendanceAlertsTable {
  organisation_id: string;
  id: Generated<string>;
  person_id: string;
  cohort_id: string;
  threshold: number | string;
  rate: number | string;
  sessions_held: number;
  alerted_at: Timestamp;
  cleared_at: NullableTimestamp;
}

export interface AbsenceTables {
  absence_justifications: AbsenceJustificationsTable;
  absence_justification_sessions: AbsenceJustificationSessionsTable;
  reminder_sends: ReminderSendsTable;
  attendance_alerts: AttendanceAlertsTable;
}
