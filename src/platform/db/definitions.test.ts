import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { applyDefinitions, DEFINITIONS, readDefinitions } from './definitions.ts';
import { migrateOrThrow } from './migrate.ts';

/** The signing functions have one text each (definitions/*.sql), applied after the migrations when their hash changes. */
describe('SQL definitions: one text per function, re-applied when it changes', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.drop());

  const recorded = async () => (await sql<{ name: string; sha256: string }>`SELECT name, sha256 FROM emarge_sql_definitions ORDER BY name`.execute(t.db)).rows;
  const bodyOf = async (name: string) => (await sql<{ prosrc: string }>`SELECT prosrc FROM pg_proc WHERE proname = ${name}`.execute(t.db)).rows.map((r) => r.prosrc);

  test('a migrated database runs exactly the text of each file, and records its hash', async () => {
    const files = readDefinitions();
    assert.deepEqual(await recorded(), files.map((d) => ({ name: d.name, sha256: d.sha256 })).sort((a, b) => a.name.localeCompare(b.name)));
    for (const d of files) {
      const body = /AS \$\$([\s\S]*)\$\$;\s*$/.exec(d.text)?.[1];
      assert.ok(body, d.name);
      assert.deepEqual(await bodyOf(d.name), [body], `${d.name}: one function, with the file's body`);
    }
    // The single-row write of migration 0016 is gone: every signing goes through emarge_write_signatures.
    assert.deepEqual(await bodyOf('emarge_write_signature'), []);
  });

  test('a definition whose recorded hash differs is applied again, once; unchanged ones are left alone', async () => {
    await sql`CREATE OR REPLACE FUNCTION emarge_write_signatures(p_organisation_id uuid, p_rows jsonb) RETURNS SETOF uuid LANGUAGE sql AS $$ SELECT NULL::uuid WHERE false $$`.execute(t.db);
    await sql`UPDATE emarge_sql_definitions SET sha256 = 'stale' WHERE name = 'emarge_write_signatures'`.execute(t.db);
    assert.deepEqual(await applyDefinitions(t.db as never), ['emarge_write_signatures']);
    const file = readDefinitions().find((d) => d.name === 'emarge_write_signatures')!;
    assert.ok((await bodyOf('emarge_write_signatures'))[0]!.includes('jsonb_to_recordset'));
    assert.equal((await recorded()).find((r) => r.name === 'emarge_write_signatures')?.sha256, file.sha256);
    assert.deepEqual(await applyDefinitions(t.db as never), []);
    // migrate says what it applied: nothing now.
    assert.deepEqual(await migrateOrThrow(t.db), []);
    assert.equal(DEFINITIONS.length, (await recorded()).length);
  });
});
