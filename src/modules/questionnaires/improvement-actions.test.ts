import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

/**
 * Improvement actions (Qualiopi indicator 32) are followed up to their close:
 * status open → in progress → done, due date, owner, outcome note, closedAt;
 * every change audited; listed per unit and for the whole organisation with
 * their dates. Closing twice is idempotent; another organisation's action is a
 * 404; trainers and learners are refused (403).
 */
describe('improvement actions: follow-up and close', () => {
  let t: TestContext;
  let org: Org;
  let moduleId: string;
  let cohortId: string;

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    const post = async (url: string, payload: unknown) => (await t.request({ method: 'POST', url, as: org.as.admin, payload: payload as never })).json();
    const program = await post('/api/v1/programs', { title: 'SQL' });
    moduleId = (await post(`/api/v1/programs/${program.id}/modules`, { title: 'Jointures' })).id;
    cohortId = (await post('/api/v1/cohorts', { programId: program.id, name: 'Groupe A' })).id;
  });
  after(() => t.close());

  const create = async (payload: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: org.as.manager, payload: { unitType: 'module', unitId: moduleId, metric: 'success', description: 'TP guidé sur les jointures', ...payload } as never });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const auditTypes = async (id: string) => (await t.db.selectFrom('audit_events').select(['type', 'payload']).where('subject_id', '=', id).orderBy('id').execute()).map((e) => e.type);

  test('open → in progress → done with owner, due date and outcome; closedAt set once, audited', async () => {
    const action = await create({ finding: 'réussite 46 % contre 69 %', dueOn: '2026-04-01', ownerId: org.trainer.id });
    assert.equal(action.status, 'open');
    assert.deepEqual(action.owner, { id: org.trainer.id, name: `${org.trainer.given_name} ${org.trainer.family_name}` });
    assert.equal(action.unitLabel, 'Jointures');
    assert.equal(action.closedAt, null);

    const started = await t.request({ method: 'PATCH', url: `/api/v1/questionnaires/insights/actions/${action.id}`, as: org.as.manager, payload: { status: 'in_progress', dueOn: '2026-04-15', ownerId: org.manager.id } });
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json().status, 'in_progress');
    assert.equal(started.json().dueOn, '2026-04-15');
    assert.equal(started.json().owner.id, org.manager.id);
    assert.equal(started.json().closedAt, null);

    const refused = await t.request({ method: 'PATCH', url: `/api/v1/questionnaires/insights/actions/${action.id}`, as: org.as.manager, payload: { status: 'done' } });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, 'improvement_action_outcome_required');
    assert.equal((await t.db.selectFrom('improvement_actions').select('status').where('id', '=', action.id).executeTakeFirstOrThrow()).status, 'in_progress', 'nothing changed');

    t.clock.set('2026-04-10T08:00:00Z');
    const done = await t.request({ method: 'PATCH', url: `/api/v1/questionnaires/insights/actions/${action.id}`, as: org.as.manager, payload: { status: 'done', outcome: 'Réussite remontée à 70 % sur la session suivante' } });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().status, 'done');
    assert.equal(done.json().closedAt, '2026-04-10T08:00:00.000Z');
    assert.equal(done.json().outcome, 'Réussite remontée à 70 % sur la session suivante');

    // Closing again (the dedicated route) is idempotent: same closedAt, same outcome, no new audit event.
    t.clock.set('2026-04-11T08:00:00Z');
    const again = await t.request({ method: 'POST', url: `/api/v1/questionnaires/insights/actions/${action.id}/close`, as: org.as.manager, payload: { outcome: 'Autre chose' } });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().closedAt, '2026-04-10T08:00:00.000Z');
    assert.equal(again.json().outcome, 'Réussite remontée à 70 % sur la session suivante');
    assert.deepEqual(await auditTypes(action.id), ['questionnaire.improvement_action_updated', 'questionnaire.improvement_action_closed']);

    // Reopening clears closedAt.
    const reopened = await t.request({ method: 'PATCH', url: `/api/v1/questionnaires/insights/actions/${action.id}`, as: org.as.admin, payload: { status: 'in_progress' } });
    assert.equal(reopened.json().closedAt, null);
    assert.equal(reopened.json().status, 'in_progress');
  });

  test('POST …/close closes with the outcome; a retry returns the same action', async () => {
    const action = await create({});
    t.clock.set('2026-05-02T09:30:00Z');
    const first = await t.request({ method: 'POST', url: `/api/v1/questionnaires/insights/actions/${action.id}/close`, as: org.as.manager, payload: { outcome: 'Fait' } });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().closedAt, '2026-05-02T09:30:00.000Z');
    const second = await t.request({ method: 'POST', url: `/api/v1/questionnaires/insights/actions/${action.id}/close`, as: org.as.manager, payload: { outcome: 'Fait' } });
    assert.deepEqual(second.json(), first.json());
    assert.deepEqual(await auditTypes(action.id), ['questionnaire.improvement_action_closed']);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/insights/actions/${action.id}/close`, as: org.as.manager, payload: {} })).statusCode, 400, 'the outcome is required');
  });

  test('listed per unit, per status and for the whole organisation, with their dates', async () => {
    await create({ unitType: 'cohort', unitId: cohortId, metric: 'satisfaction', description: 'Entretiens individuels' });
    const all = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/actions', as: org.as.admin })).json().items;
    assert.equal(all.length, 3);
    for (const a of all) {
      assert.ok(a.createdAt && a.updatedAt, 'dates shown');
      assert.ok(a.unitLabel, 'unit named');
    }
    const ofCohort = (await t.request({ method: 'GET', url: `/api/v1/questionnaires/insights/actions?unitType=cohort&unitId=${cohortId}`, as: org.as.admin })).json().items;
    assert.deepEqual(ofCohort.map((a: { unitLabel: string }) => a.unitLabel), ['Groupe A']);
    const done = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/actions?status=done', as: org.as.admin })).json().items;
    assert.equal(done.length, 1);
    assert.ok(done[0].closedAt);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/actions?status=closed', as: org.as.admin })).statusCode, 400);

    // The auditor's CSV: one line per action with its dates, the same filters.
    const csv = await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/actions.csv?status=done', as: org.as.manager });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines[0], 'créée le,unité,nom,indicateur,constat,action,responsable,échéance,statut,close le,résultat');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1]!.split(',').slice(1, 4), ['module', 'Jointures', 'réussite']);
    assert.ok(lines[1]!.includes(`,close,${done[0].closedAt},`), lines[1]);
    const en = await t.request({ method: 'GET', url: `/api/v1/questionnaires/insights/actions.csv?locale=en&unitId=${cohortId}`, as: org.as.admin });
    assert.equal(en.body.replace(/^\ufeff/, '').trim().split('\r\n').length, 2);
    assert.match(en.body, /cohort,Groupe A,satisfaction,,Entretiens individuels,,,open,,/);
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/actions.csv', as: org.as.trainer })).statusCode, 403);
  });

  test('bad input, wrong role, another organisation: refused, nothing changed', async () => {
    const action = await create({});
    const url = `/api/v1/questionnaires/insights/actions/${action.id}`;
    const before = await t.db.selectFrom('improvement_actions').selectAll().where('id', '=', action.id).executeTakeFirstOrThrow();
    for (const payload of [{}, { status: 'closed' }, { dueOn: '01/04/2026' }, { unknown: 1 }, { ownerId: 'nope' }, { description: '' }]) {
      const res = await t.request({ method: 'PATCH', url, as: org.as.manager, payload });
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    }
    const learnerOwner = await t.request({ method: 'PATCH', url, as: org.as.manager, payload: { ownerId: org.learner.id } });
    assert.equal(learnerOwner.statusCode, 404, 'a learner cannot own an action');
    assert.equal(learnerOwner.json().errors[0].path, 'body.ownerId');
    for (const who of ['trainer', 'learner'] as const) {
      assert.equal((await t.request({ method: 'PATCH', url, as: org.as[who], payload: { status: 'in_progress' } })).statusCode, 403);
      assert.equal((await t.request({ method: 'POST', url: `${url}/close`, as: org.as[who], payload: { outcome: 'x' } })).statusCode, 403);
      assert.equal((await t.request({ method: 'GET', url, as: org.as[who] })).statusCode, 403);
    }
    const other = await makeOrganisationWithStaff(t.db);
    assert.equal((await t.request({ method: 'GET', url, as: other.as.admin })).statusCode, 404);
    assert.equal((await t.request({ method: 'PATCH', url, as: other.as.admin, payload: { status: 'in_progress' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'POST', url: `${url}/close`, as: other.as.admin, payload: { outcome: 'x' } })).statusCode, 404);
    assert.equal((await t.request({ method: 'PATCH', url, as: org.as.manager, payload: { ownerId: other.manager.id } })).statusCode, 404, "another organisation's person cannot own it");
    assert.deepEqual(await t.db.selectFrom('improvement_actions').selectAll().where('id', '=', action.id).executeTakeFirstOrThrow(), before);
    assert.equal((await t.request({ method: 'GET', url: `/api/v1/questionnaires/insights/actions/00000000-0000-4000-8000-000000000000`, as: org.as.admin })).statusCode, 404);
  });
});
