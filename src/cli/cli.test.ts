import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_DB_KIND, createTestDatabase } from '../../test/database.ts';
import { importCounts, makeCohort } from '../../test/import-fixtures.ts';
import { verifyPassword } from '../platform/auth/password.ts';
import { createDatabase, type Db } from '../platform/db/database.ts';
import { main } from './main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/imports');

/**
 * The `emarge` command run in-process (`main([...])`) against its own database:
 * a PGlite data folder in DATA_DIR, or a fresh PostgreSQL database in
 * DATABASE_URL when EMARGE_TEST_DB=postgres. Between commands the test opens
 * the same database to arrange and check rows (PGlite allows one opener at a time).
 */
describe('emarge CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'emarge-cli-'));
  let dropPostgres: (() => Promise<void>) | null = null;
  let openDb: () => Db;

  before(async () => {
    process.env.LOG_LEVEL = 'silent';
    process.env.DATA_DIR = dataDir;
    if (TEST_DB_KIND === 'postgres') {
      const database = await createTestDatabase();
      const url = (database.config as { url: string }).url;
      process.env.DATABASE_URL = url;
      await database.db.destroy();
      openDb = () => createDatabase({ kind: 'postgres', url, poolSize: 2 });
      dropPostgres = async () => {
        const pg = (await import('pg')).default;
        const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
        await admin.end();
      };
    } else {
      delete process.env.DATABASE_URL;
      openDb = () => createDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
    }
  });
  after(async () => {
    await dropPostgres?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = openDb();
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }

  /** Runs main() capturing what it prints. */
  async function emarge(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    console.error = (...a: unknown[]) => void err.push(a.join(' '));
    try {
      const code = await main(argv);
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      console.log = log;
      console.error = error;
    }
  }

  let organisationId: string;

  test('create-org migrates, creates the organisation and its admin, and prints a generated password once', async () => {
    const res = await emarge('create-org', '--slug', 'cfa-test', '--name', 'CFA des Tests', '--admin-email', 'Direction@Exemple.fr', '--admin-given-name', 'Hélène', '--admin-family-name', 'Garnier');
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /Organisation "CFA des Tests" created: slug cfa-test/);
    const password = /Password: (\S+)/.exec(res.out)?.[1];
    assert.ok(password && password.length >= 16, res.out);
    await withDb(async (db) => {
      const org = await db.selectFrom('organisations').selectAll().where('slug', '=', 'cfa-test').executeTakeFirstOrThrow();
      organisationId = org.id;
      assert.equal(org.timezone, 'Europe/Paris');
      const admin = await db.selectFrom('people').selectAll().where('organisation_id', '=', org.id).executeTakeFirstOrThrow();
      assert.deepEqual([admin.email, admin.given_name, admin.family_name], ['direction@exemple.fr', 'Hélène', 'Garnier']);
      assert.ok(await verifyPassword(admin.password_hash, password!), 'the printed password signs in');
      const roles = await db.selectFrom('person_roles').select('role').where('person_id', '=', admin.id).execute();
      assert.deepEqual(roles.map((r) => r.role), ['admin']);
    });

    const again = await emarge('create-org', '--slug', 'cfa-test', '--name', 'Other', '--admin-email', 'x@exemple.fr');
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);
  });

  test('create-org usage errors: unknown option, missing option, bad slug, short password → exit 2 with the usage', async () => {
    for (const [args, message] of [
      [['--slug', 'a-b', '--colour', 'red'], /Unknown option '--colour'/],
      [['--slug', 'a-b'], /Missing --name, --admin-email/],
      [['--slug', 'Bad Slug', '--name', 'N', '--admin-email', 'a@b.fr'], /--slug "Bad Slug" must be/],
      [['--slug', 'ok-slug', '--name', 'N', '--admin-email', 'a@b.fr', '--admin-password', 'short'], /--admin-password must be at least 10 characters/],
      [['--slug', 'ok-slug', '--name', 'N', '--admin-email', 'a@b.fr', '--timezone', 'Mars/Olympus'], /not an IANA time zone/],
    ] as const) {
      const res = await emarge('create-org', ...args);
      assert.equal(res.code, 2, `${args.join(' ')} → ${res.err}`);
      assert.match(res.err, message);
      assert.match(res.err, /Usage: emarge create-org/);
    }
    const help = await emarge('create-org', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /--admin-email EMAIL/);
  });

  test('import learners: preview writes nothing, --commit imports, a bad file exits 1 with line and column', async () => {
    const cohort = await withDb(async (db) => (await makeCohort(db, organisationId, { name: 'Promo Printemps 2026' })).cohort);
    const before = await withDb(importCounts);
    const file = join(FIXTURES, 'learners-utf8.csv');

    const preview = await emarge('import', 'learners', file, '--org', 'cfa-test', '--cohort', 'promo printemps 2026');
    assert.equal(preview.code, 0, preview.err);
    assert.match(preview.out, /Preview of learners-utf8.csv → learners of cohort "Promo Printemps 2026" \(delimiter ",", 30 lines\)/);
    assert.match(preview.out, /LINE\s+STATUS\s+EMAIL\s+FIRST_NAME\s+LAST_NAME\s+PHONE\s+EXTERNAL_REF/);
    assert.match(preview.out, /\n2\s+create\s+elodie\.lefevre@exemple\.fr\s+Élodie\s+Lefèvre\s+STG-001/);
    assert.match(preview.out, /30 lines: 30 to create, 0 to update, 0 with errors\./);
    assert.match(preview.out, /Dry run: nothing was written/);
    assert.deepEqual(await withDb(importCounts), before);

    const commit = await emarge('import', 'learners', file, '--org', 'cfa-test', '--cohort', cohort.id, '--commit');
    assert.equal(commit.code, 0, commit.err);
    assert.match(commit.out, /30 learners created, 0 updated, 30 newly enrolled/);
    await withDb(async (db) => {
      const enrolled = await db.selectFrom('enrolments').select('id').where('cohort_id', '=', cohort.id).execute();
      assert.equal(enrolled.length, 30);
      const audit = await db.selectFrom('audit_events').select(['type', 'actor_type']).where('subject_id', '=', cohort.id).execute();
      assert.deepEqual(audit, [{ type: 'import.completed', actor_type: 'system' }]);
    });

    const bad = await emarge('import', 'learners', join(FIXTURES, 'learners-bad-lines.csv'), '--org', 'cfa-test', '--cohort', cohort.id);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /line 3, column email: "pas-un-email" is not a valid email address/);
    assert.match(bad.out, /line 8: has 3 fields where the header has 4/);

    const afterCommit = await withDb(importCounts);
    const refused = await emarge('import', 'learners', join(FIXTURES, 'learners-duplicate-emails.csv'), '--org', 'cfa-test', '--cohort', cohort.id, '--commit');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /nothing was imported/);
    assert.match(refused.err, /line 2, column email: appears more than once in the file \(also on line\(s\) 4\)/);
    assert.deepEqual(await withDb(importCounts), afterCommit);

    const encoding = await emarge('import', 'learners', join(FIXTURES, 'learners-windows-1252.csv'), '--org', 'cfa-test', '--cohort', cohort.id);
    assert.equal(encoding.code, 1);
    assert.match(encoding.err, /not valid UTF-8.*windows-1252/);
    const converted = await emarge('import', 'learners', join(FIXTURES, 'learners-windows-1252.csv'), '--org', 'cfa-test', '--cohort', cohort.id, '--encoding', 'windows-1252');
    assert.equal(converted.code, 0, converted.err);
    assert.match(converted.out, /François\s+Lefèvre/);
  });

  test('import sessions: preview and commit, then the same file again creates nothing', async () => {
    await withDb(async (db) => {
      const trainer = await db.insertInto('people').values({ organisation_id: organisationId, email: 'formatrice@exemple.fr', given_name: 'Ada', family_name: 'Lovelace' }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('person_roles').values([{ organisation_id: organisationId, person_id: trainer.id, role: 'trainer' }]).execute();
      await db.insertInto('people').values({ organisation_id: organisationId, email: 'formateur2@exemple.fr', given_name: 'Alan', family_name: 'Turing' }).execute();
    });
    const file = join(FIXTURES, 'sessions-valid.csv');
    const partialTrainers = await emarge('import', 'sessions', file, '--org', 'cfa-test', '--cohort', 'Promo Printemps 2026');
    assert.equal(partialTrainers.code, 1, 'formateur2 is not a trainer yet');
    assert.match(partialTrainers.out, /line 5, column trainer_email: "formateur2@exemple.fr" is not a trainer of the organisation/);
    await withDb(async (db) => {
      const p = await db.selectFrom('people').select('id').where('email', '=', 'formateur2@exemple.fr').executeTakeFirstOrThrow();
      await db.insertInto('person_roles').values({ organisation_id: organisationId, person_id: p.id, role: 'trainer' }).execute();
    });
    const commit = await emarge('import', 'sessions', file, '--org', 'cfa-test', '--cohort', 'Promo Printemps 2026', '--commit');
    assert.equal(commit.code, 0, commit.err + commit.out);
    assert.match(commit.out, /5 sessions created, 0 already planned/);
    const again = await emarge('import', 'sessions', file, '--org', 'cfa-test', '--cohort', 'Promo Printemps 2026');
    assert.equal(again.code, 0);
    assert.match(again.out, /5 lines: 0 to create, 5 already planned, 0 with errors/);
  });

  test('import usage errors exit 2: unknown option, unknown kind, missing file, unknown organisation or cohort', async () => {
    const file = join(FIXTURES, 'learners-utf8.csv');
    for (const [args, message] of [
      [['learners', file, '--org', 'cfa-test', '--cohort', 'x', '--force'], /Unknown option '--force'/],
      [['teachers', file, '--org', 'cfa-test', '--cohort', 'x'], /Cannot import "teachers"/],
      [['learners', '--org', 'cfa-test', '--cohort', 'x'], /Give the CSV file/],
      [['learners', join(FIXTURES, 'nope.csv'), '--org', 'cfa-test', '--cohort', 'x'], /Cannot read the file/],
      [['learners', file, '--cohort', 'x'], /Missing --org/],
      [['learners', file, '--org', 'cfa-test', '--cohort', 'x', '--encoding', 'latin-9'], /--encoding must be utf-8 or windows-1252/],
      [['learners', file, '--org', 'nowhere', '--cohort', 'x'], /No organisation with slug "nowhere"/],
      [['learners', file, '--org', 'cfa-test', '--cohort', 'Promo Automne'], /No cohort "Promo Automne" in CFA des Tests\. Cohorts: "Promo Printemps 2026"/],
    ] as const) {
      const res = await emarge('import', ...args);
      assert.equal(res.code, 2, `${args.join(' ')} → ${res.err}`);
      assert.match(res.err, message);
    }
  });

  test('seed-demo creates the demo organisation beside the others and prints its logins; a second run changes nothing', async () => {
    const first = await emarge('seed-demo');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /Demo organisation ".+" \(slug: demo\) created/);
    assert.match(first.out, /admin\s+admin@demo\.emarge\.test\s+password: /);
    const counts = await withDb(importCounts);
    const second = await emarge('seed-demo');
    assert.equal(second.code, 0);
    assert.match(second.out, /already exists; nothing was changed/);
    assert.deepEqual(await withDb(importCounts), counts);
    assert.equal((await emarge('seed-demo', 'now')).code, 2);
  });

  test('sessions generate: preview writes nothing, --commit creates the half-days skipping a public holiday, a re-run creates nothing', async () => {
    // Runs after seed-demo: the demo cohort "DWWM — Groupe A" exists. The week of 2026-05-11 holds Ascension (Thursday 14 May).
    const args = ['sessions', 'generate', '--org', 'demo', '--cohort', 'DWWM — Groupe A', '--from', '2026-05-11', '--weeks', '1'] as const;
    const count = () =>
      withDb(async (db) =>
        Number(
          (
            await db
              .selectFrom('sessions')
              .innerJoin('cohorts', (j) => j.onRef('cohorts.organisation_id', '=', 'sessions.organisation_id').onRef('cohorts.id', '=', 'sessions.cohort_id'))
              .innerJoin('organisations', 'organisations.id', 'sessions.organisation_id')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('organisations.slug', '=', 'demo')
              .where('cohorts.name', '=', 'DWWM — Groupe A')
              .where('sessions.date', '>=', '2026-05-11')
              .where('sessions.date', '<=', '2026-05-17')
              .executeTakeFirstOrThrow()
          ).n,
        ),
      );
    const preview = await emarge(...args);
    assert.equal(preview.code, 0, preview.err);
    assert.match(preview.out, /8 session\(s\) would be created, 2 skipped/);
    assert.match(preview.out, /skipped 2026-05-14 am: public holiday \(Ascension\)/);
    assert.equal(await count(), 0);
    const created = await emarge(...args, '--commit');
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /Created 8 session\(s\)/);
    assert.equal(await count(), 8);
    const again = await emarge(...args, '--commit');
    assert.match(again.out, /Created 0 session\(s\).*10 skipped/);
    assert.equal(await count(), 8);
    assert.equal((await emarge('sessions', 'generate', '--org', 'demo', '--cohort', 'DWWM — Groupe A', '--from', '2026-05-11', '--weeks', '99')).code, 2);
    assert.equal((await emarge('sessions', 'generate', '--org', 'demo', '--cohort', 'DWWM — Groupe A', '--from', '2026-05-11', '--weeks', '1', '--weekdays', '0-9')).code, 2);
  });

  test('the installed launcher: --help lists the commands; a bad option exits 2; a file with errors exits 1', () => {
    const env = { ...process.env, LOG_LEVEL: 'silent' };
    const node = join(ROOT, 'node_modules/.bin/node');
    const help = spawnSync(node, ['bin/emarge.js', '--help'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(help.status, 0);
    for (const name of ['create-org', 'import', 'migrate', 'seed-demo', 'serve', 'sessions']) assert.match(help.stdout, new RegExp(`\\n  ${name}\\s`));
    const bad = spawnSync(node, ['bin/emarge.js', 'import', 'learners', 'x.csv', '--org'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Option '--org <value>' argument missing/);
    const tooBig = join(dataDir, 'big.csv');
    writeFileSync(tooBig, `email,first_name,last_name\n${'a@exemple.fr,A,B\n'.repeat(700_000)}`);
    const big = spawnSync(node, ['bin/emarge.js', 'import', 'learners', tooBig, '--org', 'cfa-test', '--cohort', 'Promo Printemps 2026'], { cwd: ROOT, env, encoding: 'utf8' });
    assert.equal(big.status, 1, big.stderr);
    assert.match(big.stderr, /files up to 10 MB can be imported/);
  });
});
