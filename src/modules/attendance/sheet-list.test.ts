import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makePerson } from '../../../test/factories.ts';
import { makeAttendanceFixture, makeSession, sampleStrokes } from './attendance-test-fixtures.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

/** GET /attendance/sheets: the managers' sheet list (one row per session, counts, missing signatures). */
describe('sheet list', () => {
  let t: TestContext;
  let A: Fixture;
  let B: Fixture;
  let s2: { id: string };
  let cancelled: { id: string };
  let other: { session: { id: string }; cohort: { id: string }; program: { id: string } };
  const list = (query: string, as: Record<string, string>) => t.request({ method: 'GET', url: `/api/v1/attendance/sheets?${query}`, as });
  const WEEK = 'from=2026-03-02&to=2026-03-08';

  before(async () => {
    t = await createTestContext({ now: '2026-03-02T08:02:00Z' });
    A = await makeAttendanceFixture(t.db, { learners: 3 });
    B = await makeAttendanceFixture(t.db, { learners: 2 });
    const orgId = A.organisation.id;
    // Tuesday afternoon: signed by the trainer and two learners (one marked by the trainer), then locked on Tuesday evening.
    s2 = await makeSession(t.db, orgId, A.cohort.id, [A.trainer.id], '2026-03-03', '14:00', '17:30');
    cancelled = await makeSession(t.db, orgId, A.cohort.id, [A.trainer.id], '2026-03-04', '09:00', '12:30');
    await t.db.updateTable('sessions').set({ status: 'cancelled' }).where('id', '=', cancelled.id).execute();
    // Another program and cohort, trained only by A.otherTrainer.
    const program = await t.db.insertInto('programs').values({ organisation_id: orgId, title: 'Programme Incendie' }).returningAll().executeTakeFirstOrThrow();
    const cohort = await t.db.insertInto('cohorts').values({ organisation_id: orgId, program_id: program.id, name: 'Cohorte Avril' }).returningAll().executeTakeFirstOrThrow();
    const learner = await makePerson(t.db, orgId, ['learner'], { givenName: 'Alice', familyName: 'Avril' });
    await t.db.insertInto('enrolments').values({ organisation_id: orgId, cohort_id: cohort.id, person_id: learner.id }).execute();
    const session = await makeSession(t.db, orgId, cohort.id, [A.otherTrainer.id], '2026-03-02', '14:00', '17:00');
    other = { session, cohort, program };

    t.clock.set('2026-03-03T13:10:00Z');
    const kiosk = await t.request({ method: 'POST', url: `/api/v1/sessions/${s2.id}/kiosk/sign`, as: A.as.trainer, payload: { personId: A.learners[0]!.id, strokes: sampleStrokes() } });
    assert.equal(kiosk.statusCode, 201, kiosk.body);
    const mark = await t.request({ method: 'PATCH', url: `/api/v1/sessions/${s2.id}/attendance/${A.learners[1]!.id}`, as: A.as.trainer, payload: { status: 'present', reason: 'seen in the room, no phone' } });
    assert.equal(mark.statusCode, 200, mark.body);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${s2.id}/trainer-signature`, as: A.as.trainer, payload: { strokes: sampleStrokes(1) } })).statusCode, 201);
    t.clock.set('2026-03-03T17:00:00Z');
    const locked = await t.request({ method: 'POST', url: `/api/v1/sessions/${s2.id}/lock`, as: A.as.trainer });
    assert.equal(locked.statusCode, 200, locked.body);
    t.clock.set('2026-03-03T17:05:00Z');
  });
  after(() => t.close());

  test('a manager sees every session of the range with its state, counts and what is missing; nothing is written', async () => {
    const sheetsBefore = await t.db.selectFrom('attendance_sheets').select('session_id').execute();
    const res = await list(WEEK, A.as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const { items, nextCursor } = res.json();
    assert.equal(nextCursor, null);
    assert.deepEqual(items.map((i: { sessionId: string }) => i.sessionId), [A.session.id, other.session.id, s2.id, cancelled.id]);
    assert.deepEqual((await t.db.selectFrom('attendance_sheets').select('session_id').execute()).length, sheetsBefore.length, 'a GET creates no sheet');

    const [monday, afternoon, tuesday, wednesday] = items;
    // Monday morning: no sheet yet; its three learners and the trainer are all missing; the window has closed.
    assert.equal(monday.cohort.name, 'Cohorte Mars');
    assert.equal(monday.program.title, 'Programme Sécurité');
    assert.equal(monday.module, null);
    assert.deepEqual(monday.trainers, [{ personId: A.trainer.id, name: `${A.trainer.given_name} ${A.trainer.family_name}`, signed: false }]);
    assert.deepEqual(monday.startsAt, { at: '2026-03-02T08:00:00.000Z', local: '2026-03-02T09:00:00+01:00', timezone: 'Europe/Paris' });
    assert.equal(monday.endsAt.local, '2026-03-02T12:30:00+01:00');
    assert.deepEqual(monday.sheet, { status: 'open', version: 1, lockedAt: null });
    assert.equal(monday.window.state, 'closed');
    assert.deepEqual(monday.counts, { expected: 3, attended: 0, signed: 0, marked: 0, pending: 3, present: 0, late: 0, left_early: 0, absent: 0, excused: 0 });
    assert.deepEqual(monday.missing, { learners: 3, trainer: true, signatures: 4, any: true });
    assert.equal(afternoon.cohort.name, 'Cohorte Avril');
    assert.equal(afternoon.counts.expected, 1);

    // Tuesday: locked; one signed (10 min late), one marked by the trainer, the third made absent at lock; nothing missing.
    assert.equal(tuesday.sheet.status, 'locked');
    assert.equal(tuesday.sheet.lockedAt.at, '2026-03-03T17:00:00.000Z');
    assert.equal(tuesday.sheet.lockedAt.local, '2026-03-03T18:00:00+01:00');
    assert.equal(tuesday.trainerSigned, true);
    assert.deepEqual(tuesday.trainers.map((x: { signed: boolean }) => x.signed), [true]);
    assert.deepEqual(tuesday.counts, { expected: 3, attended: 2, signed: 1, marked: 1, pending: 0, present: 1, late: 1, left_early: 0, absent: 1, excused: 0 });
    assert.deepEqual(tuesday.missing, { learners: 0, trainer: false, signatures: 0, any: false });

    // Wednesday: cancelled, nothing to sign.
    assert.equal(wednesday.cancelled, true);
    assert.equal(wednesday.missing.any, false);
    assert.equal(wednesday.window.state, 'not_open_yet');

    // The same figures as the sheet itself.
    const sheet = (await t.request({ method: 'GET', url: `/api/v1/sessions/${s2.id}/attendance`, as: A.as.manager })).json();
    assert.equal(sheet.counts.signed, tuesday.counts.signed);
    assert.equal(sheet.counts.marked, tuesday.counts.marked);
    assert.equal(sheet.counts.learners, tuesday.counts.expected);
    // No other organisation's session appears.
    assert.ok(!res.body.includes(B.session.id));
  });

  test('an open sheet also counts learners enrolled since (as ensureSheet will add them); a locked one does not', async () => {
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${A.session.id}/attendance`, as: A.as.manager })).statusCode, 200); // creates the sheet
    const late = await makePerson(t.db, A.organisation.id, ['learner'], { givenName: 'Zoé', familyName: 'Tardive' });
    await t.db.insertInto('enrolments').values({ organisation_id: A.organisation.id, cohort_id: A.cohort.id, person_id: late.id }).execute();
    const items = (await list(`${WEEK}&cohortId=${A.cohort.id}`, A.as.admin)).json().items;
    assert.equal(items.find((i: { sessionId: string }) => i.sessionId === A.session.id).counts.expected, 4);
    assert.equal(items.find((i: { sessionId: string }) => i.sessionId === A.session.id).missing.learners, 4);
    assert.equal(items.find((i: { sessionId: string }) => i.sessionId === s2.id).counts.expected, 3);
    const sheet = (await t.request({ method: 'GET', url: `/api/v1/sessions/${A.session.id}/attendance`, as: A.as.manager })).json();
    assert.equal(sheet.counts.learners, 4, 'the sheet adds them too');
    await t.db.deleteFrom('attendance_records').where('person_id', '=', late.id).execute();
    await t.db.deleteFrom('enrolments').where('person_id', '=', late.id).execute();
  });

  test('filters: cohort, program, sheet state; pagination by cursor', async () => {
    const ids = async (q: string) => (await list(q, A.as.manager)).json().items.map((i: { sessionId: string }) => i.sessionId);
    assert.deepEqual(await ids(`${WEEK}&cohortId=${other.cohort.id}`), [other.session.id]);
    assert.deepEqual(await ids(`${WEEK}&programId=${A.program.id}`), [A.session.id, s2.id, cancelled.id]);
    assert.deepEqual(await ids(`${WEEK}&status=locked`), [s2.id]);
    assert.deepEqual(await ids(`${WEEK}&status=open&programId=${other.program.id}`), [other.session.id]);
    assert.deepEqual(await ids('from=2026-03-03&to=2026-03-03'), [s2.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`${WEEK}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, A.as.manager);
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json();
      assert.ok(page.items.length <= 1);
      seen.push(...page.items.map((i: { sessionId: string }) => i.sessionId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, [A.session.id, other.session.id, s2.id, cancelled.id]);
  });

  test('roles: a trainer sees only the sessions they train; a learner is refused', async () => {
    const trainer = await list(WEEK, A.as.trainer);
    assert.equal(trainer.statusCode, 200, trainer.body);
    assert.deepEqual(trainer.json().items.map((i: { sessionId: string }) => i.sessionId), [A.session.id, s2.id, cancelled.id]);
    const otherTrainer = await list(WEEK, A.otherTrainerHeaders);
    assert.deepEqual(otherTrainer.json().items.map((i: { sessionId: string }) => i.sessionId), [other.session.id]);
    // A cohort or program the trainer does not train is not found, as on GET /sessions/:id/attendance.
    assert.equal((await list(`${WEEK}&cohortId=${A.cohort.id}`, A.otherTrainerHeaders)).statusCode, 404);
    assert.equal((await list(`${WEEK}&programId=${A.program.id}`, A.otherTrainerHeaders)).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/sessions/${A.session.id}/attendance`, as: A.otherTrainerHeaders })).statusCode, 404);
    const learner = await list(WEEK, A.as.learner);
    assert.equal(learner.statusCode, 403);
    assert.equal(learner.json().code, 'forbidden');
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/attendance/sheets?${WEEK}` })).statusCode, 401);
  });

  test("bad input: problem+json with a stable code; another organisation's ids are not found", async () => {
    const cases: Array<[string, number, string]> = [
      ['from=2026-02-30&to=2026-03-05', 400, 'validation_failed'],
      ['from=02/03/2026&to=2026-03-05', 400, 'validation_failed'],
      ['to=2026-03-05', 400, 'validation_failed'],
      ['from=2026-03-09&to=2026-03-02', 400, 'validation_failed'],
      ['from=2026-01-01&to=2026-03-05', 400, 'validation_failed'],
      [`${WEEK}&status=signed`, 400, 'validation_failed'],
      [`${WEEK}&cohortId=not-a-uuid`, 400, 'validation_failed'],
      [`${WEEK}&limit=0`, 400, 'validation_failed'],
      [`${WEEK}&cursor=garbage`, 400, 'invalid_cursor'],
      [`${WEEK}&cohortId=${B.cohort.id}`, 404, 'not_found'],
      [`${WEEK}&programId=${B.program.id}`, 404, 'not_found'],
    ];
    for (const [query, status, code] of cases) {
      const res = await list(query, A.as.manager);
      assert.equal(res.statusCode, status, `${query}: ${res.body}`);
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(res.json().code, code, query);
      assert.ok(!res.body.includes('Cohorte Mars') || status === 400, query);
    }
    const range = await list('from=2026-03-02&to=2026-05-04', A.as.manager);
    assert.equal(range.json().errors[0].path, 'querystring.to');
    assert.equal((await list('from=2026-03-02&to=2026-05-03', A.as.manager)).statusCode, 200, 'exactly 62 days is accepted');
  });
});
