import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Improvement actions (Qualiopi indicator 32): what a manager decided to do
 * about a cohort or module flagged as struggling, with the finding that
 * motivated it, as it read at the time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE improvement_actions (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      unit_type text NOT NULL CHECK (unit_type IN ('cohort', 'module')),
      unit_id uuid NOT NULL,
      metric text NOT NULL CHECK (metric IN ('success', 'satisfaction')),
      finding text NOT NULL DEFAULT '' CHECK (length(finding) <= 2000),
      description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
      due_on date,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id)
    );
    CREATE INDEX improvement_actions_unit_idx ON improvement_actions (organisation_id, unit_type, unit_id, created_at);
    `,
  );
  await enableTenantIsolation(db, 'improvement_actions');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await execScript(db, 'DROP TABLE IF EXISTS improvement_actions;');
}
