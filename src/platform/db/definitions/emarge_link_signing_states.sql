-- emarge_link_signing_states(token_hashes): emarge_link_signing_state for several links in one statement
-- (one row per link found, named by its token hash), for the signing burst's group read
-- (attendance/signing-batch.ts). The role goes back to the caller's before each link, so RLS applies per
-- link even when a batch holds links of several organisations.
-- Its result columns changed (sr_review): dropped first, as CREATE OR REPLACE cannot change them.
DROP FUNCTION IF EXISTS emarge_link_signing_states(text[]);
CREATE FUNCTION emarge_link_signing_states(p_token_hashes text[])
RETURNS TABLE (
  token_hash text,
  link_organisation_id uuid, link_session_id uuid, link_person_id uuid, link_created_at timestamptz, link_expires_at timestamptz, link_used_at timestamptz,
  ses_status text, ses_starts_at timestamptz, ses_ends_at timestamptz,
  org_name text, org_timezone text, org_locale text, org_settings jsonb, program_settings jsonb,
  sr_id uuid, sr_role text, sr_status text, sr_late_minutes integer, sr_signed_at timestamptz, sr_method text, sr_signature_id uuid, sr_review text,
  sh_status text, sh_version integer,
  sp_id uuid, sp_given_name text, sp_family_name text, sp_email text,
  sg_strokes_sha256 text, sg_png_sha256 text, sg_has_webhooks boolean
)
LANGUAGE plpgsql
AS $$
DECLARE
  v_token text;
BEGIN
  FOREACH v_token IN ARRAY p_token_hashes LOOP
    -- Back to the calling role first: the next link's organisation is looked up across tenants.
    PERFORM set_config('role', 'none', true);
    RETURN QUERY SELECT v_token, s.* FROM emarge_link_signing_state(v_token) AS s;
  END LOOP;
END $$;
