import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * The signing functions leave the migrations (ADR 0003): from here on each has
 * one text, `platform/db/definitions/<name>.sql`, applied after the migrations
 * whenever its hash changes (`definitions.ts`, recorded in the table created
 * here). The migrations 0016-0023 keep the texts as they were, as history; the
 * next `applyDefinitions` replaces them.
 *
 * emarge_write_signature (0016, one signing by 25 positional parameters) is
 * dropped: every signing, locked or not, on PostgreSQL or PGlite, is written by
 * emarge_write_signatures.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE emarge_sql_definitions (
      name text PRIMARY KEY,
      sha256 text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );
    DROP FUNCTION IF EXISTS emarge_write_signature;
    `,
  );
}

/** The dropped single-row write is not recreated: no code calls it any more. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS emarge_sql_definitions`.execute(db);
}
