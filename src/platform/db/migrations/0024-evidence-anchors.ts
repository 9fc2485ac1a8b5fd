import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Where each sealed evidence batch was anchored outside the database (issue 12):
 * a line appended to the anchor file (EVIDENCE_ANCHOR_FILE), an RFC 3161
 * time-stamp token from the authority at TSA_URL (the token itself kept here,
 * verifiable without the database's word). One row per batch and kind; a batch
 * without its row is anchored at the next sealing run. Append-only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(db, `
    CREATE TABLE evidence_anchors (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,
      batch_number integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('file', 'tsa')),
      target text NOT NULL,
      batch_hash text NOT NULL,
      token bytea,
      anchored_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, batch_number, kind)
    );
    CREATE TRIGGER evidence_anchors_append_only BEFORE UPDATE OR DELETE ON evidence_anchors
      FOR EACH ROW EXECUTE FUNCTION emarge_forbid_change();
  `);
  await enableTenantIsolation(db, 'evidence_anchors');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE evidence_anchors`.execute(db);
}
