import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../../config.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

// Type parsing shared by both drivers: dates stay 'YYYY-MM-DD' strings (a
// calendar date has no time zone), numerics and bigints become numbers.
const DATE_OID = 1082;
const NUMERIC_OID = 1700;
const INT8_OID = 20;
const parsers = {
  [DATE_OID]: (v: string) => v,
  [NUMERIC_OID]: (v: string) => Number(v),
  [INT8_OID]: (v: string) => Number(v),
};

/** The pg pool behind each PostgreSQL Db (for queryPrepared). */
const pools = new WeakMap<Db, pg.Pool>();

/**
 * Runs one statement on its own (autocommit), on PostgreSQL as a named prepared
 * statement: parsed and planned once per connection, then only bound and
 * executed. For the few hot statements of the signing burst; `text` must be
 * the same for every call with one `name`. On PGlite it runs through Kysely.
 */
export async function queryPrepared<R>(db: Db, name: string, text: string, values: readonly unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (pool) return (await pool.query<R & pg.QueryResultRow>({ name, text, values: [...values] })).rows;
  return (await db.executeQuery<R>(CompiledQuery.raw(text, [...values]))).rows;
}

/** Whether this Db is a PostgreSQL server's pool (several connections), not PGlite (one, in process). */
export function isServerDatabase(db: Db): boolean {
  return pools.has(db);
}

/**
 * Opens the configured database: PGlite in a data folder (or in memory), or a
 * PostgreSQL server. `pgliteImage` starts an in-memory PGlite from a dumped data
 * folder (tests use a migrated template image).
 */
export function createDatabase(config: DatabaseConfig, options: { pgliteImage?: Blob } = {}): Db {
  if (config.kind === 'postgres') {
    const types = {
      getTypeParser: ((oid: number, format?: string) =>
        (parsers as Record<number, (v: string) => unknown>)[oid] ??
        pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    };
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize, types });
    // An idle connection closed by the server (restart, failover, admin command)
    // must not crash the process: the pool drops it and opens a new one.
    pool.on('error', (error) => console.warn(`PostgreSQL: idle connection lost (${error.message}); it will be replaced.`));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return db;
  }
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  // PGlite drops its options when the first argument is undefined: pass them alone for an in-memory database.
  const pglite = config.dataDir
    ? new PGlite(config.dataDir, { parsers })
    : new PGlite({ parsers, ...(options.pgliteImage ? { loadDataDir: options.pgliteImage } : {}) });
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
}
