import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

type Org = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

/**
 * Struggling units on a known data set: module M3 / cohort C3 pass 12 of 26,
 * the rest of the organisation 142 of 205. Expected figures from scipy 1.17:
 * z = −2.3553061726619235, p = norm.cdf(z) = 0.009253724757072241; with the
 * 6 units tested, false_discovery_control gives q = 0.02776117 for both.
 * Cohort C4 (5 responses, none passed) is below the minimum: never flagged.
 */
describe('struggling cohorts and modules', () => {
  let t: TestContext;
  let org: Org;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
    const as = org.as.admin;
    const post = async (url: string, payload: unknown) => (await t.request({ method: 'POST', url, as, payload: payload as never })).json();
    const program = await post('/api/v1/programs', { title: 'Data' });
    for (const m of ['M1', 'M2', 'M3']) ids[m] = (await post(`/api/v1/programs/${program.id}/modules`, { title: m })).id;
    for (const c of ['C1', 'C2', 'C3', 'C4']) ids[c] = (await post('/api/v1/cohorts', { programId: program.id, name: c })).id;
    const quiz = await post('/api/v1/questionnaires/from-template', { key: 'positioning_test', locale: 'fr' });
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${quiz.id}/publish`, as });
    const plan: Array<[string, string, number, number]> = [['C1', 'M1', 100, 71], ['C2', 'M2', 100, 71], ['C3', 'M3', 26, 12], ['C4', 'M1', 5, 0]];
    const rows = [];
    for (const [c, m, n, passed] of plan) {
      for (let i = 0; i < n; i++) {
        const ok = i < passed;
        rows.push({ organisation_id: org.organisation.id, questionnaire_id: quiz.id, resume_key_hash: randomUUID(), cohort_id: ids[c]!, module_id: ids[m]!, status: 'submitted' as const, submitted_at: new Date('2026-03-02T10:00:00Z'), score: ok ? 3 : 1, max_score: 3, passed: null });
      }
    }
    await t.db.insertInto('questionnaire_responses').values(rows).execute();
  });
  after(() => t.close());

  test('ranks the module and the cohort below the baseline, with the test, n, p, q and the reason in French and English', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', as: org.as.manager });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    const flagged = body.units.filter((u: { flagged: boolean }) => u.flagged);
    assert.deepEqual(flagged.map((u: { label: string }) => u.label).sort(), ['C3', 'M3']);
    assert.equal(body.units.length, 6, 'C1, C2, C3, M1, M2, M3 tested');
    const m3 = flagged.find((u: { label: string }) => u.label === 'M3');
    assert.equal(m3.test, 'two_proportion_z');
    assert.equal(m3.n, 26);
    assert.ok(Math.abs(m3.statistic - -2.355) < 1e-3, String(m3.statistic));
    assert.ok(Math.abs(m3.p - 0.009253724757072241) < 1e-9, String(m3.p));
    assert.ok(Math.abs(m3.q - 0.02776117) < 1e-7, String(m3.q));
    assert.equal(m3.reason, 'module M3 : réussite 46 % contre 69 % en référence, n = 26, p = 0,009 (test z de deux proportions ; q = 0,03 après Benjamini-Hochberg)');
    assert.deepEqual(body.belowMinimum.map((b: { label: string; n: number }) => [b.label, b.n]), [['C4', 5]]);
    assert.ok(!body.units.some((u: { label: string }) => u.label === 'C4'), 'a unit below the minimum is not tested, so never flagged');

    const en = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling?locale=en', as: org.as.admin })).json();
    assert.equal(en.units.find((u: { label: string }) => u.label === 'M3').reason, 'module M3: success 46% vs 69% baseline, n=26, p=0.009 (two-proportion z-test; q=0.03 after Benjamini-Hochberg)');
  });

  test('satisfaction: Welch t-test on the mean rating, against scipy (t = −7.629470117296746, p = 1.5918416372789746e-07)', async () => {
    // A separate organisation, so that its units form their own family of tests.
    const sat = await makeOrganisationWithStaff(t.db);
    const as = sat.as.admin;
    const post = async (url: string, payload: unknown) => (await t.request({ method: 'POST', url, as, payload: payload as never })).json();
    const program = await post('/api/v1/programs', { title: 'Accueil' });
    const low = (await post(`/api/v1/programs/${program.id}/modules`, { title: 'Module bas' })).id;
    const high = (await post(`/api/v1/programs/${program.id}/modules`, { title: 'Module haut' })).id;
    const cLow = (await post('/api/v1/cohorts', { programId: program.id, name: 'Groupe bas' })).id;
    const cHigh = (await post('/api/v1/cohorts', { programId: program.id, name: 'Groupe haut' })).id;
    const q = await post('/api/v1/questionnaires', { kind: 'satisfaction_hot', title: 'Satisfaction', anonymous: true });
    const question = await post(`/api/v1/questionnaire-sections/${q.sections[0].id}/questions`, { type: 'rating', prompt: 'Note', required: true, settings: { min: 1, max: 5 } });
    await t.request({ method: 'POST', url: `/api/v1/questionnaires/${q.id}/publish`, as });
    const insert = async (cohortId: string, moduleId: string, values: number[]) => {
      for (const v of values) {
        const id = randomUUID();
        await t.db.insertInto('questionnaire_responses').values({ organisation_id: sat.organisation.id, id, questionnaire_id: q.id, resume_key_hash: randomUUID(), cohort_id: cohortId, module_id: moduleId, status: 'submitted', submitted_at: new Date('2026-03-02T00:00:00Z') }).execute();
        await t.db.insertInto('questionnaire_answers').values({ organisation_id: sat.organisation.id, response_id: id, question_id: question.id, value: JSON.stringify(v) }).execute();
      }
    };
    await insert(cLow, low, [2, 3, 2, 1, 3, 2, 2, 3, 2, 2]);
    await insert(cHigh, high, [4, 5, 4, 4, 5, 3, 4, 5, 4, 4, 5, 4]);
    const body = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling?locale=en', as })).json();
    const flagged = body.units.filter((u: { flagged: boolean }) => u.flagged);
    assert.deepEqual(flagged.map((u: { label: string }) => u.label).sort(), ['Groupe bas', 'Module bas']);
    const m = flagged.find((u: { label: string }) => u.label === 'Module bas');
    assert.equal(m.test, 'welch_t');
    assert.ok(Math.abs(m.statistic - -7.629) < 1e-3, String(m.statistic));
    assert.ok(Math.abs(m.p - 1.5918416372789746e-7) < 1e-12, String(m.p));
    assert.ok(Math.abs(m.q - 3.18368327e-7) < 1e-13, String(m.q));
    assert.equal(m.reason, "module Module bas: satisfaction 2.2/5 vs 4.3/5 baseline, n=10, p<0.001 (Welch's t-test; q<0.001 after Benjamini-Hochberg)");
  });

  test('a manager records an improvement action against a flagged module; roles and bad input', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: org.as.manager, payload: { unitType: 'module', unitId: ids.M3, metric: 'success', finding: 'réussite 46 % contre 69 %', description: 'Ajouter un TP guidé sur les jointures', dueOn: '2026-04-01' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().dueOn, '2026-04-01');
    const again = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', as: org.as.manager })).json();
    assert.equal(again.units.find((u: { label: string }) => u.label === 'M3').actions, 1);
    assert.equal(again.units.find((u: { label: string }) => u.label === 'M3').openActions, 1);
    assert.equal((await t.request({ method: 'POST', url: `/api/v1/questionnaires/insights/actions/${created.json().id}/close`, as: org.as.manager, payload: { outcome: 'TP ajouté' } })).statusCode, 200);
    const closed = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', as: org.as.manager })).json().units.find((u: { label: string }) => u.label === 'M3');
    assert.deepEqual([closed.actions, closed.openActions], [1, 0], 'a closed action still counts, no longer as open');
    const list = await t.request({ method: 'GET', url: `/api/v1/questionnaires/insights/actions?unitId=${ids.M3}`, as: org.as.admin });
    assert.equal(list.json().items.length, 1);
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: org.as.manager, payload: { unitType: 'module', unitId: ids.C1, metric: 'success', description: 'x' } })).statusCode, 404, 'a cohort id is not a module');
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: org.as.manager, payload: { unitType: 'module', unitId: ids.M3, metric: 'speed', description: 'x' } })).statusCode, 400);
    for (const who of ['trainer', 'learner'] as const) {
      assert.equal((await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', as: org.as[who] })).statusCode, 403);
      assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: org.as[who], payload: { unitType: 'module', unitId: ids.M3, metric: 'success', description: 'x' } })).statusCode, 403);
    }
    const other = await makeOrganisationWithStaff(t.db);
    const theirs = (await t.request({ method: 'GET', url: '/api/v1/questionnaires/insights/struggling', as: other.as.admin })).json();
    assert.deepEqual(theirs.units, []);
    assert.equal((await t.request({ method: 'POST', url: '/api/v1/questionnaires/insights/actions', as: other.as.admin, payload: { unitType: 'module', unitId: ids.M3, metric: 'success', description: 'x' } })).statusCode, 404);
  });
});
