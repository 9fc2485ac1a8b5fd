import { type MigrationResultSet, Migrator } from 'kysely/migration';
import type { Db } from './database.ts';
import { applyDefinitions } from './definitions.ts';
import { migrations } from './migrations/index.ts';

/** Runs every pending migration; returns Kysely's result set instead of throwing. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'emarge_migrations',
    migrationLockTableName: 'emarge_migrations_lock',
    // Numbers are handed out ahead of merging, so a database may have run 0032 before 0028 reaches it.
    allowUnorderedMigrations: true,
  });
  return migrator.migrateToLatest();
}

/**
 * Migrates or throws with the failing migration's name, then applies the SQL
 * definitions that changed (definitions.ts). Returns what was applied: the
 * migrations' names, then `definitions/<name>.sql` for each definition.
 */
export async function migrateOrThrow(db: Db): Promise<string[]> {
  const { error, results } = await migrateToLatest(db);
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, { cause: error });
  }
  const migrated = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const defined = await applyDefinitions(db as never);
  return [...migrated, ...defined.map((name) => `definitions/${name}.sql`)];
}
