import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';
import { APP_ROLE, enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Row-Level Security. Tenant work runs inside `withTenant()`, which switches to
 * the unprivileged role `emarge_app` and sets `emarge.organisation_id` for the
 * transaction; the policies below then hide every other organisation's rows, so
 * a query that forgets its WHERE clause still cannot leak them.
 */
export const TENANT_TABLES = [
  'organisations',
  'people',
  'person_roles',
  'programs',
  'modules',
  'cohorts',
  'cohort_trainers',
  'enrolments',
  'sessions',
  'session_trainers',
  'auth_sessions',
  'magic_links',
  'api_keys',
  'audit_events',
  'outbox_mails',
  'idempotency_keys',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Roles are cluster-wide: several databases (tests) may race to create it.
  await sql.raw(`
    DO $$ BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;
  `).execute(db);
  await execScript(
    db,
    `
    GRANT USAGE ON SCHEMA public TO ${APP_ROLE};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE};
    REVOKE UPDATE, DELETE ON audit_events FROM ${APP_ROLE};
    REVOKE ALL ON jobs FROM ${APP_ROLE};
  `,
  );
  for (const table of TENANT_TABLES) await enableTenantIsolation(db, table);
}
