import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Analytics: versioned risk models (the artifact as JSON: topology, weights,
 * feature schema and normalisation, calibration), their weekly predictions
 * with reasons, the human oversight around them (reviews by staff, objections
 * by the person concerned, GDPR art. 22), and the group attributes that
 * organisations may provide, with a legal basis, for fairness audits only
 * (never model inputs).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE model_versions (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      version integer NOT NULL CHECK (version > 0),
      kind text NOT NULL DEFAULT 'dropout_risk' CHECK (kind IN ('dropout_risk')),
      status text NOT NULL DEFAULT 'training' CHECK (status IN ('training', 'ready', 'failed', 'retired')),
      artifact jsonb,
      metrics jsonb,
      data_window jsonb,
      code_version text,
      error text,
      trained_at timestamptz,
      training_job_id bigint,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, kind, version),
      CHECK (status <> 'ready' OR artifact IS NOT NULL)
    );

    CREATE TABLE risk_predictions (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      model_version_id uuid NOT NULL,
      person_id uuid NOT NULL,
      cohort_id uuid NOT NULL,
      week_start date NOT NULL,
      step integer NOT NULL CHECK (step >= 0),
      probability double precision NOT NULL CHECK (probability >= 0 AND probability <= 1),
      band text NOT NULL CHECK (band IN ('low', 'medium', 'high')),
      reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, model_version_id, cohort_id, person_id, week_start),
      FOREIGN KEY (organisation_id, model_version_id) REFERENCES model_versions (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, cohort_id) REFERENCES cohorts (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX risk_predictions_cohort_idx ON risk_predictions (organisation_id, cohort_id, week_start DESC);
    CREATE INDEX risk_predictions_person_idx ON risk_predictions (organisation_id, person_id, week_start DESC);

    CREATE TABLE risk_reviews (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      prediction_id uuid NOT NULL,
      person_id uuid NOT NULL,
      action text NOT NULL CHECK (action IN ('contacted', 'plan_agreed', 'no_action', 'prediction_wrong')),
      note text CHECK (note IS NULL OR length(note) <= 5000),
      reviewed_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, prediction_id) REFERENCES risk_predictions (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX risk_reviews_prediction_idx ON risk_reviews (organisation_id, prediction_id, created_at DESC);
    CREATE INDEX risk_reviews_person_idx ON risk_reviews (organisation_id, person_id, created_at DESC);

    CREATE TABLE risk_objections (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      person_id uuid NOT NULL,
      prediction_id uuid NOT NULL,
      message text NOT NULL CHECK (length(message) BETWEEN 1 AND 5000),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
      answer text CHECK (answer IS NULL OR length(answer) <= 5000),
      answered_by uuid,
      answered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, prediction_id) REFERENCES risk_predictions (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX risk_objections_status_idx ON risk_objections (organisation_id, status, created_at);

    -- Only for fairness reports: never read by the feature pipeline.
    CREATE TABLE group_attributes (
      organisation_id uuid NOT NULL,
      person_id uuid NOT NULL,
      attribute text NOT NULL CHECK (attribute ~ '^[a-z][a-z0-9_]{0,39}$'),
      value text NOT NULL CHECK (length(value) BETWEEN 1 AND 100),
      legal_basis text NOT NULL CHECK (length(legal_basis) BETWEEN 3 AND 1000),
      recorded_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, person_id, attribute),
      FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id) ON DELETE CASCADE
    );
  `,
  );
  for (const table of ['model_versions', 'risk_predictions', 'risk_reviews', 'risk_objections', 'group_attributes']) {
    await enableTenantIsolation(db, table);
  }
}
