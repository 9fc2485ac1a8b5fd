import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, makePerson } from '../../../test/factories.ts';

describe('modules, cohorts and enrolments API', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let programId: string;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    other = await makeOrganisationWithStaff(t.db);
    programId = (await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Développeur web', plannedHours: 399 } })).json().id;
  });
  after(() => t.close());

  test('modules: create in order, list, update, delete; staff only', async () => {
    const titles = ['HTML et CSS', 'JavaScript', 'Node.js'];
    const ids: string[] = [];
    for (const title of titles) {
      const res = await t.request({ method: 'POST', url: `/api/v1/programs/${programId}/modules`, as: org.as.manager, payload: { title, plannedHours: 35 } });
      assert.equal(res.statusCode, 201, res.body);
      ids.push(res.json().id);
    }
    const list = await t.request({ method: 'GET', url: `/api/v1/programs/${programId}/modules`, as: org.as.admin });
    assert.deepEqual(list.json().items.map((m: { title: string; position: number }) => [m.title, m.position]), [['HTML et CSS', 1], ['JavaScript', 2], ['Node.js', 3]]);
    const patched = await t.request({ method: 'PATCH', url: `/api/v1/modules/${ids[2]}`, as: org.as.admin, payload: { position: 0 } });
    assert.equal(patched.json().position, 0);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/modules/${ids[1]}`, as: org.as.admin, payload: { plannedHours: -1 } })).statusCode, 400);
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/modules/${ids[1]}`, as: org.as.trainer })).statusCode, 403);
    const del = await t.request({ method: 'DELETE', url: `/api/v1/modules/${ids[1]}`, as: org.as.admin });
    assert.equal(del.statusCode, 204);
    assert.equal((await t.request({ method: 'DELETE', url: `/api/v1/modules/${ids[1]}`, as: org.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/programs/${programId}/modules`, as: org.as.trainer, payload: { title: 'x' } })).statusCode, 403);
    // A trainer without a cohort of this program cannot see it.
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/programs/${programId}/modules`, as: org.as.trainer })).statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/programs/${programId}/modules`, as: other.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/modules/${ids[0]}`, as: other.as.admin, payload: { title: 'x' } })).statusCode, 404);
  });

  test('cohorts: create, trainers, enrolments, learnerCount, visibility by role', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'DWWM 2026-A', startsOn: '2026-03-02', endsOn: '2026-09-30' } });
    assert.equal(created.statusCode, 201, created.body);
    const cohort = created.json();
    assert.equal(cohort.programTitle, 'Développeur web');
    assert.deepEqual(cohort.trainerIds, []);
    assert.equal(cohort.learnerCount, 0);
    const dup = await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'DWWM 2026-A' } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().errors[0].path, 'body.name');

    // Before assignment, the trainer does not see the cohort.
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}`, as: org.as.trainer })).statusCode, 404);
    const notTrainer = await t.request({ method: 'PUT', url: `/api/v1/cohorts/${cohort.id}/trainers`, as: org.as.admin, payload: { trainerIds: [org.learner.id] } });
    assert.equal(notTrainer.statusCode, 400, notTrainer.body);
    assert.equal(notTrainer.json().errors[0].path, 'body.trainerIds.0');
    const foreign = await t.request({ method: 'PUT', url: `/api/v1/cohorts/${cohort.id}/trainers`, as: org.as.admin, payload: { trainerIds: [other.trainer.id] } });
    assert.equal(foreign.statusCode, 400);
    const put = await t.request({ method: 'PUT', url: `/api/v1/cohorts/${cohort.id}/trainers`, as: org.as.manager, payload: { trainerIds: [org.trainer.id] } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json().trainerIds, [org.trainer.id]);

    const learner2 = await makePerson(t.db, org.organisation.id, ['learner'], { givenName: 'Amina', familyName: 'Benali' });
    const enrol = await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.admin, payload: { personId: org.learner.id } });
    assert.equal(enrol.statusCode, 201, enrol.body);
    assert.equal(enrol.json().walkIn, false);
    assert.equal(enrol.json().person.email, org.learner.email);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.admin, payload: { personId: learner2.id } })).statusCode, 201);
    const twice = await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.admin, payload: { personId: org.learner.id } });
    assert.equal(twice.statusCode, 409);
    const foreignPerson = await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.admin, payload: { personId: other.learner.id } });
    assert.equal(foreignPerson.statusCode, 404);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}`, as: org.as.admin })).json().learnerCount, 2);

    // Trainer: read-only on their cohort, sees all its enrolments. Learner: sees the cohort, only their own enrolment.
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}`, as: org.as.trainer })).statusCode, 200);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/cohorts/${cohort.id}`, as: org.as.trainer, payload: { name: 'x' } })).statusCode, 403);
    const trainerView = await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.trainer });
    assert.equal(trainerView.json().items.length, 2);
    const learnerView = await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.learner });
    assert.deepEqual(learnerView.json().items.map((e: { personId: string }) => e.personId), [org.learner.id]);
    assert.deepEqual((await t.request({ method: 'GET', url: '/api/v1/cohorts', as: org.as.learner })).json().items.map((c: { id: string }) => c.id), [cohort.id]);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/cohorts/${cohort.id}/enrolments`, as: org.as.trainer, payload: { personId: org.manager.id } })).statusCode, 403);

    const page = await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}/enrolments?limit=1`, as: org.as.admin });
    assert.equal(page.json().items[0].person.familyName, 'Benali');
    const page2 = await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}/enrolments?limit=1&cursor=${page.json().nextCursor}`, as: org.as.admin });
    assert.equal(page2.json().items[0].personId, org.learner.id);
    assert.equal(page2.json().nextCursor, null);

    // Withdrawal stamps withdrawn_at and drops the learner count; reactivation clears it.
    const enrolmentId = enrol.json().id;
    const withdrawn = await t.request({ method: 'PATCH', url: `/api/v1/enrolments/${enrolmentId}`, as: org.as.manager, payload: { status: 'withdrawn' } });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    // On the organisation's clock (the risk model's labels count weeks from it), not the machine's.
    assert.equal(new Date(withdrawn.json().withdrawnAt).toISOString(), t.clock.now().toISOString());
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/cohorts/${cohort.id}`, as: org.as.admin })).json().learnerCount, 1);
    const back = await t.request({ method: 'PATCH', url: `/api/v1/enrolments/${enrolmentId}`, as: org.as.manager, payload: { status: 'active' } });
    assert.equal(back.json().withdrawnAt, null);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/enrolments/${enrolmentId}`, as: org.as.admin, payload: { status: 'gone' } })).statusCode, 400);
    assert.equal((await t.request({ method: 'PATCH', url: `/api/v1/enrolments/${enrolmentId}`, as: org.as.trainer, payload: { status: 'completed' } })).statusCode, 403);

    // Cross-tenant: everything is 404.
    for (const [method, url, payload] of [
      ['GET', `/api/v1/cohorts/${cohort.id}`],
      ['PATCH', `/api/v1/cohorts/${cohort.id}`, { name: 'x' }],
      ['PUT', `/api/v1/cohorts/${cohort.id}/trainers`, { trainerIds: [] }],
      ['GET', `/api/v1/cohorts/${cohort.id}/enrolments`],
      ['POST', `/api/v1/cohorts/${cohort.id}/enrolments`, { personId: other.learner.id }],
      ['PATCH', `/api/v1/enrolments/${enrolmentId}`, { status: 'withdrawn' }],
    ] as const) {
      const res = await t.request({ method, url, as: other.as.admin, ...(payload ? { payload } : {}) });
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
    }
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/cohorts', as: other.as.admin, payload: { programId, name: 'x' } })).statusCode, 404);

    const audit = await t.db.selectFrom('audit_events').select('type').where('subject_id', '=', cohort.id).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.type), ['cohort.created', 'cohort.trainers_changed']);
  });

  test('cohorts: bad input (dates, unknown fields, end before start) changes nothing', async () => {
    const cases: Array<{ payload: unknown; path: string }> = [
      { payload: { programId, name: 'B', startsOn: '2026-02-30' }, path: 'body.startsOn' },
      { payload: { programId, name: 'B', startsOn: '2026-3-2' }, path: 'body.startsOn' },
      { payload: { programId, name: 'B', startsOn: '2026-05-01', endsOn: '2026-04-01' }, path: 'body.endsOn' },
      { payload: { programId: 'nope', name: 'B' }, path: 'body.programId' },
      { payload: { programId, name: 'B', colour: 'blue' }, path: 'body' },
      { payload: { programId, name: 12 }, path: 'body.name' },
    ];
    for (const c of cases) {
      const res = await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: c.payload as never });
      assert.equal(res.statusCode, 400, `${JSON.stringify(c.payload)} → ${res.body}`);
      assert.ok(res.json().errors.some((e: { path: string }) => e.path === c.path), `${c.path} in ${res.body}`);
    }
    // Every item carries a code and its parameters, for a message in the reader's language: zod's own errors and our wordings.
    const items = async (payload: unknown) => (await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: payload as never })).json().errors;
    assert.deepEqual(await items({ programId, name: 'B', colour: 'blue' }), [{ path: 'body', message: 'unknown field(s): colour', code: 'field_unrecognized_keys', params: { keys: 'colour' } }]);
    assert.deepEqual((await items({ programId: 'nope', name: 'B' }))[0], { path: 'body.programId', message: 'Invalid UUID', code: 'field_invalid_format', params: { format: 'uuid' } });
    assert.deepEqual((await items({ programId, name: 12 }))[0], { path: 'body.name', message: 'Invalid input: expected string, received number', code: 'field_invalid_type', params: { expected: 'string' } });
    assert.deepEqual(await items({ programId, name: 'B', startsOn: '2026-05-01', endsOn: '2026-04-01' }), [{ path: 'body.endsOn', message: 'must be on or after startsOn', code: 'ends_before_start', params: { start: 'startsOn' } }]);
    // A schema's own fixed wording is found back by its text; an unknown custom message would carry no code.
    assert.deepEqual(await items({ programId, name: 'B', startsOn: '2026-02-30' }), [{ path: 'body.startsOn', message: 'is not a calendar date', code: 'date_not_calendar' }]);
    assert.deepEqual(await items({ programId, name: 'B', startsOn: '2026-3-2' }), [{ path: 'body.startsOn', message: 'must be a date YYYY-MM-DD', code: 'date_format' }]);
    const created = (await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId, name: 'C', startsOn: '2026-05-01' } })).json();
    const bad = await t.request({ method: 'PATCH', url: `/api/v1/cohorts/${created.id}`, as: org.as.admin, payload: { endsOn: '2026-04-01' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.deepEqual(bad.json().errors, [{ path: 'body.endsOn', message: 'must be on or after startsOn', code: 'ends_before_start', params: { start: 'startsOn' } }]);
    const n = await t.db.selectFrom('cohorts').select('name').where('organisation_id', '=', org.organisation.id).execute();
    assert.deepEqual(n.map((c) => c.name).sort(), ['C', 'DWWM 2026-A']);
  });
});
