import { type Kysely, sql } from 'kysely';

/**
 * Signature strokes (canonical JSON, about 3 KB for a two-second signature)
 * are compressed by TOAST when a signature row is stored. PostgreSQL's default
 * method, pglz, took about a tenth of the database's CPU in bench:signing; lz4
 * compresses such JSON about as well several times faster (0.08-0.1 ms less
 * PostgreSQL CPU per signing). Servers built without lz4, and PGlite, keep
 * pglz: the statement's "not supported" error is caught. Existing rows keep
 * their compression until rewritten; both methods read back the same.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      ALTER TABLE signatures ALTER COLUMN strokes SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
      NULL;
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE signatures ALTER COLUMN strokes SET COMPRESSION DEFAULT`.execute(db);
}
