import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Risk predictions worth acting on (issue 13):
 * - "not enough data yet" is an answer: a prediction row with the band
 *   `insufficient_data` and no probability (a learner with too few recorded
 *   half-days or weeks of programme is not given a band);
 * - a retrained candidate that does worse than the current model on the same
 *   recent data is kept, `rejected`, and never replaces it;
 * - `model_monitoring`: each week, every version's past predictions scored
 *   against the outcomes known since (withdrawn or completed): AUC,
 *   calibration, flag rate, and the alerts raised against the validation figures.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    ALTER TABLE risk_predictions DROP CONSTRAINT risk_predictions_band_check;
    ALTER TABLE risk_predictions ADD CONSTRAINT risk_predictions_band_check CHECK (band IN ('low', 'medium', 'high', 'insufficient_data'));
    ALTER TABLE risk_predictions ALTER COLUMN probability DROP NOT NULL;
    ALTER TABLE risk_predictions ADD CONSTRAINT risk_predictions_insufficient_check CHECK ((band = 'insufficient_data') = (probability IS NULL));

    ALTER TABLE model_versions DROP CONSTRAINT model_versions_status_check;
    ALTER TABLE model_versions ADD CONSTRAINT model_versions_status_check CHECK (status IN ('training', 'ready', 'failed', 'retired', 'rejected'));

    CREATE TABLE model_monitoring (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      model_version_id uuid NOT NULL,
      as_of date NOT NULL,
      predictions integer NOT NULL CHECK (predictions >= 0),
      learners integer NOT NULL CHECK (learners >= 0),
      positives integer NOT NULL CHECK (positives >= 0),
      auc double precision,
      brier double precision,
      ece double precision,
      flag_rate double precision,
      reliability jsonb NOT NULL DEFAULT '[]'::jsonb,
      by_week jsonb NOT NULL DEFAULT '[]'::jsonb,
      alerts jsonb NOT NULL DEFAULT '[]'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, model_version_id, as_of),
      FOREIGN KEY (organisation_id, model_version_id) REFERENCES model_versions (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX model_monitoring_version_idx ON model_monitoring (organisation_id, model_version_id, as_of DESC);
    `,
  );
  await enableTenantIsolation(db, 'model_monitoring');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    DROP TABLE IF EXISTS model_monitoring;
    UPDATE model_versions SET status = 'retired' WHERE status = 'rejected';
    ALTER TABLE model_versions DROP CONSTRAINT model_versions_status_check;
    ALTER TABLE model_versions ADD CONSTRAINT model_versions_status_check CHECK (status IN ('training', 'ready', 'failed', 'retired'));
    DELETE FROM risk_predictions WHERE band = 'insufficient_data';
    ALTER TABLE risk_predictions DROP CONSTRAINT risk_predictions_insufficient_check;
    ALTER TABLE risk_predictions ALTER COLUMN probability SET NOT NULL;
    ALTER TABLE risk_predictions DROP CONSTRAINT risk_predictions_band_check;
    ALTER TABLE risk_predictions ADD CONSTRAINT risk_predictions_band_check CHECK (band IN ('low', 'medium', 'high'));
    `,
  );
}
