import { mkdirSync } from 'node:fs';
import { CompiledQuery, Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../../config.ts';
import { pgTypeParsers } from './pg-type-parsers.ts';
import { PgliteClient } from './pglite-client.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

const parsers = pgTypeParsers;

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
 * Opens the configured database: PGlite in a data folder (or in memory), run in
 * a worker thread, or a PostgreSQL server. `pgliteImage` starts an in-memory PGlite from a dumped data
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
  // PGlite runs in a worker thread (pglite-client.ts): its queries never block the server's event loop.
  const pglite = new PgliteClient({ dataDir: config.dataDir, ...(options.pgliteImage ? { image: options.pgliteImage } : {}) });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: pglite as never }) });
  pglites.set(db, pglite);
  return db;
}

const pglites = new WeakMap<Db, PgliteClient>();

/** A PGlite Db's data folder as a tarball, which `createDatabase(…, { pgliteImage })` starts from (tests' template). */
export async function dumpPgliteImage(db: Db): Promise<Blob> {
  const pglite = pglites.get(db);
  if (!pglite) throw new Error('dumpPgliteImage: not a PGlite database');
  return pglite.dumpDataDir();
}
