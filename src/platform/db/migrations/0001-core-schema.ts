import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * Core schema: organisations, people and roles, the training catalogue
 * (programs, modules, cohorts, enrolments, half-day sessions), authentication,
 * audit log, mail outbox, idempotency keys and the job queue.
 *
 * Every tenant table carries `organisation_id` as the first column of its
 * primary key, and references other tenant rows through composite foreign keys
 * `(organisation_id, x_id)`, so a row can never point into another tenant.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE organisations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      timezone text NOT NULL DEFAULT 'Europe/Paris',
      locale text NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE people (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
      given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
      family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
      phone text,
      external_ref text,
      password_hash text,
      locale text CHECK (locale IN ('fr', 'en')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, email)
    );
    CREATE INDEX people_email_idx ON people (email);
    CREATE INDEX people_name_idx ON people (organisation_id, family_name, given_name, id);

    CREATE TABLE person_roles (
      organisation_id uuid NOT NULL,
      person_id uuid NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'manager', 'trainer', 'learner')),
      PRIMARY KEY (organisation_id, person_id, role),
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );

    CREATE TABLE programs (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      code text,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      objectives text NOT NULL DEFAULT '',
      planned_hours numeric(7,2) NOT NULL DEFAULT 0 CHECK (planned_hours >= 0),
      funder text,
      funding_reference text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, code)
    );
    CREATE INDEX programs_title_idx ON programs (organisation_id, title, id);

    CREATE TABLE modules (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      program_id uuid NOT NULL,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      position integer NOT NULL DEFAULT 0,
      planned_hours numeric(7,2) NOT NULL DEFAULT 0 CHECK (planned_hours >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, program_id) REFERENCES programs (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX modules_program_idx ON modules (organisation_id, program_id, position);

    CREATE TABLE cohorts (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      program_id uuid NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      starts_on date,
      ends_on date,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, program_id, name),
      CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
      FOREIGN KEY (organisation_id, program_id) REFERENCES programs (organisation_id, id) ON DELETE RESTRICT
    );

    CREATE TABLE cohort_trainers (
      organisation_id uuid NOT NULL,
      cohort_id uuid NOT NULL,
      person_id uuid NOT NULL,
      PRIMARY KEY (organisation_id, cohort_id, person_id),
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX cohort_trainers_person_idx ON cohort_trainers (organisation_id, person_id);

    CREATE TABLE enrolments (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      cohort_id uuid NOT NULL,
      person_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'withdrawn')),
      walk_in boolean NOT NULL DEFAULT false,
      enrolled_at timestamptz NOT NULL DEFAULT now(),
      withdrawn_at timestamptz,
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, cohort_id, person_id),
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE RESTRICT
    );
    CREATE INDEX enrolments_person_idx ON enrolments (organisation_id, person_id);

    CREATE TABLE sessions (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      cohort_id uuid NOT NULL,
      module_id uuid,
      date date NOT NULL,
      half_day text NOT NULL CHECK (half_day IN ('am', 'pm')),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      location text,
      remote_url text,
      capacity integer CHECK (capacity IS NULL OR capacity > 0),
      status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'cancelled')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, cohort_id, date, half_day),
      CHECK (ends_at > starts_at),
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, module_id) REFERENCES modules (organisation_id, id) ON DELETE SET NULL (module_id)
    );
    CREATE INDEX sessions_time_idx ON sessions (organisation_id, starts_at, id);
    CREATE INDEX sessions_cohort_idx ON sessions (organisation_id, cohort_id, starts_at);

    CREATE TABLE session_trainers (
      organisation_id uuid NOT NULL,
      session_id uuid NOT NULL,
      person_id uuid NOT NULL,
      PRIMARY KEY (organisation_id, session_id, person_id),
      FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX session_trainers_person_idx ON session_trainers (organisation_id, person_id);

    -- Authentication. Tokens are stored as SHA-256 hashes only.
    CREATE TABLE auth_sessions (
      token_hash text PRIMARY KEY,
      organisation_id uuid NOT NULL,
      person_id uuid NOT NULL,
      csrf_token text NOT NULL,
      method text NOT NULL CHECK (method IN ('password', 'magic_link')),
      ip text,
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX auth_sessions_person_idx ON auth_sessions (organisation_id, person_id);

    CREATE TABLE magic_links (
      token_hash text PRIMARY KEY,
      organisation_id uuid NOT NULL,
      person_id uuid NOT NULL,
      purpose text NOT NULL DEFAULT 'sign_in',
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );

    CREATE TABLE api_keys (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      prefix text NOT NULL UNIQUE,
      key_hash text NOT NULL,
      scope text NOT NULL CHECK (scope IN ('read', 'write')),
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      PRIMARY KEY (organisation_id, id)
    );

    -- Append-only audit log (see src/platform/audit/audit-events.ts for the catalogue).
    CREATE TABLE audit_events (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id bigint GENERATED ALWAYS AS IDENTITY,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      type text NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('person', 'api_key', 'system')),
      actor_id uuid,
      subject_type text,
      subject_id uuid,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      ip text,
      user_agent text,
      PRIMARY KEY (organisation_id, id)
    );
    CREATE INDEX audit_events_subject_idx ON audit_events (organisation_id, subject_type, subject_id);

    CREATE FUNCTION emarge_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION emarge_forbid_change();

    -- Mail outbox: every mail is recorded; sent over SMTP when SMTP_URL is set.
    CREATE TABLE outbox_mails (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organisation_id uuid REFERENCES organisations(id) ON DELETE CASCADE,
      to_address text NOT NULL,
      subject text NOT NULL,
      text_body text NOT NULL,
      html_body text,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'stored')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );
    CREATE INDEX outbox_mails_org_idx ON outbox_mails (organisation_id, created_at DESC);

    CREATE TABLE idempotency_keys (
      organisation_id uuid NOT NULL,
      actor_key text NOT NULL,
      key text NOT NULL,
      method text NOT NULL,
      path text NOT NULL,
      request_hash text NOT NULL,
      status_code integer,
      response_body text,
      response_type text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, actor_key, key)
    );

    -- Durable job queue in the same database.
    CREATE TABLE jobs (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      organisation_id uuid REFERENCES organisations(id) ON DELETE CASCADE,
      type text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
      run_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 5,
      locked_at timestamptz,
      locked_by text,
      progress jsonb,
      result jsonb,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX jobs_ready_idx ON jobs (run_at) WHERE status = 'queued';
  `,
  );
}
