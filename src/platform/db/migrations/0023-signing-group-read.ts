import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';
import * as m0021 from './0021-signing-plans-by-key.ts';

/**
 * emarge_link_signing_states(token_hashes): the link read of 0021 for several
 * links in one statement (one row per link found, named by its token hash),
 * for the signing burst's group read (attendance/signing-batch.ts): the
 * signings that arrive while a read is in flight share the next one, as they
 * share writes. Each link is read exactly as emarge_link_signing_state reads
 * it — its organisation found first as the owner, then the tenant role set for
 * that organisation and every join on the link's key — so RLS applies per link
 * even when a batch holds links of several organisations. The one-link
 * function it replaces, emarge_link_signing_state, is dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE FUNCTION emarge_link_signing_states(p_token_hashes text[])
    RETURNS TABLE (
      token_hash text,
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
      v_token text;
      v_org uuid;
      v_session uuid;
      v_person uuid;
      v_tenant uuid;
    BEGIN
      FOREACH v_token IN ARRAY p_token_hashes LOOP
        -- The link's organisation (cross-tenant: as the owner), then the tenant role for that organisation.
        IF v_tenant IS NOT NULL THEN
          PERFORM set_config('role', 'none', true);
        END IF;
        SELECT l.organisation_id, l.session_id, l.person_id INTO v_org, v_session, v_person FROM signing_links l WHERE l.token_hash = v_token;
        CONTINUE WHEN NOT FOUND;
        PERFORM set_config('emarge.organisation_id', v_org::text, true), set_config('role', 'emarge_app', true);
        v_tenant := v_org;
        RETURN QUERY
        SELECT v_token, l.organisation_id, l.session_id, l.person_id, l.created_at, l.expires_at, l.used_at,
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
        WHERE l.token_hash = v_token AND l.organisation_id = v_org;
      END LOOP;
    END $$;

    DROP FUNCTION emarge_link_signing_state(text);
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS emarge_link_signing_states`.execute(db);
  await m0021.up(db); // emarge_link_signing_state again (and the other two as they are)
}
