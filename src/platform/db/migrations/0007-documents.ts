import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Documents: every sealed PDF Emarge hands out is registered (its verification
 * code and the SHA-256 of the exact bytes), so that GET /verify/:code and
 * POST /verify (the PDF itself) can say what it attests; and the ZIP files of
 * batch exports, kept in the database (one place to back up, tenant-isolated).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE issued_documents (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('session_sheet', 'weekly_sheet', 'certificate')),
      subject_id uuid NOT NULL,
      verification_code text NOT NULL,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      sheet_version integer,
      attests jsonb NOT NULL DEFAULT '{}'::jsonb,
      seal_fingerprint text NOT NULL,
      issued_at timestamptz NOT NULL,
      issued_by uuid,
      PRIMARY KEY (organisation_id, id)
    );
    CREATE INDEX issued_documents_code_idx ON issued_documents (verification_code, issued_at DESC);
    CREATE INDEX issued_documents_sha_idx ON issued_documents (sha256);
    CREATE INDEX issued_documents_subject_idx ON issued_documents (organisation_id, kind, subject_id);

    CREATE TABLE document_exports (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      job_id bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('sheets', 'certificates')),
      cohort_id uuid NOT NULL,
      file_name text NOT NULL,
      entries integer NOT NULL CHECK (entries >= 0),
      size_bytes integer NOT NULL CHECK (size_bytes >= 0),
      sha256 text NOT NULL,
      zip bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, job_id),
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE
    );
  `,
  );
  await enableTenantIsolation(db, 'issued_documents');
  await enableTenantIsolation(db, 'document_exports');
}
