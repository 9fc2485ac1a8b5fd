import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { sessionHeaders } from '../../../test/factories.ts';
import { verifyPassword } from '../../platform/auth/password.ts';
import { DEMO_PASSWORD, mondayOf, seedDemo, seedDemoIfEmpty } from './seed-demo.ts';

const count = async (t: { db: TestContext['db'] }, table: 'organisations' | 'cohorts' | 'sessions' | 'enrolments' | 'modules') =>
  Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

/** Sessions of the demo's current program (the DWWM cohorts), apart from the simulated history. */
const currentSessions = async (db: TestContext['db']) =>
  Number((await db.selectFrom('sessions as s').innerJoin('cohorts as c', 'c.id', 's.cohort_id').select((eb) => eb.fn.countAll<number>().as('n')).where('c.name', 'like', 'DWWM%').executeTakeFirstOrThrow()).n);

describe('demo organisation seed', () => {
  let t: TestContext;
  let second: TestDatabase;
  before(async () => {
    t = await createTestContext({ now: '2026-03-04T10:00:00Z' });
    second = await createTestDatabase();
  });
  after(async () => {
    await t.close();
    await second.drop();
  });

  test('seeds once, with the documented content and logins', async () => {
    // No timing assertion here (speed lives in bench/): on a loaded 2-core CI machine seeding took 3.5 s.
    const result = await seedDemoIfEmpty(t.db, { now: t.clock.now() });
    assert.ok(result);
    assert.equal(result.organisation.slug, 'demo');
    assert.equal(result.organisation.name, 'Centre de formation Démo');
    assert.equal(await seedDemoIfEmpty(t.db, { now: t.clock.now() }), null, 'a second start does nothing');

    assert.equal(await count(t, 'organisations'), 1);
    // The current program (2 cohorts) plus the simulated history (seed-demo-history.ts: 10 cohorts of 15).
    assert.equal(await count(t, 'cohorts'), 2 + 10);
    assert.equal(await count(t, 'modules'), 4);
    assert.equal(await count(t, 'enrolments'), 30 + 150);
    // Week of Wednesday 2026-03-04 and the next: no public holiday → 2 cohorts × 10 weekdays × 2 half-days.
    assert.equal(await currentSessions(t.db), 40);
    const learners = await t.db.selectFrom('person_roles').select('person_id').where('role', '=', 'learner').execute();
    assert.equal(learners.length, 30 + 150);
    const outcomes = await t.db.selectFrom('enrolments').select('status').distinct().orderBy('status').execute();
    assert.deepEqual(outcomes.map((o) => o.status), ['active', 'completed', 'withdrawn']);
    const noPassword = await t.db.selectFrom('people as p').innerJoin('person_roles as r', 'r.person_id', 'p.id').select('p.password_hash').where('r.role', '=', 'learner').execute();
    assert.ok(noPassword.every((p) => p.password_hash === null), 'learners sign in by magic link');
    const emails = await t.db.selectFrom('people').select('email').execute();
    assert.ok(emails.every((e) => e.email.endsWith('@demo.emarge.test')));

    const staff = result.logins.filter((l) => l.password);
    assert.deepEqual(staff.map((l) => l.role), ['admin', 'manager', 'trainer', 'trainer']);
    for (const login of staff) {
      assert.equal(login.password, DEMO_PASSWORD);
      const row = await t.db.selectFrom('people').select('password_hash').where('email', '=', login.email).executeTakeFirstOrThrow();
      assert.equal(await verifyPassword(row.password_hash, DEMO_PASSWORD), true, login.email);
    }
    assert.ok(result.logins.some((l) => l.role === 'learner' && l.password === null));

    // Through the API: this week's Monday morning, each trainer sees their own cohort only.
    const trainer1 = await t.db.selectFrom('people').select('id').where('email', '=', 'trainer1@demo.emarge.test').executeTakeFirstOrThrow();
    const as = await sessionHeaders(t.db, result.organisation.id, trainer1.id);
    const res = await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-02&to=2026-03-15&limit=200', as });
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items.filter((i: { cohortName: string }) => i.cohortName.startsWith('DWWM'));
    assert.equal(items.length, 20);
    assert.deepEqual([items[0].date, items[0].startTime, items[0].endTime, items[0].cohortName], ['2026-03-02', '09:00', '12:30', 'DWWM — Groupe A']);
    const cohorts = await t.request({ method: 'GET', url: '/api/v1/cohorts', as });
    assert.deepEqual(cohorts.json().items.filter((c: { name: string }) => c.name.startsWith('DWWM')).map((c: { learnerCount: number; trainerIds: string[] }) => [c.learnerCount, c.trainerIds]), [[15, [trainer1.id]]]);
  });

  test('is deterministic given now, and skips public holidays (week of Ascension 2026)', async () => {
    assert.equal(mondayOf(new Date('2026-05-17T21:30:00Z')), '2026-05-11', 'Sunday 23:30 in Paris is still that week');
    assert.equal(mondayOf(new Date('2026-05-17T22:30:00Z')), '2026-05-18', 'Monday 00:30 in Paris is the next week');
    await seedDemo(second.db, { now: new Date('2026-05-13T09:00:00Z') });
    const n = await currentSessions(second.db);
    assert.equal(n, 36, '2 cohorts × (20 half-days − Thursday 14 May)');
    const names = (db: TestContext['db']) => db.selectFrom('people').select(['email', 'given_name', 'family_name']).orderBy('email').execute();
    assert.deepEqual(await names(second.db), await names(t.db));
    const dates = await second.db.selectFrom('sessions as s').innerJoin('cohorts as c', 'c.id', 's.cohort_id').select('s.date').where('c.name', 'like', 'DWWM%').distinct().orderBy('s.date').execute();
    assert.equal(dates[0]!.date, '2026-05-11');
    assert.ok(!dates.some((d) => d.date === '2026-05-14'));
  });
});
