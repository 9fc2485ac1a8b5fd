import { type Transaction, sql } from 'kysely';
import { applyCommitFence } from './commit-fence.ts';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import { APP_ROLE } from './tenant-isolation.ts';

export type Tx = Transaction<Database>;

/**
 * Runs `fn` in one transaction scoped to an organisation: the transaction runs
 * as the unprivileged role `emarge_app` with `emarge.organisation_id` set, so
 * Row-Level Security hides and protects every other organisation's rows.
 * Use-cases do all tenant work through this.
 */
export async function withTenant<T>(db: Db, organisationId: string, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('emarge.organisation_id', ${organisationId}, true), set_config('role', ${APP_ROLE}, true)`.execute(trx);
    const result = await fn(trx);
    await applyCommitFence(trx);
    return result;
  });
}

/**
 * Runs `fn` in one transaction with the connection's own privileges, across
 * organisations. Only for work that has no tenant yet or spans all of them:
 * migrations, seeding, sign-in lookups by email or token, job claiming.
 */
export async function withSystem<T>(db: Db, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const result = await fn(trx);
    await applyCommitFence(trx);
    return result;
  });
}
