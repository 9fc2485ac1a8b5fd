import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson, sessionHeaders } from '../../../test/factories.ts';

describe('sessions API', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let programId: string;
  let cohortId: string;
  let otherCohortId: string;
  let moduleId: string;
  const count = async (cohort: string) => Number((await t.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('cohort_id', '=', cohort).executeTakeFirstOrThrow()).n);

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
    programId = (await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Développeur web' } })).json().id;
    moduleId = (await t.request({ method: 'POST', url: `/api/v1/programs/${programId}/modules`, as: org.as.admin, payload: { title: 'JavaScript' } })).json().id;
    cohortId = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'A' } })).json().id;
    otherCohortId = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'B' } })).json().id;
    await t.request({ method: 'PUT', url: `/api/v1/cohorts/${cohortId}/trainers`, as: org.as.admin, payload: { trainerIds: [org.trainer.id] } });
    await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohortId}/enrolments`, as: org.as.admin, payload: { personId: org.learner.id } });
  });
  after(() => t.close());

  test('create: local times in the organisation time zone, cohort trainers by default, one session per half-day', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId, moduleId, date: '2026-03-03', startTime: '09:00', endTime: '12:30', location: 'Salle 2' } });
    assert.equal(res.statusCode, 201, res.body);
    const s = res.json();
    assert.equal(s.halfDay, 'am');
    assert.equal(s.startsAt, '2026-03-03T08:00:00.000Z');
    assert.equal(s.endsAt, '2026-03-03T11:30:00.000Z');
    assert.deepEqual([s.date, s.startTime, s.endTime, s.timezone], ['2026-03-03', '09:00', '12:30', 'Europe/Paris']);
    assert.deepEqual([s.cohortName, s.programTitle, s.moduleTitle], ['A', 'Développeur web', 'JavaScript']);
    assert.deepEqual(s.trainerIds, [org.trainer.id]);
    assert.equal(s.holiday, null);
    assert.equal(s.status, 'planned');

    const dup = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.manager, payload: { cohortId, date: '2026-03-03', startTime: '10:00', endTime: '12:00' } });
    assert.equal(dup.statusCode, 409, dup.body);
    assert.equal(dup.json().code, 'duplicate');
    const pm = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.apiKey, payload: { cohortId, date: '2026-03-03', startTime: '13:30', endTime: '17:00', trainerIds: [] } });
    assert.equal(pm.statusCode, 201, pm.body);
    assert.equal(pm.json().halfDay, 'pm');
    assert.deepEqual(pm.json().trainerIds, []);

    // A session dated on a public holiday says so.
    const holiday = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId: otherCohortId, date: '2026-05-14', startTime: '09:00', endTime: '12:00' } });
    assert.equal(holiday.json().holiday, 'Ascension');

    for (const as of [org.as.trainer, org.as.learner]) {
      assert.equal((await t.request({ method: 'POST', url: '/api/v1/sessions', as, payload: { cohortId, date: '2026-03-04', startTime: '09:00', endTime: '12:00' } })).statusCode, 403);
    }
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', s.id).execute();
    assert.deepEqual(audit.map((a) => a.type), ['session.created']);
  });

  test('bad input: impossible dates and times, end before start, DST gap, unknown fields, foreign ids', async () => {
    const before = await count(cohortId);
    const base = { cohortId, date: '2026-03-10', startTime: '09:00', endTime: '12:00' };
    const cases: Array<{ payload: unknown; path: string; status?: number }> = [
      { payload: { ...base, startTime: '25:00' }, path: 'body.startTime' },
      { payload: { ...base, endTime: '12:60' }, path: 'body.endTime' },
      { payload: { ...base, date: '2026-02-30' }, path: 'body.date' },
      { payload: { ...base, date: '10/03/2026' }, path: 'body.date' },
      { payload: { ...base, startTime: '14:00', endTime: '12:00' }, path: 'body.endTime' },
      { payload: { ...base, date: '2026-03-29', startTime: '02:30', endTime: '04:00' }, path: 'body.startTime' },
      { payload: { ...base, room: 'x' }, path: 'body' },
      { payload: { ...base, capacity: 0 }, path: 'body.capacity' },
      { payload: { ...base, capacity: '12' }, path: 'body.capacity' },
      { payload: { ...base, remoteUrl: 'javascript:alert(1)' }, path: 'body.remoteUrl' },
      { payload: { ...base, trainerIds: [org.learner.id] }, path: 'body.trainerIds.0' },
      { payload: { ...base, cohortId: other.organisation.id }, path: 'body.cohortId', status: 404 },
    ];
    for (const c of cases) {
      const res = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: c.payload as never });
      assert.equal(res.statusCode, c.status ?? 400, `${JSON.stringify(c.payload)} → ${res.body}`);
      assert.ok(res.json().errors?.some((e: { path: string }) => e.path === c.path), `${c.path} in ${res.body}`);
    }
    // A module of another program is refused.
    const otherProgram = (await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Other' } })).json().id;
    const otherModule = (await t.request({ method: 'POST', url: `/api/v1/programs/${otherProgram}/modules`, as: org.as.admin, payload: { title: 'M' } })).json().id;
    const wrongModule = await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { ...base, moduleId: otherModule } });
    assert.equal(wrongModule.statusCode, 400);
    assert.equal(await count(cohortId), before);

    const ranges: Array<[string, string]> = [
      ['?from=2026-03-01&to=2026-05-03', 'querystring.to'],
      ['?from=2026-03-10&to=2026-03-01', 'querystring.to'],
      ['?from=2026-02-30&to=2026-03-05', 'querystring.from'],
      ['?to=2026-03-05', 'querystring.from'],
    ];
    for (const [qs, path] of ranges) {
      const res = await t.request({ method: 'GET', url: `/api/v1/sessions${qs}`, as: org.as.admin });
      assert.equal(res.statusCode, 400, `${qs} → ${res.body}`);
      assert.ok(res.json().errors.some((e: { path: string }) => e.path === path), `${path} in ${res.body}`);
    }
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-01&to=2026-05-02', as: org.as.admin })).statusCode, 200, '62 days is allowed');
  });

  test('update: times and dates recomputed, half-day clash is 409, cancel via status', async () => {
    const s = (await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId, date: '2026-03-12', startTime: '09:00', endTime: '12:30' } })).json();
    const moved = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.manager, payload: { date: '2026-07-06', startTime: '13:30' } });
    assert.equal(moved.statusCode, 400, 'the end (12:30) would now be before the start');
    const ok = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.manager, payload: { date: '2026-07-06', startTime: '13:30', endTime: '17:00' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual([ok.json().date, ok.json().halfDay, ok.json().startsAt, ok.json().endTime], ['2026-07-06', 'pm', '2026-07-06T11:30:00.000Z', '17:00']);
    const onlyDate = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.manager, payload: { date: '2026-01-12' } });
    assert.equal(onlyDate.json().startsAt, '2026-01-12T12:30:00.000Z', 'times kept, recomputed for winter time');
    const clash = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.admin, payload: { date: '2026-03-03' } });
    assert.equal(clash.statusCode, 409, clash.body);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.trainer, payload: { location: 'x' } })).statusCode, 403);
    const cancelled = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.admin, payload: { status: 'cancelled' } });
    assert.equal(cancelled.json().status, 'cancelled');
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: org.as.admin, payload: { status: 'deleted' } })).statusCode, 400);
    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', s.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['session.created', 'session.updated', 'session.updated', 'session.cancelled']);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s.id}`, as: other.as.admin, payload: { status: 'planned' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${s.id}`, as: other.as.admin })).statusCode, 404);
  });

  test('calendar: range, filters, order, pagination, and what each role sees', async () => {
    await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId: otherCohortId, date: '2026-03-03', startTime: '08:30', endTime: '12:00' } });
    const all = await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-01&to=2026-03-31', as: org.as.admin });
    assert.equal(all.statusCode, 200, all.body);
    const items = all.json().items as Array<{ startsAt: string; cohortId: string; date: string }>;
    assert.ok(items.every((i) => i.date >= '2026-03-01' && i.date <= '2026-03-31'));
    assert.deepEqual(items.map((i) => i.startsAt), [...items.map((i) => i.startsAt)].sort());
    assert.ok(items.some((i) => i.cohortId === otherCohortId));

    const p1 = await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-01&to=2026-03-31&limit=2', as: org.as.admin });
    const p2 = await t.request({ method: 'GET', url: `/api/v1/sessions?from=2026-03-01&to=2026-03-31&limit=2&cursor=${p1.json().nextCursor}`, as: org.as.admin });
    assert.deepEqual([...p1.json().items, ...p2.json().items].map((i: { id: string }) => i.id), items.slice(0, 4).map((i: any) => i.id));

    const byCohort = await t.request({ method: 'GET', url: `/api/v1/sessions?from=2026-03-01&to=2026-03-31&cohortId=${otherCohortId}`, as: org.as.admin });
    assert.ok(byCohort.json().items.every((i: { cohortId: string }) => i.cohortId === otherCohortId));
    const byTrainer = await t.request({ method: 'GET', url: `/api/v1/sessions?from=2026-03-01&to=2026-03-31&trainerId=${org.trainer.id}`, as: org.as.admin });
    assert.ok(byTrainer.json().items.length >= 1);
    assert.ok(byTrainer.json().items.every((i: { trainerIds: string[] }) => i.trainerIds.includes(org.trainer.id)));

    for (const as of [org.as.trainer, org.as.learner]) {
      const mine = await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-01&to=2026-03-31', as });
      assert.ok(mine.json().items.length >= 1);
      assert.ok(mine.json().items.every((i: { cohortId: string }) => i.cohortId === cohortId), 'only their cohort');
    }
    const foreign = items.find((i) => i.cohortId === otherCohortId) as unknown as { id: string };
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${foreign.id}`, as: org.as.learner })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/sessions?from=2026-03-01&to=2026-03-31', as: other.as.admin })).json().items.length, 0);
  });

  test('generate: Mon–Fri two half-days, holidays skipped, dry run writes nothing, re-run creates nothing new', async () => {
    const c = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'Gen' } })).json().id;
    await t.request({ method: 'PUT', url: `/api/v1/cohorts/${c}/trainers`, as: org.as.admin, payload: { trainerIds: [org.trainer.id] } });
    // 2026-05-04 → 2026-05-15: Friday 8 May (Victoire 1945) and Thursday 14 May (Ascension) are holidays.
    const body = { from: '2026-05-04', weeks: 2, weekdays: [1, 2, 3, 4, 5], slots: [{ startTime: '09:00', endTime: '12:30' }, { startTime: '13:30', endTime: '17:00' }] };
    const dry = await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.manager, payload: { ...body, dryRun: true } });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal(dry.json().sessions.length, 16);
    assert.ok(dry.json().sessions.every((s: { id: string | null }) => s.id === null));
    assert.deepEqual(dry.json().skipped, [
      { date: '2026-05-08', halfDay: 'am', reason: 'holiday', holiday: 'Victoire 1945' },
      { date: '2026-05-08', halfDay: 'pm', reason: 'holiday', holiday: 'Victoire 1945' },
      { date: '2026-05-14', halfDay: 'am', reason: 'holiday', holiday: 'Ascension' },
      { date: '2026-05-14', halfDay: 'pm', reason: 'holiday', holiday: 'Ascension' },
    ]);
    assert.equal(await count(c), 0, 'a dry run writes nothing');

    // One half-day already exists: it is skipped as "exists".
    await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId: c, date: '2026-05-05', startTime: '13:00', endTime: '16:00' } });
    const res = await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.manager, payload: body });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().created, 15);
    assert.ok(res.json().skipped.some((s: { date: string; halfDay: string; reason: string }) => s.date === '2026-05-05' && s.halfDay === 'pm' && s.reason === 'exists'));
    const first = res.json().sessions[0];
    assert.deepEqual([first.date, first.startTime, first.endTime, first.halfDay, first.startsAt], ['2026-05-04', '09:00', '12:30', 'am', '2026-05-04T07:00:00.000Z']);
    assert.deepEqual(first.trainerIds, [org.trainer.id]);
    const stored = await t.request({ method: 'GET', url: `/api/v1/sessions/${first.id}`, as: org.as.admin });
    assert.deepEqual(stored.json(), first);
    assert.equal(await count(c), 16);

    const again = await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.manager, payload: body });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().created, 0);
    assert.equal(again.json().skipped.filter((s: { reason: string }) => s.reason === 'exists').length, 16);
    assert.equal(await count(c), 16);

    // Easter Monday 2026-04-06, mornings only, Mondays only, 3 weeks.
    const easter = await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.admin, payload: { from: '2026-03-30', weeks: 3, weekdays: [1], slots: [{ startTime: '09:00', endTime: '12:00' }] } });
    assert.deepEqual(easter.json().sessions.map((s: { date: string }) => s.date), ['2026-03-30', '2026-04-13']);
    assert.deepEqual(easter.json().skipped, [{ date: '2026-04-06', halfDay: 'am', reason: 'holiday', holiday: 'Lundi de Pâques' }]);

    const audit = await t.db.selectFrom('audit_events').select(['type', 'payload']).where('subject_id', '=', c).where('type', '=', 'sessions.generated').orderBy('id').execute();
    assert.equal(audit.length, 3);
    assert.deepEqual(audit[0]!.payload, { cohortId: c, created: 15, skippedHolidays: ['2026-05-08', '2026-05-14'], skippedExisting: 1 });

    const bad: Array<[unknown, string]> = [
      [{ ...body, weeks: 0 }, 'body.weeks'],
      [{ ...body, weeks: 53 }, 'body.weeks'],
      [{ ...body, weekdays: [0] }, 'body.weekdays.0'],
      [{ ...body, weekdays: [] }, 'body.weekdays'],
      [{ ...body, slots: [{ startTime: '09:00', endTime: '08:00' }] }, 'body.slots.0.endTime'],
      [{ ...body, slots: [{ startTime: '09:00', endTime: '10:00' }, { startTime: '10:00', endTime: '12:00' }] }, 'body.slots.1'],
      [{ ...body, from: '2026-13-01' }, 'body.from'],
      [{ ...body, everyOtherWeek: true }, 'body'],
    ];
    for (const [payload, path] of bad) {
      const r = await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.admin, payload: payload as never });
      assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.body}`);
      assert.ok(r.json().errors.some((e: { path: string }) => e.path === path), `${path} in ${r.body}`);
    }
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: org.as.trainer, payload: body })).statusCode, 403);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${c}/sessions/generate`, as: other.as.admin, payload: body })).statusCode, 404);
  });

  test('walk-ins: a trainer of the session adds a learner on the day; others cannot', async () => {
    const s = (await t.request({ method: 'POST', url: '/api/v1/sessions', as: org.as.admin, payload: { cohortId, date: '2026-03-05', startTime: '09:00', endTime: '12:00' } })).json();
    const res = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: org.as.trainer, payload: { email: ' Nadia.Haddad@Example.test', givenName: 'Nadia', familyName: 'Haddad' } });
    assert.equal(res.statusCode, 201, res.body);
    const e = res.json();
    assert.equal(e.walkIn, true);
    assert.equal(e.cohortId, cohortId);
    assert.equal(e.person.email, 'nadia.haddad@example.test');
    const person = await t.request({ method: 'GET', url: `/api/v1/people/${e.personId}`, as: org.as.admin });
    assert.deepEqual(person.json().roles, ['learner']);
    const again = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: org.as.trainer, payload: { email: 'nadia.haddad@example.test', givenName: 'Nadia', familyName: 'Haddad' } });
    assert.equal(again.statusCode, 409);

    // An existing person of the organisation is found, not duplicated.
    const known = await makePerson(t.db, org.organisation.id, ['learner'], { email: 'known@example.test' });
    const found = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: org.as.manager, payload: { email: 'KNOWN@example.test', givenName: 'Other', familyName: 'Name' } });
    assert.equal(found.statusCode, 201, found.body);
    assert.equal(found.json().personId, known.id);

    const learner = await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: org.as.learner, payload: { email: 'x@example.test', givenName: 'X', familyName: 'Y' } });
    assert.equal(learner.statusCode, 403);
    const stranger = await makePerson(t.db, org.organisation.id, ['trainer']);
    const strangerAs = await sessionHeaders(t.db, org.organisation.id, stranger.id);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: strangerAs, payload: { email: 'x@example.test', givenName: 'X', familyName: 'Y' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: other.as.admin, payload: { email: 'x@example.test', givenName: 'X', familyName: 'Y' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${s.id}/walk-ins`, as: org.as.trainer, payload: { email: 'nope', givenName: 'X', familyName: 'Y' } })).statusCode, 400);
    assert.equal(await t.db.selectFrom('people').select('id').where('email', '=', 'x@example.test').executeTakeFirst(), undefined);
  });
});
