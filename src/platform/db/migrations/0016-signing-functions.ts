import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * The signing burst path as two server-side functions, so a signature with a
 * personal link costs two round trips (read, then write), each one statement
 * in its own transaction, with plans cached per connection (PL/pgSQL):
 *
 * - emarge_link_signing_state(token_hash): finds the link's organisation (a
 *   cross-tenant lookup by hash, as before), switches to the tenant role with
 *   that organisation set, and reads the link, session, organisation, settings
 *   and the signer's record with what signing needs. No lock: the write checks
 *   everything again.
 * - emarge_write_signature(...): switches to the tenant role, then writes the
 *   signature, the record (only if still unsigned; the sheet is then checked
 *   still open at the read's version, in a snapshot taken after the record
 *   lock), the spent link (only if still unused), the evidence
 *   entry (hashed by the caller) and the audit event. Any failed condition
 *   raises SQLSTATE EM409 and nothing is written: the caller falls back to the
 *   locking path, which explains why (first proof, link spent, sheet locked).
 *
 * Both run as the role emarge_app under RLS, like withTenant().
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE FUNCTION emarge_link_signing_state(p_token_hash text)
    RETURNS TABLE (
      link_organisation_id uuid, link_session_id uuid, link_person_id uuid, link_created_at timestamptz, link_expires_at timestamptz, link_used_at timestamptz,
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
    DECLARE
      v_org uuid;
    BEGIN
      SELECT l.organisation_id INTO v_org FROM signing_links l WHERE l.token_hash = p_token_hash;
      IF NOT FOUND THEN
        RETURN;
      END IF;
      PERFORM set_config('emarge.organisation_id', v_org::text, true), set_config('role', 'emarge_app', true);
      RETURN QUERY
        SELECT l.organisation_id, l.session_id, l.person_id, l.created_at, l.expires_at, l.used_at,
          s.status, s.starts_at, s.ends_at,
          o.name, o.timezone, o.locale, o.settings, p.attendance_settings,
          r.id, r.role, r.status, r.late_minutes, r.signed_at, r.method, r.signature_id,
          sh.status, sh.version,
          pe.id, pe.given_name, pe.family_name, pe.email,
          sg.strokes_sha256, sg.png_sha256,
          EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organisation_id = l.organisation_id AND w.active AND 'signature.created' = ANY (w.events))
        FROM signing_links l
        JOIN attendance_records r ON r.organisation_id = l.organisation_id AND r.session_id = l.session_id AND r.person_id = l.person_id
        JOIN sessions s ON s.organisation_id = r.organisation_id AND s.id = r.session_id
        JOIN cohorts c ON c.organisation_id = s.organisation_id AND c.id = s.cohort_id
        JOIN programs p ON p.organisation_id = c.organisation_id AND p.id = c.program_id
        JOIN organisations o ON o.id = s.organisation_id
        JOIN attendance_sheets sh ON sh.organisation_id = r.organisation_id AND sh.session_id = r.session_id
        JOIN people pe ON pe.organisation_id = r.organisation_id AND pe.id = r.person_id
        LEFT JOIN signatures sg ON sg.organisation_id = r.organisation_id AND sg.id = r.signature_id
        WHERE l.token_hash = p_token_hash AND l.organisation_id = v_org;
    END $$;

    CREATE FUNCTION emarge_write_signature(
      p_organisation_id uuid, p_session_id uuid, p_person_id uuid, p_record_id uuid, p_sheet_version integer, p_link_token_hash text,
      p_now timestamptz, p_status text, p_late_minutes integer, p_method text,
      p_signature_id uuid, p_strokes jsonb, p_strokes_sha256 text, p_png bytea, p_png_sha256 text,
      p_evidence_id uuid, p_evidence_type text, p_evidence_recorded_at text, p_evidence_payload jsonb, p_evidence_content_hash text,
      p_actor_type text, p_actor_id uuid, p_audit_payload jsonb, p_ip text, p_user_agent text
    )
    RETURNS void
    LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan
    AS $$
    BEGIN
      PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
      INSERT INTO signatures (organisation_id, id, session_id, person_id, strokes, strokes_sha256, png, png_sha256, created_at)
        VALUES (p_organisation_id, p_signature_id, p_session_id, p_person_id, p_strokes, p_strokes_sha256, p_png, p_png_sha256, p_now);
      UPDATE attendance_records
        SET status = p_status, late_minutes = p_late_minutes, signed_at = p_now, method = p_method, signature_id = p_signature_id, updated_at = p_now
        WHERE organisation_id = p_organisation_id AND id = p_record_id AND session_id = p_session_id AND person_id = p_person_id AND signature_id IS NULL;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'emarge_write_signature: the record is signed' USING ERRCODE = 'EM409';
      END IF;
      -- Checked after the record lock, in a new snapshot: a sheet lock that held the record (lockSheet
      -- locks the sheet, then its records) and committed meanwhile is seen here.
      PERFORM 1 FROM attendance_sheets sh
        WHERE sh.organisation_id = p_organisation_id AND sh.session_id = p_session_id AND sh.status = 'open' AND sh.version = p_sheet_version;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'emarge_write_signature: the sheet was locked or amended' USING ERRCODE = 'EM409';
      END IF;
      IF p_link_token_hash IS NOT NULL THEN
        UPDATE signing_links SET used_at = p_now
          WHERE token_hash = p_link_token_hash AND organisation_id = p_organisation_id AND session_id = p_session_id AND person_id = p_person_id AND used_at IS NULL AND expires_at > p_now;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'emarge_write_signature: the link is spent or expired' USING ERRCODE = 'EM409';
        END IF;
      END IF;
      INSERT INTO evidence_entries (organisation_id, id, type, recorded_at, payload, content_hash)
        VALUES (p_organisation_id, p_evidence_id, p_evidence_type, p_evidence_recorded_at, p_evidence_payload, p_evidence_content_hash);
      INSERT INTO audit_events (organisation_id, type, actor_type, actor_id, subject_type, subject_id, payload, ip, user_agent)
        VALUES (p_organisation_id, p_evidence_type, p_actor_type, p_actor_id, 'session', p_session_id, p_audit_payload, p_ip, p_user_agent);
    END $$;
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS emarge_write_signature`.execute(db);
  await sql`DROP FUNCTION IF EXISTS emarge_link_signing_state`.execute(db);
}
