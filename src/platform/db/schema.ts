import type { ColumnType, Generated } from 'kysely';
import type { AttendanceTables } from '../../modules/attendance/attendance.table.ts';
import type { CatalogueTables } from '../../modules/catalogue/catalogue.table.ts';
import type { DocumentTables } from '../../modules/documents/documents.table.ts';
import type { OrganisationTables } from '../../modules/organisations/organisation.table.ts';
import type { PeopleTables } from '../../modules/people/person.table.ts';
import type { WebhookTables } from '../../modules/webhooks/webhook.table.ts';
import type { AbsenceTables } from '../../modules/absences/absence.table.ts';
import type { AnalyticsTables } from '../../modules/analytics/analytics.table.ts';
import type { QuestionnaireTables } from '../../modules/questionnaires/questionnaire.table.ts';

/** Timestamps: read as Date, written as Date or ISO string, defaulted by the database. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface AuthSessionsTable {
  token_hash: string;
  organisation_id: string;
  person_id: string;
  csrf_token: string;
  method: 'password' | 'magic_link';
  ip: string | null;
  user_agent: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface MagicLinksTable {
  token_hash: string;
  organisation_id: string;
  person_id: string;
  purpose: Generated<string>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface ApiKeysTable {
  organisation_id: string;
  id: Generated<string>;
  name: string;
  prefix: string;
  key_hash: string;
  scope: 'read' | 'write';
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditEventsTable {
  organisation_id: string;
  id: Generated<number>;
  occurred_at: CreatedAt;
  type: string;
  actor_type: 'person' | 'api_key' | 'system';
  actor_id: string | null;
  subject_type: string | null;
  subject_id: string | null;
  payload: Json<Record<string, unknown>>;
  ip: string | null;
  user_agent: string | null;
}

export interface OutboxMailsTable {
  id: Generated<string>;
  organisation_id: string | null;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: Generated<'pending' | 'sent' | 'failed' | 'stored'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: NullableTimestamp;
  /** Migration 0003: when a pending mail may next be tried (NULL: now); also the claim lease. */
  next_attempt_at: NullableTimestamp;
}

export interface IdempotencyKeysTable {
  organisation_id: string;
  actor_key: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  response_type: string | null;
  created_at: CreatedAt;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  committed_at: Date | null;
}

export interface JobsTable {
  id: Generated<number>;
  organisation_id: string | null;
  type: string;
  payload: Json<Record<string, unknown>>;
  status: Generated<'queued' | 'running' | 'done' | 'failed'>;
  run_at: Generated<Date>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_at: NullableTimestamp;
  locked_by: string | null;
  progress: Json<Record<string, unknown>> | null;
  result: Json<Record<string, unknown>> | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: NullableTimestamp;
}

export interface PlatformTables {
  auth_sessions: AuthSessionsTable;
  magic_links: MagicLinksTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  outbox_mails: OutboxMailsTable;
  idempotency_keys: IdempotencyKeysTable;
  jobs: JobsTable;
}

/** The whole database, one interface per module merged here. */
export interface Database extends PlatformTables, OrganisationTables, PeopleTables, CatalogueTables, AttendanceTables, DocumentTables, WebhookTables, AbsenceTables, AnalyticsTables, QuestionnaireTables {}
