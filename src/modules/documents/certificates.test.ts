import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, makeSession } from '../attendance/attendance-test-fixtures.ts';
import { computeAttendanceHours } from './attendance-hours.ts';
import { assertSealValid, pdfText, renderFirstPage, signRecord } from './documents-test-support.ts';

const at = (iso: string) => new Date(iso);

test('hours: present and late count fully, left early until leaving, excused apart, future sessions planned but not held', () => {
  const s = (day: string, status: Parameters<typeof computeAttendanceHours>[0][number]['status'], leftAt: string | null = null) => ({
    startsAt: at(`${day}T08:00:00Z`),
    endsAt: at(`${day}T11:30:00Z`),
    status,
    leftAt: leftAt ? at(leftAt) : null,
  });
  const h = computeAttendanceHours(
    [s('2026-03-02', 'present'), s('2026-03-03', 'late'), s('2026-03-04', 'left_early', '2026-03-04T10:00:00Z'), s('2026-03-05', 'absent'), s('2026-03-06', 'excused'), s('2026-03-09', 'pending'), s('2026-03-10', null)],
    at('2026-03-07T00:00:00Z'),
  );
  assert.deepEqual(
    { ...h, firstDate: h.firstDate?.toISOString(), lastDate: h.lastDate?.toISOString() },
    { sessions: 7, plannedHours: 24.5, heldHours: 17.5, attendedHours: 9, excusedHours: 3.5, absentHours: 5, rate: 0.5143, firstDate: '2026-03-02T08:00:00.000Z', lastDate: '2026-03-10T11:30:00.000Z' },
  );
  // Left early with no time recorded, or a time outside the session, is clamped.
  const odd = computeAttendanceHours([s('2026-03-02', 'left_early'), s('2026-03-03', 'left_early', '2026-03-03T13:00:00Z')], at('2026-04-01T00:00:00Z'));
  assert.equal(odd.attendedHours, 3.5);
  assert.equal(computeAttendanceHours([], at('2026-04-01T00:00:00Z')).rate, null);
});

describe('certificate of attendance PDF', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 2 });
    const org = f.organisation.id;
    const learner = f.learner.id;
    const mon = f.session;
    const monPm = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-02', '13:30', '17:00');
    const tue = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '09:00', '12:30');
    const tuePm = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-03', '13:30', '17:00');
    const wed = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-04', '09:00', '12:30');
    await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-04', '13:30', '17:00'); // never signed
    await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-09', '09:00', '12:30'); // next week: planned, not held
    const cancelled = await makeSession(t.db, org, f.cohort.id, [f.trainer.id], '2026-03-05', '09:00', '12:30');
    await t.db.updateTable('sessions').set({ status: 'cancelled' }).where('id', '=', cancelled.id).execute();
    await signRecord(t.db, org, mon.id, learner, { status: 'present', at: at('2026-03-02T08:00:00Z') });
    await signRecord(t.db, org, monPm.id, learner, { status: 'late', lateMinutes: 20, at: at('2026-03-02T12:50:00Z') });
    await signRecord(t.db, org, tue.id, learner, { status: 'left_early', at: at('2026-03-03T08:00:00Z'), leftAt: at('2026-03-03T10:00:00Z') }); // 09:00–11:00 Paris: 2 h
    await signRecord(t.db, org, tuePm.id, learner, { status: 'absent' });
    await signRecord(t.db, org, wed.id, learner, { status: 'excused', reason: undefined } as never);
    t.clock.set('2026-03-07T12:00:00Z');
  });
  after(() => t.close());

  test('the learner gets their sealed certificate with hours computed from the sheets', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.learner });
    assert.equal(res.statusCode, 200, res.body);
    assertSealValid(res.rawPayload, 'certificate');
    renderFirstPage(res.rawPayload);
    const text = pdfText(res.rawPayload);
    const code = String(res.headers['x-verification-code']);
    // 7 planned sessions of 3.5 h (the cancelled one excluded); 6 held; attended 3.5 + 3.5 + 2 = 9; excused 3.5; absent 21 - 9 - 3.5 = 8.5 (left early's lost time included); rate 9 / 21.
    assert.match(text, /Heures suivies\s+9\s?h\n/);
    for (const needle of [`${f.learner.given_name} ${f.learner.family_name}`, 'Programme Sécurité', 'Cohorte Mars', 'lundi 2 mars 2026 – lundi 9 mars 2026', '24,5 h', '21 h', '3,5 h', '8,5 h', '42,9 %', code, 'scellé électroniquement (PAdES) par']) {
      assert.ok(text.includes(needle), `lacks "${needle}":\n${text}`);
    }
    const v = (await t.request({ method: 'GET', url: `/api/v1/verify/${code}` })).json();
    assert.equal(v.kind, 'certificate');
    assert.equal(v.attests.attendedHours, 9);
    assert.equal(v.attests.plannedHours, 24.5);
    assert.equal(v.attests.heldHours, 21);
    assert.equal(v.attests.excusedHours, 3.5);
    assert.equal(v.attests.rate, 0.4286);
  });

  test('staff may; other learners and trainers are refused; no enrolment is 404', async () => {
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.manager })).statusCode, 200);
    const other = f.learners[1]!;
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${other.id}/certificates/${f.program.id}.pdf`, as: f.as.learner })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/${f.program.id}.pdf`, as: f.as.trainer })).statusCode, 403);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.trainer.id}/certificates/${f.program.id}.pdf`, as: f.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/people/${f.learner.id}/certificates/not-a-uuid.pdf`, as: f.as.admin })).statusCode, 400);
  });
});
