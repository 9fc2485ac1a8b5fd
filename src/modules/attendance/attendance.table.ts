import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Json, NullableTimestamp, UpdatedAt } from '../../platform/db/schema.ts';

export const ATTENDANCE_STATUSES = ['pending', 'present', 'late', 'left_early', 'absent', 'excused'] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];
export const SIGNING_METHODS = ['qr', 'link', 'kiosk', 'trainer_mark', 'sign_in'] as const;
export type SigningMethod = (typeof SIGNING_METHODS)[number];

export interface OrganisationSecretsTable {
  organisation_id: string;
  qr_key: Buffer;
  seal_p12: Buffer | null;
  seal_passphrase: string | null;
  seal_fingerprint: string | null;
  seal_created_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface AttendanceSheetsTable {
  organisation_id: string;
  session_id: string;
  status: Generated<'open' | 'locked'>;
  version: Generated<number>;
  verification_code: string;
  locked_at: NullableTimestamp;
  locked_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SignaturesTable {
  organisation_id: string;
  id: Generated<string>;
  session_id: string;
  person_id: string;
  strokes: Json<unknown>;
  strokes_sha256: string;
  png: Buffer;
  png_sha256: string;
  created_at: CreatedAt;
}

export interface AttendanceRecordsTable {
  organisation_id: string;
  id: Generated<string>;
  session_id: string;
  person_id: string;
  role: 'learner' | 'trainer';
  status: Generated<AttendanceStatus>;
  late_minutes: number | null;
  left_at: NullableTimestamp;
  signed_at: NullableTimestamp;
  method: SigningMethod | null;
  signature_id: string | null;
  marked_by: string | null;
  reason: string | null;
  /** A learner's signature that came after a trainer's absent/excused mark: pending until the trainer confirms or rejects it (migration 0026). */
  review: SignatureReview | null;
  reviewed_by: string | null;
  reviewed_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export const SIGNATURE_REVIEWS = ['pending', 'confirmed', 'rejected'] as const;
export type SignatureReview = (typeof SIGNATURE_REVIEWS)[number];

export interface SigningLinksTable {
  token_hash: string;
  organisation_id: string;
  session_id: string;
  person_id: string;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: NullableTimestamp;
}

export interface AttendanceAmendmentsTable {
  organisation_id: string;
  id: Generated<string>;
  session_id: string;
  version: number;
  /** The person who amended; null for an API key (amended_by_api_key) or the system. */
  amended_by: string | null;
  amended_by_api_key: string | null;
  reason: string;
  changes: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** Times are ISO strings and ids strings, exactly as hashed (see evidence-chain.ts). */
export interface EvidenceEntriesTable {
  organisation_id: string;
  id: string;
  type: string;
  recorded_at: string;
  payload: Json<Record<string, unknown>>;
  content_hash: string;
  seq: number | null;
  chain_hash: string | null;
  batch_number: number | null;
}

export interface EvidenceBatchesTable {
  organisation_id: string;
  batch_number: number;
  first_seq: number;
  last_seq: number;
  merkle_root: string;
  head_chain_hash: string;
  previous_batch_hash: string;
  sealed_at: string;
  batch_hash: string;
}

/** Where a sealed batch was anchored outside the database (migration 0024). */
export interface EvidenceAnchorsTable {
  organisation_id: string;
  batch_number: number;
  kind: 'file' | 'tsa';
  /** The anchor file's path, or the TSA's URL. */
  target: string;
  batch_hash: string;
  /** The RFC 3161 time-stamp token (DER ContentInfo), for kind 'tsa'. */
  token: Buffer | null;
  anchored_at: CreatedAt;
}

export interface AttendanceTables {
  organisation_secrets: OrganisationSecretsTable;
  attendance_sheets: AttendanceSheetsTable;
  signatures: SignaturesTable;
  attendance_records: AttendanceRecordsTable;
  signing_links: SigningLinksTable;
  attendance_amendments: AttendanceAmendmentsTable;
  evidence_entries: EvidenceEntriesTable;
  evidence_batches: EvidenceBatchesTable;
  evidence_anchors: EvidenceAnchorsTable;
}
