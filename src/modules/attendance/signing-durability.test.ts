import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, TEST_DB_KIND } from '../../../test/database.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';
import { freePort, NODE, ROOT, startServer, stopServer } from '../../../test/server-process.ts';
import type { DatabaseConfig } from '../../config.ts';
import { createDatabase } from '../../platform/db/database.ts';
import { migrateOrThrow } from '../../platform/db/migrate.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { localParts } from '../catalogue/session-time.ts';
import { sampleStrokes } from './attendance-test-fixtures.ts';
import { createSigningLink } from './create-signing-link.ts';

/**
 * Nothing acknowledged is ever lost: the real server (bin/emarge.js serve) on
 * PGlite in a data folder (or PostgreSQL with EMARGE_TEST_DB=postgres) takes a
 * burst of 200 concurrent signings by personal link, is killed with SIGKILL in
 * the middle, restarted, and every signature that got its 201 must be there,
 * and `emarge verify` must pass.
 */
const LEARNERS = 200;

let dataDir: string | null = null;
let dbEnv: Record<string, string>;
let dbConfig: DatabaseConfig;
let dropDb: (() => Promise<void>) | null = null;
let server: ChildProcess | null = null;

let fixture: { orgSlug: string; sessionId: string; tokens: { personId: string; token: string }[] };

