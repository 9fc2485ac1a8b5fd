import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * Group commit for the signing burst: emarge_write_signatures(organisation,
 * rows) writes many prepared signatures of one organisation in ONE statement,
 * so one transaction, one commit (one WAL flush) and one round trip for all
 * the signings that queued while the previous write was in flight.
 *
 * Each row is all-or-nothing on its own, exactly as emarge_write_signature
 * (migration 0016): a row is written (signature, record, spent link, evidence
 * entry hashed by the caller, audit event) only if its record is still
 * unsigned, its sheet still open at the version read, and its link (if any)
 * still unused and unexpired; otherwise that row is skipped and the others
 * are written. It returns the signature ids written: a caller whose row is
 * missing takes the locking path, which answers why (first proof, link spent,
 * sheet locked).
 *
 * Two statements inside: the records are locked first (in id order, so two
 * batches never wait on each other in a cycle), then one statement, in a
 * snapshot taken after those locks, checks the sheets and links and writes —
 * a sheet lock that committed while a record was held is seen, as in 0016.
 *
 * emarge_qr_signing_state(organisation, session, person): the QR path's unlocked
 * read in one statement (the organisation's QR key, the session, its settings
 * and the signer's record with what signing needs), like 0016's link read; the
 * QR signing then writes through the same batched write.
 *
 * Also: signature PNGs are already deflated; PostgreSQL no longer tries to
 * compress them again (STORAGE EXTERNAL: moved out of line when the row is
 * large, never recompressed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    ALTER TABLE signatures ALTER COLUMN png SET STORAGE EXTERNAL;

    CREATE FUNCTION emarge_write_signatures(p_organisation_id uuid, p_rows jsonb)
    RETURNS SETOF uuid
    LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan
    AS $$
    DECLARE
      v_locked uuid[];
    BEGIN
      PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
      -- 1. Lock the records still unsigned, in id order.
      SELECT coalesce(array_agg(l.id), '{}') INTO v_locked FROM (
        SELECT r.id
        FROM jsonb_to_recordset(p_rows) AS x (record_id uuid, session_id uuid, person_id uuid)
        JOIN attendance_records r ON r.organisation_id = p_organisation_id AND r.id = x.record_id AND r.session_id = x.session_id AND r.person_id = x.person_id
        WHERE r.signature_id IS NULL
        ORDER BY r.id
        FOR UPDATE OF r
      ) l;
      -- 2. In a new snapshot: sheets still open at the version read, links spent here, then every write.
      RETURN QUERY
        WITH x AS (
          SELECT DISTINCT ON (x.record_id) x.*
          FROM jsonb_to_recordset(p_rows) AS x (
            i integer, record_id uuid, session_id uuid, person_id uuid, sheet_version integer, link_token_hash text,
            now timestamptz, status text, late_minutes integer, method text,
            signature_id uuid, strokes jsonb, strokes_sha256 text, png text, png_sha256 text,
            evidence_id uuid, evidence_type text, evidence_recorded_at text, evidence_payload jsonb, evidence_content_hash text,
            actor_type text, actor_id uuid, audit_payload jsonb, ip text, user_agent text
          )
          WHERE x.record_id = ANY (v_locked)
          ORDER BY x.record_id, x.i
        ), open_x AS (
          SELECT x.* FROM x
          JOIN attendance_sheets sh ON sh.organisation_id = p_organisation_id AND sh.session_id = x.session_id AND sh.status = 'open' AND sh.version = x.sheet_version
        ), spent AS (
          UPDATE signing_links l SET used_at = o.now
          FROM open_x o
          WHERE o.link_token_hash IS NOT NULL AND l.token_hash = o.link_token_hash AND l.organisation_id = p_organisation_id
            AND l.session_id = o.session_id AND l.person_id = o.person_id AND l.used_at IS NULL AND l.expires_at > o.now
          RETURNING l.token_hash
        ), w AS (
          SELECT o.* FROM open_x o WHERE o.link_token_hash IS NULL OR o.link_token_hash IN (SELECT s.token_hash FROM spent s)
        ), sig AS (
          INSERT INTO signatures (organisation_id, id, session_id, person_id, strokes, strokes_sha256, png, png_sha256, created_at)
          SELECT p_organisation_id, w.signature_id, w.session_id, w.person_id, w.strokes, w.strokes_sha256, decode(w.png, 'base64'), w.png_sha256, w.now FROM w
          RETURNING 1
        ), rec AS (
          UPDATE attendance_records r
          SET status = w.status, late_minutes = w.late_minutes, signed_at = w.now, method = w.method, signature_id = w.signature_id, updated_at = w.now
          FROM w
          WHERE r.organisation_id = p_organisation_id AND r.id = w.record_id
          RETURNING 1
        ), ev AS (
          INSERT INTO evidence_entries (organisation_id, id, type, recorded_at, payload, content_hash)
          SELECT p_organisation_id, w.evidence_id, w.evidence_type, w.evidence_recorded_at, w.evidence_payload, w.evidence_content_hash FROM w
          ORDER BY w.i
          RETURNING 1
        ), au AS (
          INSERT INTO audit_events (organisation_id, type, actor_type, actor_id, subject_type, subject_id, payload, ip, user_agent)
          SELECT p_organisation_id, w.evidence_type, w.actor_type, w.actor_id, 'session', w.session_id, w.audit_payload, w.ip, w.user_agent FROM w
          ORDER BY w.i
          RETURNING 1
        )
        SELECT w.signature_id FROM w;
    END $$;

    CREATE FUNCTION emarge_qr_signing_state(p_organisation_id uuid, p_session_id uuid, p_person_id uuid)
    RETURNS TABLE (
      qr_key bytea,
      ses_status text, ses_starts_at timestamptz, ses_ends_at timestamptz,
      org_name text, org_timezone text, org_locale text, org_settings jsonb, program_settings jsonb,
      sr_id uuid, sr_role text, sr_status text, sr_late_minutes integer, sr_signed_at timestamptz, sr_method text, sr_signature_id uuid,
      sh_status text, sh_version integer,
      sp_id uuid, sp_given_name text, sp_family_name text, sp_email text,
      sg_strokes_sha256 text, sg_png_sha256 text, sg_has_webhooks boolean
    )
    LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan
    AS $$
    BEGIN
      PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
      RETURN QUERY
        SELECT k.qr_key,
          s.status, s.starts_at, s.ends_at,
          o.name, o.timezone, o.locale, o.settings, p.attendance_settings,
          r.id, r.role, r.status, r.late_minutes, r.signed_at, r.method, r.signature_id,
          sh.status, sh.version,
          pe.id, pe.given_name, pe.family_name, pe.email,
          sg.strokes_sha256, sg.png_sha256,
          EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organisation_id = r.organisation_id AND w.active AND 'signature.created' = ANY (w.events))
        FROM organisation_secrets k
        JOIN sessions s ON s.organisation_id = k.organisation_id AND s.id = p_session_id
        JOIN attendance_records r ON r.organisation_id = s.organisation_id AND r.session_id = s.id AND r.person_id = p_person_id
        JOIN cohorts c ON c.organisation_id = s.organisation_id AND c.id = s.cohort_id
        JOIN programs p ON p.organisation_id = c.organisation_id AND p.id = c.program_id
        JOIN organisations o ON o.id = s.organisation_id
        JOIN attendance_sheets sh ON sh.organisation_id = r.organisation_id AND sh.session_id = r.session_id
        JOIN people pe ON pe.organisation_id = r.organisation_id AND pe.id = r.person_id
        LEFT JOIN signatures sg ON sg.organisation_id = r.organisation_id AND sg.id = r.signature_id
        WHERE k.organisation_id = p_organisation_id;
    END $$;
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS emarge_qr_signing_state`.execute(db);
  await sql`DROP FUNCTION IF EXISTS emarge_write_signatures`.execute(db);
  await sql`ALTER TABLE signatures ALTER COLUMN png SET STORAGE EXTENDED`.execute(db);
}
