import { type Kysely, sql } from 'kysely';

/**
 * Loading a questionnaire (builder, respondent view, results) looks its questions
 * up by questionnaire: without this index PostgreSQL scanned every question of the
 * organisation (bench:results --explain showed the sequential scan).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX questions_questionnaire_idx ON questions (organisation_id, questionnaire_id, position)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS questions_questionnaire_idx`.execute(db);
}
