import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';
import * as m0016 from './0016-signing-functions.ts';
import * as m0020 from './0020-signing-group-commit.ts';

/**
 * The signing functions of 0016 and 0020, rewritten so that every row they
 * touch is found through its key, whatever the planner believes about the
 * table sizes.
 *
 * They run with cached generic plans (plan_cache_mode = force_generic_plan),
 * planned on a connection's first call. When that happens on statistics taken
 * while the tables were nearly empty (a new organisation, a session's records
 * created minutes before the burst), PostgreSQL estimated "one record per
 * organisation" and chose plans that read every record of the organisation or
 * session for each signing: the link read joined the sheet first and then
 * scanned the session's records for the person (about 1,100 index entries per
 * signing in bench:signing), and the batched write's lock step hashed, or
 * nested-looped over, every record of the organisation, re-reading the batch's
 * JSON for each (2.4 million function rows for 2,200 signatures). Measured with
 * auto_explain; ~1,200 tuples read per signing instead of ~10.
 *
 * Now:
 * - the reads look the link up first, then join every table on the link's
 *   (organisation, session, person) as parameters: each join is an equality on
 *   a unique key, estimated one row by uniqueness, never a scan;
 * - the write's lock step locks the batch's records one by one, each by its
 *   whole primary key, in id order (even `id = ANY (ids)` was planned as a
 *   scan of the organisation's records with a filter); the sheet check is a
 *   correlated lookup on the sheet's primary key; the link update is bounded
 *   by `token_hash = ANY (…)`, its primary key.
 * Behaviour is unchanged (same rows, same checks, same snapshots: the sheet is
 * still checked in the statement after the record locks).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE OR REPLACE FUNCTION emarge_link_signing_state(p_token_hash text)
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
      v_session uuid;
      v_person uuid;
    BEGIN
      SELECT l.organisation_id, l.session_id, l.person_id INTO v_org, v_session, v_person FROM signing_links l WHERE l.token_hash = p_token_hash;
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
          EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organisation_id = v_org AND w.active AND 'signature.created' = ANY (w.events))
        FROM signing_links l
        JOIN attendance_records r ON r.organisation_id = v_org AND r.session_id = v_session AND r.person_id = v_person
        JOIN sessions s ON s.organisation_id = v_org AND s.id = v_session
        JOIN cohorts c ON c.organisation_id = v_org AND c.id = s.cohort_id
        JOIN programs p ON p.organisation_id = v_org AND p.id = c.program_id
        JOIN organisations o ON o.id = v_org
        JOIN attendance_sheets sh ON sh.organisation_id = v_org AND sh.session_id = v_session
        JOIN people pe ON pe.organisation_id = v_org AND pe.id = v_person
        LEFT JOIN signatures sg ON sg.organisation_id = v_org AND sg.id = r.signature_id
        WHERE l.token_hash = p_token_hash AND l.organisation_id = v_org;
    END $$;

    CREATE OR REPLACE FUNCTION emarge_qr_signing_state(p_organisation_id uuid, p_session_id uuid, p_person_id uuid)
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
          EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organisation_id = p_organisation_id AND w.active AND 'signature.created' = ANY (w.events))
        FROM organisation_secrets k
        JOIN sessions s ON s.organisation_id = p_organisation_id AND s.id = p_session_id
        JOIN attendance_records r ON r.organisation_id = p_organisation_id AND r.session_id = p_session_id AND r.person_id = p_person_id
        JOIN cohorts c ON c.organisation_id = p_organisation_id AND c.id = s.cohort_id
        JOIN programs p ON p.organisation_id = p_organisation_id AND p.id = c.program_id
        JOIN organisations o ON o.id = p_organisation_id
        JOIN attendance_sheets sh ON sh.organisation_id = p_organisation_id AND sh.session_id = p_session_id
        JOIN people pe ON pe.organisation_id = p_organisation_id AND pe.id = p_person_id
        LEFT JOIN signatures sg ON sg.organisation_id = p_organisation_id AND sg.id = r.signature_id
        WHERE k.organisation_id = p_organisation_id;
    END $$;

    CREATE OR REPLACE FUNCTION emarge_write_signatures(p_organisation_id uuid, p_rows jsonb)
    RETURNS SETOF uuid
    LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan
    AS $$
    DECLARE
      v_ids uuid[];
      v_sessions uuid[];
      v_people uuid[];
      v_locked uuid[] := '{}';
      v_record record;
    BEGIN
      PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
      SELECT array_agg(x.record_id), array_agg(x.session_id), array_agg(x.person_id) INTO v_ids, v_sessions, v_people
        FROM jsonb_to_recordset(p_rows) AS x (record_id uuid, session_id uuid, person_id uuid);
      -- 1. Lock the records still unsigned, in id order, one at a time by primary key (a loop, not a join:
      --    equality on the whole key is the one plan no statistics can change).
      FOR v_record IN SELECT u.id, u.session_id, u.person_id FROM unnest(v_ids, v_sessions, v_people) AS u (id, session_id, person_id) ORDER BY u.id LOOP
        PERFORM 1 FROM attendance_records r
          WHERE r.organisation_id = p_organisation_id AND r.id = v_record.id
            AND r.session_id = v_record.session_id AND r.person_id = v_record.person_id AND r.signature_id IS NULL
          FOR UPDATE;
        IF FOUND THEN
          v_locked := v_locked || v_record.id;
        END IF;
      END LOOP;
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
          WHERE x.sheet_version = (
            SELECT sh.version FROM attendance_sheets sh
            WHERE sh.organisation_id = p_organisation_id AND sh.session_id = x.session_id AND sh.status = 'open'
          )
        ), spent AS (
          UPDATE signing_links l SET used_at = o.now
          FROM open_x o
          WHERE l.token_hash = ANY (ARRAY(SELECT o2.link_token_hash FROM open_x o2 WHERE o2.link_token_hash IS NOT NULL))
            AND l.token_hash = o.link_token_hash AND l.organisation_id = p_organisation_id
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
    `,
  );
}

/** Back to the definitions of 0016 and 0020. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS emarge_qr_signing_state`.execute(db);
  await sql`DROP FUNCTION IF EXISTS emarge_write_signatures`.execute(db);
  await m0016.down(db);
  await m0016.up(db);
  await m0020.up(db);
}
