import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Notifications around attendance: outgoing webhooks (endpoints and a delivery
 * log that is also the delivery queue), absence justifications (the file kept
 * in the database with its SHA-256, the sessions it covers), and the
 * bookkeeping that makes reminders, absence requests and attendance alerts
 * idempotent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE webhook_endpoints (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
      secret text NOT NULL,
      events text[] NOT NULL CHECK (cardinality(events) > 0),
      description text,
      active boolean NOT NULL DEFAULT true,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id)
    );

    -- One row per event per endpoint: the delivery log and the delivery queue.
    CREATE TABLE webhook_deliveries (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      endpoint_id uuid NOT NULL,
      event_type text NOT NULL,
      event_id text NOT NULL,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      response_status integer,
      response_body_excerpt text,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, endpoint_id, event_id),
      FOREIGN KEY (organisation_id, endpoint_id) REFERENCES webhook_endpoints (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at NULLS FIRST, created_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (organisation_id, endpoint_id, created_at DESC, id DESC);

    CREATE TABLE absence_justifications (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      person_id uuid NOT NULL,
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused')),
      file_data bytea,
      file_type text CHECK (file_type IS NULL OR file_type IN ('application/pdf', 'image/jpeg', 'image/png')),
      file_name text,
      file_size integer,
      file_sha256 text,
      submitted_by uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      reviewed_by uuid,
      reviewed_at timestamptz,
      review_note text,
      PRIMARY KEY (organisation_id, id),
      CHECK ((file_data IS NULL) = (file_sha256 IS NULL)),
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE RESTRICT
    );
    CREATE INDEX absence_justifications_status_idx ON absence_justifications (organisation_id, status, created_at, id);
    CREATE INDEX absence_justifications_person_idx ON absence_justifications (organisation_id, person_id, created_at);

    CREATE TABLE absence_justification_sessions (
      organisation_id uuid NOT NULL,
      justification_id uuid NOT NULL,
      session_id uuid NOT NULL,
      PRIMARY KEY (organisation_id, justification_id, session_id),
      FOREIGN KEY (organisation_id, justification_id) REFERENCES absence_justifications (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE RESTRICT
    );
    CREATE INDEX absence_justification_sessions_session_idx ON absence_justification_sessions (organisation_id, session_id);

    -- One mail per (kind, session, person): reminders and absence requests are sent once.
    CREATE TABLE reminder_sends (
      organisation_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('before_start', 'non_signer', 'trainer_lock', 'absence_request')),
      session_id uuid NOT NULL,
      person_id uuid NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (organisation_id, kind, session_id, person_id),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );

    -- Attendance alerts: one open alert per learner and cohort; cleared when the rate recovers,
    -- so the next crossing alerts again.
    CREATE TABLE attendance_alerts (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      person_id uuid NOT NULL,
      cohort_id uuid NOT NULL,
      threshold numeric(5,4) NOT NULL,
      rate numeric(5,4) NOT NULL,
      sessions_held integer NOT NULL,
      alerted_at timestamptz NOT NULL,
      cleared_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE
    );
    CREATE UNIQUE INDEX attendance_alerts_open_idx ON attendance_alerts (organisation_id, person_id, cohort_id) WHERE cleared_at IS NULL;
  `,
  );
  for (const table of ['webhook_endpoints', 'webhook_deliveries', 'absence_justifications', 'absence_justification_sessions', 'reminder_sends', 'attendance_alerts']) {
    await enableTenantIsolation(db, table);
  }
}
