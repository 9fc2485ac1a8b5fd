import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.ts';
import { createDatabase, type Db, dumpPgliteImage } from '../src/platform/db/database.ts';
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
  const db = createDatabase(config, { pgliteImage: await migratedPgliteImage() });
  await migrateOrThrow(db); // a no-op on the template, kept so a stale image can never hide a migration
  return { db, config, drop: () => db.destroy() };
}

/**
 * Booting PGlite runs initdb (seconds); loading a dumped data folder takes a
 * fraction of that. The first test process builds a migrated template image and
 * stores it in the temp folder, keyed by a hash of the migration and definition sources and the
 * PGlite version; the others load it. Each test still gets its own database.
 */
async function migratedPgliteImage(): Promise<Blob> {
  const dbDir = fileURLToPath(new URL('../src/platform/db/', import.meta.url));
  const hash = createHash('sha256');
  hash.update(JSON.parse(readFileSync(fileURLToPath(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url)), 'utf8')).version);
  for (const dir of [dbDir, join(dbDir, 'migrations'), join(dbDir, 'definitions')]) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') || f.endsWith('.sql')).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  }
  const path = join(tmpdir(), `emarge-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!existsSync(path)) {
    const db = createDatabase({ kind: 'pglite', dataDir: null });
    await migrateOrThrow(db);
    const image = Buffer.from(await (await dumpPgliteImage(db)).arrayBuffer());
    await db.destroy();
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, image);
    renameSync(partial, path); // atomic: concurrent test processes never read a half-written image
  }
  return new Blob([readFileSync(path)]);
}
