-- emarge_link_signing_state(token_hash): the link signing's unlocked read (migration 0016, keyed in 0021).
-- Finds the link's organisation (a cross-tenant lookup by hash), switches to the tenant role with that
-- organisation set, and reads the link, session, organisation, settings and the signer's record with what
-- signing needs. No lock: the write (emarge_write_signatures) checks everything again.
-- Every join is an equality on a unique key with the link's (organisation, session, person) as parameters:
-- the function runs a cached generic plan, and no plan here may depend on table statistics.
-- Its result columns changed (sr_review): dropped first, as CREATE OR REPLACE cannot change them.
DROP FUNCTION IF EXISTS emarge_link_signing_state(text);
CREATE FUNCTION emarge_link_signing_state(p_token_hash text)
RETURNS TABLE (
  link_organisation_id uuid, link_session_id uuid, link_person_id uuid, link_created_at timestamptz, link_expires_at timestamptz, link_used_at timestamptz,
  ses_status text, ses_starts_at timestamptz, ses_ends_at timestamptz,
  org_name text, org_timezone text, org_locale text, org_settings jsonb, program_settings jsonb,
  sr_id uuid, sr_role text, sr_status text, sr_late_minutes integer, sr_signed_at timestamptz, sr_method text, sr_signature_id uuid, sr_review text,
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
      r.id, r.role, r.status, r.late_minutes, r.signed_at, r.method, r.signature_id, r.review,
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
