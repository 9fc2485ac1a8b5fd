import { type Kysely, sql } from 'kysely';
import { APP_ROLE, enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Use-cases enqueue jobs inside their tenant transaction (a job exists iff the
 * change that asked for it committed), and read back their organisation's jobs
 * (progress bars). The app role may now insert and read `jobs`, under the same
 * tenant policy as every other table; claiming and updating jobs stays with the
 * runner's own privileges. Jobs without an organisation are invisible to tenants.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`GRANT SELECT, INSERT ON jobs TO ${APP_ROLE}`).execute(db);
  await enableTenantIsolation(db, 'jobs');
}
