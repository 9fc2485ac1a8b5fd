import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../src/platform/db/database.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { withSystem, withTenant } from '../src/platform/db/tenant.ts';
import { createTestDatabase, TEST_DB_KIND } from './database.ts';
import { makeOrganisation } from './factories.ts';

test('RLS hides and protects other organisations rows inside withTenant; withSystem sees all', async () => {
  const t = await createTestDatabase();
  try {
    await checkIsolation(t.db);
  } finally {
    await t.drop();
  }
});

// PGlite has a single superuser; a production server usually has an ordinary owner.
test('the same holds when the database user is an ordinary owner, not a superuser', { skip: TEST_DB_KIND !== 'postgres' && 'PostgreSQL only' }, async () => {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const suffix = randomBytes(4).toString('hex');
  const role = `emarge_owner_${suffix}`;
  const dbName = `emarge_owned_${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN CREATEROLE`);
  await admin.query(`CREATE DATABASE ${dbName} OWNER ${role}`);
  const url = new URL(adminUrl);
  url.username = role;
  url.pathname = `/${dbName}`;
  const db = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  try {
    await migrateOrThrow(db);
    const { rows } = await sql<{ rolsuper: boolean }>`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`.execute(db);
    assert.equal(rows[0]?.rolsuper, false);
    await checkIsolation(db);
  } finally {
    await db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
});

async function checkIsolation(db: ReturnType<typeof createDatabase>) {
  const a = await makeOrganisation(db);
  const b = await makeOrganisation(db);
  await db.insertInto('programs').values([{ organisation_id: a.id, title: 'A1' }, { organisation_id: b.id, title: 'B1' }]).execute();

  // No WHERE clause at all: RLS alone narrows the rows.
  const seenByA = await withTenant(db, a.id, (trx) => trx.selectFrom('programs').select('title').execute());
  assert.deepEqual(seenByA.map((r) => r.title), ['A1']);
  const orgsSeenByA = await withTenant(db, a.id, (trx) => trx.selectFrom('organisations').select('id').execute());
  assert.deepEqual(orgsSeenByA.map((r) => r.id), [a.id]);

  await assert.rejects(
    withTenant(db, a.id, (trx) => trx.insertInto('programs').values({ organisation_id: b.id, title: 'smuggled' }).execute()),
    /row-level security/,
  );
  const updated = await withTenant(db, a.id, (trx) => trx.updateTable('programs').set({ title: 'hijacked' }).where('organisation_id', '=', b.id).executeTakeFirst());
  assert.equal(Number(updated.numUpdatedRows), 0);
  const deleted = await withTenant(db, a.id, (trx) => trx.deleteFrom('programs').executeTakeFirst());
  assert.equal(Number(deleted.numDeletedRows), 1, 'only A’s own row');

  const all = await withSystem(db, (trx) => trx.selectFrom('programs').select('title').execute());
  assert.deepEqual(all.map((r) => r.title), ['B1']);

  // The audit log is append-only, for the app role and for everyone else.
  await withTenant(db, a.id, (trx) =>
    trx.insertInto('audit_events').values({ organisation_id: a.id, type: 'program.created', actor_type: 'system', payload: '{}' }).execute(),
  );
  await assert.rejects(withTenant(db, a.id, (trx) => trx.deleteFrom('audit_events').execute()), /permission denied|append-only/);
  await assert.rejects(withSystem(db, (trx) => trx.updateTable('audit_events').set({ type: 'x' }).execute()), /append-only/);
}
