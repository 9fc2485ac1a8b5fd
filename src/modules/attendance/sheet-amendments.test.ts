import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { apiKeyHeaders } from '../../../test/factories.ts';
import { SYSTEM_META } from '../../platform/auth/actor.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { makeAttendanceFixture, makeSession, sampleStrokes } from './attendance-test-fixtures.ts';
import { markExcused } from './mark-excused.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

/** GET /sessions/:id/amendments: the versioned history of a locked sheet. */
describe('sheet amendment history', () => {
  let t: TestContext;
  let A: Fixture;
  let B: Fixture;
  const history = (sessionId: string, as?: Record<string, string>) => t.request({ method: 'GET', url: `/api/v1/sessions/${sessionId}/amendments`, ...(as ? { as } : {}) });

  before(async () => {
    t = await createTestContext({ now: '2026-03-02T08:01:00Z' });
    A = await makeAttendanceFixture(t.db, { learners: 3 });
    B = await makeAttendanceFixture(t.db, { learners: 1 });
    for (const f of [A, B]) {
      t.clock.set('2026-03-02T08:01:00Z');
      const kiosk = await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/kiosk/sign`, as: f.as.trainer, payload: { personId: f.learners[0]!.id, strokes: sampleStrokes() } });
      assert.equal(kiosk.statusCode, 201, kiosk.body);
      assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/trainer-signature`, as: f.as.trainer, payload: { strokes: sampleStrokes(1) } })).statusCode, 201);
      t.clock.set('2026-03-02T11:40:00Z');
      assert.equal((await t.request({ method: 'POST', url: `/api/v1/sessions/${f.session.id}/lock`, as: f.as.trainer })).statusCode, 200);
    }
  });
  after(() => t.close());

  test('each amendment is a version with who, when, why and before → after, oldest first', async () => {
    const empty = await history(A.session.id, A.as.manager);
    assert.equal(empty.statusCode, 200, empty.body);
    const e = empty.json() as Record<string, any>;
    assert.deepEqual({ ...e, lockedAt: e.lockedAt.local }, { sessionId: A.session.id, status: 'locked', version: 1, lockedAt: '2026-03-02T12:40:00+01:00', timezone: 'Europe/Paris', items: [] });

    const amend = (payload: Record<string, unknown>) => t.request({ method: 'POST', url: `/api/v1/sessions/${A.session.id}/amendments`, as: A.as.manager, payload });
    t.clock.set('2026-03-02T14:00:00Z');
    assert.equal((await amend({ personId: A.learners[1]!.id, status: 'present', reason: 'signed the paper sheet' })).statusCode, 201);
    t.clock.set('2026-03-02T14:05:00Z');
    assert.equal((await amend({ personId: A.learners[1]!.id, status: 'late', lateMinutes: 20, reason: 'arrived at 09:20 in fact' })).statusCode, 201);
    // An API key accepting a justification excuses learner 2 on the locked sheet: a version too.
    await apiKeyHeaders(t.db, A.organisation.id);
    const key = await t.db.selectFrom('api_keys').select(['id', 'name']).where('organisation_id', '=', A.organisation.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    t.clock.set('2026-03-02T18:00:00Z');
    await withTenant(t.db, A.organisation.id, (trx) =>
      markExcused(trx, { actor: { kind: 'api_key', organisationId: A.organisation.id, apiKeyId: key.id, scope: 'write' }, meta: SYSTEM_META }, { sessionId: A.session.id, personId: A.learners[2]!.id, justificationId: 'j-42', now: t.clock.now() }),
    );

    const res = await history(A.session.id, A.as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const h = res.json();
    assert.equal(h.version, 4);
    assert.deepEqual(h.items.map((i: { version: number }) => i.version), [2, 3, 4]);
    const [v2, v3, v4] = h.items;
    const learner1 = `${A.learners[1]!.given_name} ${A.learners[1]!.family_name}`;
    assert.deepEqual(v2.amendedBy, { kind: 'person', id: A.manager.id, name: `${A.manager.given_name} ${A.manager.family_name}` });
    assert.deepEqual(v2.at, { at: '2026-03-02T14:00:00.000Z', local: '2026-03-02T15:00:00+01:00', timezone: 'Europe/Paris' });
    assert.equal(v2.reason, 'signed the paper sheet');
    assert.deepEqual(v2.change, { personId: A.learners[1]!.id, name: learner1, before: { status: 'absent', lateMinutes: null, leftAt: null, reason: 'not signed when the sheet was locked' }, after: { status: 'present', lateMinutes: null, leftAt: null, reason: 'signed the paper sheet' }, justificationId: null });
    assert.deepEqual([v3.change.before.status, v3.change.after.status, v3.change.after.lateMinutes], ['present', 'late', 20]);
    assert.deepEqual(v4.amendedBy, { kind: 'api_key', id: key.id, name: key.name });
    assert.deepEqual([v4.change.before.status, v4.change.after.status, v4.change.justificationId], ['absent', 'excused', 'j-42']);
    assert.equal(v4.at.local, '2026-03-02T19:00:00+01:00');

    // The trainer of the session may read it too.
    assert.equal((await history(A.session.id, A.as.trainer)).json().items.length, 3);
  });

  test('an open sheet has no history yet', async () => {
    const s = await makeSession(t.db, A.organisation.id, A.cohort.id, [A.trainer.id], '2026-03-09', '09:00', '12:00');
    const res = await history(s.id, A.as.admin);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().version, res.json().lockedAt, res.json().items], ['open', 1, null, []]);
  });

  test('access: a learner is refused, another trainer and another organisation get 404, bad ids 400', async () => {
    const learner = await history(A.session.id, A.as.learner);
    assert.equal(learner.statusCode, 403);
    assert.equal(learner.json().code, 'forbidden');
    assert.equal((await history(A.session.id, A.otherTrainerHeaders)).statusCode, 404);
    const cross = await history(B.session.id, A.as.manager);
    assert.equal(cross.statusCode, 404);
    assert.equal(cross.json().code, 'not_found');
    assert.ok(!cross.body.includes(B.learners[0]!.family_name));
    assert.equal((await history('00000000-0000-4000-8000-000000000000', A.as.manager)).statusCode, 404);
    const bad = await history('not-a-uuid', A.as.manager);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
    assert.equal((await history(A.session.id)).statusCode, 401);
  });
});
