import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Attendance: one sheet per half-day session, one record per learner and
 * trainer on it, the signatures (strokes, server-rendered PNG, hashes), the
 * single-use signing links, the amendments of locked sheets, and the
 * tamper-evident evidence log (entries hashed at insert, sealed into chained
 * Merkle batches: see src/modules/attendance/evidence-chain.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    -- Per-organisation secrets: the key of the rotating QR codes, and the seal (PKCS#12) of its PDFs.
    CREATE TABLE organisation_secrets (
      organisation_id uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
      qr_key bytea NOT NULL,
      seal_p12 bytea,
      seal_passphrase text,
      seal_fingerprint text,
      seal_created_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE attendance_sheets (
      organisation_id uuid NOT NULL,
      session_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'locked')),
      version integer NOT NULL DEFAULT 1,
      verification_code text NOT NULL UNIQUE,
      locked_at timestamptz,
      locked_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, session_id),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE CASCADE
    );

    CREATE TABLE signatures (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      session_id uuid NOT NULL,
      person_id uuid NOT NULL,
      strokes jsonb NOT NULL,
      strokes_sha256 text NOT NULL,
      png bytea NOT NULL,
      png_sha256 text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE RESTRICT,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE RESTRICT
    );
    CREATE INDEX signatures_session_idx ON signatures (organisation_id, session_id);

    -- One row per person expected on (or added to) a session's sheet.
    CREATE TABLE attendance_records (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      session_id uuid NOT NULL,
      person_id uuid NOT NULL,
      role text NOT NULL CHECK (role IN ('learner', 'trainer')),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'present', 'late', 'left_early', 'absent', 'excused')),
      late_minutes integer CHECK (late_minutes IS NULL OR late_minutes >= 0),
      left_at timestamptz,
      signed_at timestamptz,
      method text CHECK (method IN ('qr', 'link', 'kiosk', 'trainer_mark', 'sign_in')),
      signature_id uuid,
      marked_by uuid,
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, session_id, person_id),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE RESTRICT,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE RESTRICT,
      FOREIGN KEY (organisation_id, signature_id) REFERENCES signatures (organisation_id, id) ON DELETE RESTRICT
    );
    CREATE INDEX attendance_records_person_idx ON attendance_records (organisation_id, person_id, session_id);

    -- Personal signing links (mailed): single use, expiring; only the hash is kept.
    CREATE TABLE signing_links (
      token_hash text PRIMARY KEY,
      organisation_id uuid NOT NULL,
      session_id uuid NOT NULL,
      person_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX signing_links_person_idx ON signing_links (organisation_id, session_id, person_id);

    -- A locked sheet changes only through an amendment by a manager, with a reason: a new version.
    CREATE TABLE attendance_amendments (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      session_id uuid NOT NULL,
      version integer NOT NULL,
      amended_by uuid NOT NULL,
      reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 2000),
      changes jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, session_id, version),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE RESTRICT
    );

    -- The evidence log: append-only; seq/chain_hash/batch_number are set once, by the sealer.
    CREATE TABLE evidence_entries (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,
      id uuid NOT NULL,
      type text NOT NULL,
      recorded_at text NOT NULL,
      payload jsonb NOT NULL,
      content_hash text NOT NULL,
      seq bigint,
      chain_hash text,
      batch_number integer,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, seq)
    );
    CREATE INDEX evidence_entries_unsealed_idx ON evidence_entries (organisation_id, recorded_at, id) WHERE seq IS NULL;

    CREATE TABLE evidence_batches (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE RESTRICT,
      batch_number integer NOT NULL,
      first_seq bigint NOT NULL,
      last_seq bigint NOT NULL,
      merkle_root text NOT NULL,
      head_chain_hash text NOT NULL,
      previous_batch_hash text NOT NULL,
      sealed_at text NOT NULL,
      batch_hash text NOT NULL,
      PRIMARY KEY (organisation_id, batch_number)
    );

    -- Entries may be sealed (seq, chain_hash, batch_number set once from NULL); nothing else ever changes.
    CREATE FUNCTION emarge_evidence_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'evidence_entries is append-only' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF OLD.seq IS NOT NULL
         OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id OR NEW.id IS DISTINCT FROM OLD.id
         OR NEW.type IS DISTINCT FROM OLD.type OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
         OR NEW.payload IS DISTINCT FROM OLD.payload OR NEW.content_hash IS DISTINCT FROM OLD.content_hash THEN
        RAISE EXCEPTION 'evidence_entries is append-only (only sealing may set seq, chain_hash, batch_number once)' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER evidence_entries_seal_only BEFORE UPDATE OR DELETE ON evidence_entries
      FOR EACH ROW EXECUTE FUNCTION emarge_evidence_seal_only();
    CREATE TRIGGER evidence_batches_append_only BEFORE UPDATE OR DELETE ON evidence_batches
      FOR EACH ROW EXECUTE FUNCTION emarge_forbid_change();

    -- Attendance settings per program override the organisation's (organisations.settings.attendance).
    ALTER TABLE programs ADD COLUMN attendance_settings jsonb NOT NULL DEFAULT '{}'::jsonb;
  `,
  );
  for (const table of [
    'organisation_secrets',
    'attendance_sheets',
    'signatures',
    'attendance_records',
    'signing_links',
    'attendance_amendments',
    'evidence_entries',
    'evidence_batches',
  ]) {
    await enableTenantIsolation(db, table);
  }
}
