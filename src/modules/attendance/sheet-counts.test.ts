import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';

/** The sheet's counts: attended = signed (own signature) + marked (trainer mark / amendment), pending = missing. */
let t: TestContext;
let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
before(async () => {
  t = await createTestContext({ now: '2026-03-02T08:20:00Z' });
  f = await makeAttendanceFixture(t.db, { learners: 5 });
});
after(() => t.close());

const sheetUrl = () => `/api/v1/sessions/${f.session.id}/attendance`;

test('counts: a trainer mark counts as attended (marked), a signature as attended (signed); absent and pending apart', async () => {
  const empty = (await t.request({ method: 'GET', url: sheetUrl(), as: f.as.manager })).json().counts;
  assert.deepEqual(empty, { learners: 5, attended: 0, signed: 0, marked: 0, awaitingReview: 0, pending: 5, present: 0, late: 0, left_early: 0, absent: 0, excused: 0 });

  // learner 0 signs at the kiosk (20 min after the start: late), learner 1 is marked present, learner 2 absent.
  const kiosk = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/kiosk/sign`, as: f.as.trainer, payload: { personId: f.learners[0]!.id, strokes: sampleStrokes() } });
  assert.equal(kiosk.statusCode, 201, kiosk.body);
  const mark = (personId: string, payload: Record<string, unknown>) => t.request({ method: 'PATCH', url: `/api/v1/sessions/${f.session.id}/attendance/${personId}`, as: f.as.trainer, payload });
  assert.equal((await mark(f.learners[1]!.id, { status: 'present', reason: 'seen in the room, no phone' })).statusCode, 200);
  assert.equal((await mark(f.learners[2]!.id, { status: 'absent' })).statusCode, 200);
  // learner 3 signs, then leaves early (marked by the trainer, but with their own signature: signed).
  const kiosk3 = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/kiosk/sign`, as: f.as.trainer, payload: { personId: f.learners[3]!.id, strokes: sampleStrokes(2) } });
  assert.equal(kiosk3.statusCode, 201, kiosk3.body);
  assert.equal((await mark(f.learners[3]!.id, { status: 'left_early', leftAt: '2026-03-02T10:00:00Z' })).statusCode, 200);

  const res = await t.request({ method: 'GET', url: sheetUrl(), as: f.as.trainer });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().counts, { learners: 5, attended: 3, signed: 2, marked: 1, awaitingReview: 0, pending: 1, present: 1, late: 1, left_early: 1, absent: 1, excused: 0 });
});

test('history written without signature images (demo, imports) counts by its signing method', async () => {
  // learner 4: recorded as signed by QR with no signature row, as the demo history is.
  await t.db.updateTable('attendance_records').set({ status: 'present', method: 'qr', signed_at: new Date('2026-03-02T08:02:00Z') }).where('session_id', '=', f.session.id).where('person_id', '=', f.learners[4]!.id).execute();
  const counts = (await t.request({ method: 'GET', url: sheetUrl(), as: f.as.manager })).json().counts;
  assert.deepEqual([counts.attended, counts.signed, counts.marked, counts.pending], [4, 3, 1, 0]);
  const listed = (await t.request({ method: 'GET', url: '/api/v1/attendance/sheets?from=2026-03-02&to=2026-03-02', as: f.as.manager })).json().items[0].counts;
  assert.deepEqual([listed.attended, listed.signed, listed.marked, listed.pending], [4, 3, 1, 0]);
});
