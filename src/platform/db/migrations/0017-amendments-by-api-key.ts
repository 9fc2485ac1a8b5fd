import { type Kysely, sql } from 'kysely';

/**
 * Every new version of a locked sheet has its amendment row, whoever made it:
 * an API key accepting a justification (which excuses the learner on a locked
 * sheet) bumped the version without a row, since `amended_by` had to be a
 * person. Now the row names the person or the API key (or neither: the system).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE attendance_amendments
      ALTER COLUMN amended_by DROP NOT NULL,
      ADD COLUMN amended_by_api_key uuid NULL,
      ADD CONSTRAINT attendance_amendments_one_author CHECK (amended_by IS NULL OR amended_by_api_key IS NULL)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE attendance_amendments
      DROP CONSTRAINT attendance_amendments_one_author,
      DROP COLUMN amended_by_api_key,
      ALTER COLUMN amended_by SET NOT NULL`.execute(db);
}
