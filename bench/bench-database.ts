import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.ts';
import { createDatabase, type Db } from '../src/platform/db/database.ts';

/** The PostgreSQL server the benches create their database on (as the tests do). */
export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  db: Db;
  config: DatabaseConfig;
  /** PGlite's data folder (null on PostgreSQL). */
  dataDir: string | null;
  /** The PostgreSQL database's name (null on PGlite). */
  pgName: string | null;
  /** Closes the database and removes it (PGlite folder or PostgreSQL database). */
  dispose(): Promise<void>;
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one bench run: a PGlite folder in the temp directory, or a new PostgreSQL database. */
export async function createBenchDatabase(kind: 'pglite' | 'postgres', opts: { name: string; poolSize: number }): Promise<BenchDatabase> {
  if (kind === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), `emarge-bench-${opts.name}-`));
    const config: DatabaseConfig = { kind: 'pglite', dataDir };
    const db = createDatabase(config);
    return {
      db,
      config,
      dataDir,
      pgName: null,
      async dispose() {
        await db.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const pgName = `emarge_bench_${opts.name}_${process.pid}_${Date.now()}`;
  await admin(`CREATE DATABASE ${pgName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${pgName}`;
  const config: DatabaseConfig = { kind: 'postgres', url: url.toString(), poolSize: opts.poolSize };
  const db = createDatabase(config);
  return {
    db,
    config,
    dataDir: null,
    pgName,
    async dispose() {
      await db.destroy();
      await admin(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
    },
  };
}
