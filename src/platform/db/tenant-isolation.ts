import { type Kysely, sql } from 'kysely';

/** The unprivileged role every tenant transaction runs as (see withTenant). */
export const APP_ROLE = 'emarge_app';

/**
 * Enables Row-Level Security on a tenant table: for the role `emarge_app` (which
 * `withTenant` switches to) rows are visible and
 * writable only when their `organisation_id` equals the organisation set for the
 * current transaction (`emarge.organisation_id`). Call it from the migration
 * that creates the table.
 */
export async function enableTenantIsolation(db: Kysely<unknown>, table: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad table name ${table}`);
  const t = sql.raw(table);
  const column = sql.raw(table === 'organisations' ? 'id' : 'organisation_id');
  await sql`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE POLICY tenant_isolation ON ${t}
      USING (${column} = nullif(current_setting('emarge.organisation_id', true), '')::uuid)
      WITH CHECK (${column} = nullif(current_setting('emarge.organisation_id', true), '')::uuid)
  `.execute(db);
}
