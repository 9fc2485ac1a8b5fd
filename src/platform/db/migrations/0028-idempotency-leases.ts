import { type Kysely, sql } from 'kysely';

/**
 * Idempotency keys held by a lease instead of for ever: the request that claimed a key renews
 * `lease_expires_at` while it runs; once a crashed process stops renewing it, a retry takes the key over.
 * `committed_at` is written inside the request's own transaction (the commit fence), so a retry knows
 * whether the change committed. A key left pending before this migration has no lease: it counts as expired.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE idempotency_keys
      ADD COLUMN lease_owner uuid,
      ADD COLUMN lease_expires_at timestamptz,
      ADD COLUMN committed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys DROP COLUMN lease_owner, DROP COLUMN lease_expires_at, DROP COLUMN committed_at`.execute(db);
}
