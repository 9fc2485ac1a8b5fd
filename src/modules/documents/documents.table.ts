import type { Generated } from 'kysely';
import type { CreatedAt, Json, Timestamp } from '../../platform/db/schema.ts';

export const ISSUED_DOCUMENT_KINDS = ['session_sheet', 'weekly_sheet', 'certificate'] as const;
export type IssuedDocumentKind = (typeof ISSUED_DOCUMENT_KINDS)[number];
export type ExportKind = 'sheets' | 'certificates';

/** One sealed PDF handed out: what it attests, and the SHA-256 of its exact bytes. */
export interface IssuedDocumentsTable {
  organisation_id: string;
  id: Generated<string>;
  kind: IssuedDocumentKind;
  /** session id (session sheet), cohort id (weekly sheet), person id (certificate). */
  subject_id: string;
  verification_code: string;
  sha256: string;
  sheet_version: number | null;
  /** What the document attests, as shown by the verification endpoints. */
  attests: Json<Record<string, unknown>>;
  seal_fingerprint: string;
  issued_at: Timestamp;
  issued_by: string | null;
}

/** A finished batch export (ZIP of sealed PDFs), downloadable by its job id. */
export interface DocumentExportsTable {
  organisation_id: string;
  job_id: number;
  kind: ExportKind;
  cohort_id: string;
  file_name: string;
  entries: number;
  size_bytes: number;
  sha256: string;
  zip: Buffer;
  created_at: CreatedAt;
}

export interface DocumentTables {
  issued_documents: IssuedDocumentsTable;
  document_exports: DocumentExportsTable;
}
