-- emarge_write_signatures(organisation, rows): THE signing write. Every signature (link, QR, kiosk, trainer;
-- the group commit on PostgreSQL, a row alone on PGlite or after a failed batch, and the locking path inside
-- its tenant transaction) is written by this function, and nowhere else.
--
-- p_rows is a JSON array of prepared signings of one organisation (record-signature.ts, signingRowJson: the
-- one list of its members on the TypeScript side; the recordset below is the one list on this side). Each
-- row is all-or-nothing on its own: it writes the signature (strokes, server-rendered PNG, both SHA-256),
-- the record (status, minutes and review as the caller decided from the record it read), the spent link
-- (if any), the evidence entry (hashed by the caller) and the audit event — only if, when written, its record
-- is still unsigned AND still has the status the caller read (a trainer's mark made meanwhile is never
-- overwritten: the row is skipped), its sheet is still open at the version read, and its link still unused
-- and unexpired. Otherwise the row is skipped and the others are written. Returns the signature ids written:
-- a caller whose row is missing takes the locking path, which re-reads under lock and answers why.
--
-- Two statements: the records are locked first, one at a time by primary key in id order (two batches never
-- wait on each other in a cycle; equality on the whole key is the one plan no statistics can change), then
-- one statement, in a snapshot taken after those locks, checks the sheets and links and writes: a sheet lock
-- that committed while a record was held is seen.
CREATE OR REPLACE FUNCTION emarge_write_signatures(p_organisation_id uuid, p_rows jsonb)
RETURNS SETOF uuid
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_locked uuid[] := '{}';
  v_row record;
BEGIN
  PERFORM set_config('emarge.organisation_id', p_organisation_id::text, true), set_config('role', 'emarge_app', true);
  -- 1. Lock the records still unsigned and still in the status read.
  FOR v_row IN
    SELECT (e ->> 'record_id')::uuid AS id, (e ->> 'session_id')::uuid AS session_id, (e ->> 'person_id')::uuid AS person_id, e ->> 'expected_status' AS expected_status
    FROM jsonb_array_elements(p_rows) AS e
    ORDER BY 1
  LOOP
    PERFORM 1 FROM attendance_records r
      WHERE r.organisation_id = p_organisation_id AND r.id = v_row.id
        AND r.session_id = v_row.session_id AND r.person_id = v_row.person_id
        AND r.signature_id IS NULL AND r.status = v_row.expected_status
      FOR UPDATE;
    IF FOUND THEN
      v_locked := v_locked || v_row.id;
    END IF;
  END LOOP;
  -- 2. In a new snapshot: sheets still open at the version read, links spent here, then every write.
  RETURN QUERY
    WITH x AS (
      SELECT DISTINCT ON (x.record_id) x.*
      FROM jsonb_to_recordset(p_rows) AS x (
        i integer, record_id uuid, session_id uuid, person_id uuid, expected_status text, sheet_version integer, link_token_hash text,
        now timestamptz, status text, late_minutes integer, review text, method text,
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
      SET status = w.status, late_minutes = w.late_minutes, review = w.review, reviewed_by = NULL, reviewed_at = NULL,
        signed_at = w.now, method = w.method, signature_id = w.signature_id, updated_at = w.now
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