before(async () => {
  let config: DatabaseConfig;
  if (TEST_DB_KIND === 'postgres') {
    const database = await createTestDatabase();
    config = database.config;
    await database.db.destroy();
    dbEnv = { DATABASE_URL: (config as { url: string }).url, DATABASE_POOL_SIZE: '10' };
    dropDb = async () => {
      const pg = (await import('pg')).default;
      const name = new URL((config as { url: string }).url).pathname.slice(1);
      const c = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'emarge-durability-'));
    // The server keeps PGlite in DATA_DIR/pglite (see src/config.ts).
    config = { kind: 'pglite', dataDir: join(dataDir, 'pglite') };
    dbEnv = { DATA_DIR: dataDir, DATABASE_URL: '' };
  }
  dbConfig = config;
  const db = createDatabase(config);
  await migrateOrThrow(db);
  const org = await makeOrganisationWithStaff(db);
  const orgId = org.organisation.id;
  const program = await db.insertInto('programs').values({ organisation_id: orgId, title: 'Durability' }).returning('id').executeTakeFirstOrThrow();
  const cohort = await db.insertInto('cohorts').values({ organisation_id: orgId, program_id: program.id, name: 'Burst' }).returning('id').executeTakeFirstOrThrow();
  const learners: { id: string }[] = [];
  for (let i = 0; i < LEARNERS; i++) learners.push(await makePerson(db, orgId, ['learner'], { givenName: 'Burst', familyName: `Learner ${i}` }));
  await db.insertInto('enrolments').values(learners.map((l) => ({ organisation_id: orgId, cohort_id: cohort.id, person_id: l.id }))).execute();
  // A session running now (real time: the server uses the system clock).
  const startsAt = new Date(Date.now() - 10 * 60_000);
  const endsAt = new Date(Date.now() + 60 * 60_000);
  const session = await db
    .insertInto('sessions')
    .values({ organisation_id: orgId, cohort_id: cohort.id, date: localParts(startsAt, 'Europe/Paris').date, half_day: 'am', starts_at: startsAt, ends_at: endsAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  const tokens = await withTenant(db, orgId, async (trx) => {
    const out = [];
    for (const l of learners) {
      const { token } = await createSigningLink(trx, { organisationId: orgId, sessionId: session.id, personId: l.id, expiresAt: new Date(Date.now() + 3600_000), publicUrl: 'http://x' });
      out.push({ personId: l.id, token });
    }
    return out;
  });
  fixture = { orgSlug: org.organisation.slug, sessionId: session.id, tokens };
  await db.destroy();
});

after(async () => {
  if (server) await stopServer(server, 'SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (dropDb) await dropDb().catch(() => undefined);
});

test(`SIGKILL during a burst of ${LEARNERS} signings: every acknowledged signature survives and verify passes`, { timeout: 240_000 }, async () => {
  const port = await freePort();
  server = await startServer(port, dbEnv);
  const base = `http://127.0.0.1:${port}/api/v1`;
  const acked = new Map<string, string>();
  let killed = false;
  const failures: string[] = [];
  const killAfter = Math.floor(LEARNERS / 3);
  const sign = async (token: string) => {
    const res = await fetch(`${base}/sign/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, strokes: sampleStrokes() }) });
    return { status: res.status, body: (await res.json()) as { signatureId: string; personId: string } };
  };
  const first = server;
  await Promise.all(
    fixture.tokens.map(async ({ token, personId }) => {
      try {
        const { status, body } = await sign(token);
        if (status === 201 || status === 200) {
          assert.equal(body.personId, personId);
          acked.set(personId, body.signatureId);
        } else failures.push(`${status} ${JSON.stringify(body).slice(0, 300)}`);
        if (acked.size >= killAfter && !killed) {
          killed = true;
          first.kill('SIGKILL');
        }
      } catch {
        /* the server died under this request: not acknowledged */
      }
    }),
  );
  await stopServer(first, 'SIGKILL');
  assert.ok(killed, `the server was killed in the middle of the burst (${acked.size} acknowledged; ${failures.slice(0, 3).join(' | ')})`);
  assert.ok(acked.size >= killAfter && acked.size < LEARNERS, `acknowledged ${acked.size} of ${LEARNERS} before the kill`);

  // Restart: every acknowledged signature is there; signing again returns the same proof.
  server = await startServer(port, dbEnv);
  let replayed = 0;
  let fresh = 0;
  await Promise.all(
    fixture.tokens.map(async ({ token, personId }) => {
      const { status, body } = await sign(token);
      assert.ok(status === 200 || status === 201, `${status} ${JSON.stringify(body)}`);
      if (acked.has(personId)) {
        assert.equal(status, 200, `acknowledged signature of ${personId} lost`);
        assert.equal(body.signatureId, acked.get(personId));
        replayed++;
      } else fresh++;
    }),
  );
  assert.equal(replayed, acked.size);
  console.log(`durability (${TEST_DB_KIND}): ${acked.size} of ${LEARNERS} acknowledged before SIGKILL, all found after restart; ${fresh} signed after restart`);
  assert.equal(replayed + fresh, LEARNERS);
  await stopServer(server, 'SIGTERM');
  server = null;

  const verify = spawnSync(NODE, [join(ROOT, 'bin/emarge.js'), 'verify', '--org', fixture.orgSlug], { cwd: ROOT, env: { ...process.env, ...dbEnv, LOG_LEVEL: 'error' }, encoding: 'utf8' });
  assert.equal(verify.status, 0, `${verify.stdout}\n${verify.stderr}`);
  assert.match(verify.stdout, new RegExp(`^OK ${fixture.orgSlug}: \\d+ sealed entries`, 'm'));
  const counts = /OK \S+: (\d+) sealed entries in \d+ batches, (\d+) unsealed/.exec(verify.stdout)!;
  assert.ok(Number(counts[1]) + Number(counts[2]) >= LEARNERS, verify.stdout);

  // An attacker with database access changes one signing's IP, bypassing the append-only trigger: verify names that entry.
  const db = createDatabase(dbConfig);
  const victim = await db.selectFrom('evidence_entries').select(['id']).where('type', '=', 'attendance.signed').orderBy('recorded_at').offset(10).limit(1).executeTakeFirstOrThrow();
  await sql`ALTER TABLE evidence_entries DISABLE TRIGGER evidence_entries_seal_only`.execute(db);
  await sql`UPDATE evidence_entries SET payload = jsonb_set(payload, '{ip}', '"198.51.100.7"') WHERE id = ${victim.id}`.execute(db);
  await sql`ALTER TABLE evidence_entries ENABLE TRIGGER evidence_entries_seal_only`.execute(db);
  await db.destroy();
  const caught = spawnSync(NODE, [join(ROOT, 'bin/emarge.js'), 'verify'], { cwd: ROOT, env: { ...process.env, ...dbEnv, LOG_LEVEL: 'error' }, encoding: 'utf8' });
  assert.equal(caught.status, 1, `${caught.stdout}\n${caught.stderr}`);
  assert.match(caught.stdout, new RegExp(`TAMPERED ${fixture.orgSlug}: .*${victim.id}`));
  assert.match(caught.stdout, new RegExp(`first entry that no longer matches: ${victim.id}`));
});
