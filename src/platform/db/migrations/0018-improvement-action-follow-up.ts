import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * Improvement actions are followed up to their close (Qualiopi indicator 32:
 * the auditor reads what was decided, by whom, for when, and what came of it):
 * a third status `in_progress`, an owner (a person of the organisation), an
 * outcome note, and `closed_at` (set if and only if the action is done).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    ALTER TABLE improvement_actions DROP CONSTRAINT improvement_actions_status_check;
    ALTER TABLE improvement_actions ADD CONSTRAINT improvement_actions_status_check CHECK (status IN ('open', 'in_progress', 'done'));
    ALTER TABLE improvement_actions ADD COLUMN owner_id uuid;
    ALTER TABLE improvement_actions ADD COLUMN outcome text NOT NULL DEFAULT '' CHECK (length(outcome) <= 5000);
    ALTER TABLE improvement_actions ADD COLUMN closed_at timestamptz;
    ALTER TABLE improvement_actions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    ALTER TABLE improvement_actions ADD CONSTRAINT improvement_actions_closed_check CHECK ((status = 'done') = (closed_at IS NOT NULL));
    ALTER TABLE improvement_actions ADD CONSTRAINT improvement_actions_owner_fk FOREIGN KEY (organisation_id, owner_id) REFERENCES people (organisation_id, id);
    CREATE INDEX improvement_actions_created_idx ON improvement_actions (organisation_id, created_at DESC, id);
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    DROP INDEX IF EXISTS improvement_actions_created_idx;
    ALTER TABLE improvement_actions DROP CONSTRAINT IF EXISTS improvement_actions_owner_fk;
    ALTER TABLE improvement_actions DROP CONSTRAINT IF EXISTS improvement_actions_closed_check;
    ALTER TABLE improvement_actions DROP COLUMN IF EXISTS updated_at, DROP COLUMN IF EXISTS closed_at, DROP COLUMN IF EXISTS outcome, DROP COLUMN IF EXISTS owner_id;
    UPDATE improvement_actions SET status = 'open' WHERE status = 'in_progress';
    ALTER TABLE improvement_actions DROP CONSTRAINT improvement_actions_status_check;
    ALTER TABLE improvement_actions ADD CONSTRAINT improvement_actions_status_check CHECK (status IN ('open', 'done'));
    `,
  );
}
