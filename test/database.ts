import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.ts';
import { createDatabase, type Db } from '../src/platform/db/database.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';

/**
 * Which database the suite runs on: EMARGE_TEST_DB=pglite (default, in memory)
 * or EMARGE_TEST_DB=postgres (a fresh database per test file on the server at
 * TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
export const TEST_DB_KIND = (process.env.EMARGE_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Db;
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** A fresh, fully migrated database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB_KIND === 'postgres') {
    const name = `emarge_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    const config: DatabaseConfig = { kind: 'postgres', url: url.toString(), poolSize: 5 };
    const db = createDatabase(config);
    await migrateOrThrow(db);
    return {
      db,
      config,
      async drop() {
        await db.destroy();
        const c = new pg.Client({ connectionString: ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const config: DatabaseConfig = { kind: 'pglite', dataDir: null };
  const db = createDatabase(config);
  await migrateOrThrow(db);
  return { db, config, drop: () => db.destroy() };
}
