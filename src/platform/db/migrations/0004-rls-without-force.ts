import { type Kysely, sql } from 'kysely';
import { APP_ROLE } from '../tenant-isolation.ts';
import { TENANT_TABLES } from './0002-tenant-isolation.ts';

/**
 * Tenant work runs as `emarge_app`, which owns nothing, so RLS applies to it
 * without FORCE. FORCE also subjected the connecting user (the table owner) to
 * the policies, which broke the deliberate cross-tenant steps of `withSystem`
 * (sign-in by email, mail delivery, job claiming) whenever the database user is
 * an ordinary owner rather than a superuser. The owner must also be a member of
 * `emarge_app` to switch to it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TENANT_TABLES) await sql`ALTER TABLE ${sql.raw(table)} NO FORCE ROW LEVEL SECURITY`.execute(db);
  await sql
    .raw(`
    DO $$ BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
      END IF;
    END $$;
  `)
    .execute(db);
}
