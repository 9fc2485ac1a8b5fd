import { loadConfig } from '../../config.ts';
import { createDatabase } from '../../platform/db/database.ts';
import { migrateOrThrow } from '../../platform/db/migrate.ts';

export async function run(): Promise<number> {
  const config = loadConfig(process.env);
  const db = createDatabase(config.database);
  try {
    const applied = await migrateOrThrow(db);
    console.log(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join('\n')}` : 'Database is up to date.');
    return 0;
  } finally {
    await db.destroy();
  }
}
