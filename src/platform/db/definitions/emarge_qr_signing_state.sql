-- emarge_qr_signing_state(organisation, session, person): the QR signing's unlocked read in one statement
-- (the organisation's QR key, the session, its settings and the signer's record with what signing needs);
-- the QR signing then writes through emarge_write_signatures. Every join on a key given as a parameter.
-- Its result columns changed (sr_review): dropped first, as CREATE OR REPLACE cannot change them.
DROP FUNCTION IF EXISTS emarge_qr_signing_state(uuid, uuid, uuid);
CREATE FUNCTION emarge_qr_signing_state(p_organisation_id uuid, p_session_id uuid, p_person_id uuid)
RETURNS TABLE (
  qr_key bytea,
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
BEGIN
  PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
  RETURN QUERY
    SELECT k.qr_key,
      s.status, s.starts_at, s.ends_at,
      o.name, o.timezone, o.locale, o.settings, p.attendance_settings,
      r.id, r.role, r.status, r.late_minutes, r.signed_at, r.method, r.signature_id, r.review,
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
