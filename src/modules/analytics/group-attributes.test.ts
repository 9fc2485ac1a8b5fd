import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type AuthHeaders, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff, sessionHeaders } from '../../../test/factories.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { seedDemo } from '../demo/seed-demo.ts';
import { analyticsJobHandlers } from './analytics-jobs.ts';
import { prepareTraining } from './emarge/emarge-dataset.ts';
import { loadEmargeLearners } from './emarge/emarge-learners.ts';
import { mentionsProtectedAttribute } from './features/feature-schema.ts';

/**
 * Group attributes for the fairness audit: declared with a legal basis (by
 * person id or e-mail, as from an uploaded CSV), listed as counts only,
 * erased; the report per model version with its warnings; and the proof that
 * they never reach the model: the training inputs are byte-identical with and
 * without them, and a model trained after they were recorded has the same
 * feature schema.
 */
describe('group attributes and the fairness report', () => {
  let t: TestContext;
  let runner: JobRunner;
  let demoOrgId: string;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  const as: Record<'admin' | 'manager' | 'trainer1', AuthHeaders> = {} as never;
  let learners: Array<{ id: string; email: string; withdrawn: boolean }>;
  let modelV1: string;
  const legalBasis = 'Art. 9(2)(g) RGPD : mesure de la non-discrimination, déclaration volontaire';
  const req = (method: 'GET' | 'POST' | 'DELETE', url: string, who: AuthHeaders, payload?: unknown) =>
    t.request({ method, url: `/api/v1${url}`, as: who, ...(payload !== undefined ? { payload: payload as never } : {}) });

  async function trainModel(): Promise<{ id: string; features: string[] }> {
    const res = await req('POST', '/analytics/models/train', as.manager, { epochs: 2 });
    assert.equal(res.statusCode, 202, res.body);
    await runner.runDue();
    const row = await t.db.selectFrom('model_versions').select(['status', 'artifact', 'error']).where('id', '=', res.json().modelVersionId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'ready', String(row.error));
    return { id: res.json().modelVersionId, features: (row.artifact as { featureSchema: { features: string[] } }).featureSchema.features };
  }

  async function trainingInputs() {
    return withTenant(t.db, demoOrgId, async (trx) => prepareTraining(await loadEmargeLearners(trx, { asOf: '2026-03-04' }), '2026-03-04'));
  }

  before(async () => {
    t = await createTestContext({ now: '2026-03-04T10:00:00Z' });
    demoOrgId = (await seedDemo(t.db, { now: t.clock.now() })).organisation.id;
    const idOf = async (email: string) => (await t.db.selectFrom('people').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    for (const key of ['admin', 'manager', 'trainer1'] as const) as[key] = await sessionHeaders(t.db, demoOrgId, await idOf(`${key}@demo.emarge.test`));
    other = await makeOrganisationWithStaff(t.db);
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: analyticsJobHandlers({ db: t.db, clock: t.clock }) });
    const rows = await t.db
      .selectFrom('person_roles as r')
      .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'r.organisation_id').onRef('p.id', '=', 'r.person_id'))
      .select(['p.id', 'p.email'])
      .where('r.organisation_id', '=', demoOrgId)
      .where('r.role', '=', 'learner')
      .orderBy('p.id')
      .execute();
    const withdrawn = new Set((await t.db.selectFrom('enrolments').select('person_id').where('organisation_id', '=', demoOrgId).where('status', '=', 'withdrawn').execute()).map((r) => r.person_id));
    learners = rows.map((r) => ({ id: r.id, email: r.email, withdrawn: withdrawn.has(r.id) }));
    assert.ok(learners.length > 60 && withdrawn.size > 5);
  });
  after(() => t.close());

  test('declaring an attribute: admin only, by e-mail or id, all or nothing, with its legal basis', async () => {
    modelV1 = (await trainModel()).id;
    const values = learners.map((l, i) => ({ email: i % 3 === 0 ? l.email.toUpperCase() : l.email, value: i % 2 ? 'femme' : 'homme' }));
    assert.equal((await req('POST', '/analytics/group-attributes', as.manager, { attribute: 'gender', legalBasis, values })).statusCode, 403);
    assert.equal((await req('POST', '/analytics/group-attributes', as.trainer1, { attribute: 'gender', legalBasis, values })).statusCode, 403);
    for (const bad of [
      { attribute: 'gender', values },
      { attribute: 'Gender!', legalBasis, values },
      { attribute: 'gender', legalBasis, values: [] },
      { attribute: 'gender', legalBasis, values: [{ value: 'femme' }] },
      { attribute: 'gender', legalBasis, values: [{ personId: learners[0]!.id, email: learners[0]!.email, value: 'femme' }] },
      { attribute: 'gender', legalBasis, values: [{ email: 'not-an-email', value: 'femme' }] },
      { attribute: 'gender', legalBasis, values, extra: 1 },
    ]) {
      const res = await req('POST', '/analytics/group-attributes', as.admin, bad);
      assert.equal(res.statusCode, 400, `${JSON.stringify(bad).slice(0, 120)}: ${res.body}`);
    }
    const unknown = await req('POST', '/analytics/group-attributes', as.admin, { attribute: 'gender', legalBasis, values: [...values, { email: other.learner.email, value: 'femme' }, { personId: other.learner.id, value: 'homme' }] });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.deepEqual(unknown.json().errors.map((e: { path: string }) => e.path), [`body.values.${values.length}.email`, `body.values.${values.length + 1}.personId`]);
    assert.equal((await t.db.selectFrom('group_attributes').select('person_id').execute()).length, 0, 'nothing recorded');

    const ok = await req('POST', '/analytics/group-attributes', as.admin, { attribute: 'gender', legalBasis, values });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(ok.json(), { attribute: 'gender', recorded: learners.length });
    // By id: a second attribute, deliberately tied to the outcome (who withdrew).
    const skewed = await req('POST', '/analytics/group-attributes', as.admin, { attribute: 'origin_band', legalBasis: 'Art. 9(2)(j) RGPD : étude statistique', values: learners.map((l) => ({ personId: l.id, value: l.withdrawn ? 'a' : 'b' })) });
    assert.equal(skewed.statusCode, 201, skewed.body);
    const audit = await t.db.selectFrom('audit_events').select('type').where('type', '=', 'analytics.group_attributes_recorded').execute();
    assert.equal(audit.length, 2);
  });

  test('the list shows legal bases and counts per value, never who has which value; other organisations see nothing', async () => {
    const res = await req('GET', '/analytics/group-attributes', as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const gender = res.json().items.find((a: { attribute: string }) => a.attribute === 'gender');
    assert.deepEqual(gender.legalBases, [legalBasis]);
    assert.equal(gender.people, learners.length);
    assert.deepEqual(gender.values.map((v: { value: string }) => v.value), ['femme', 'homme']);
    assert.equal(gender.values.reduce((s: number, v: { people: number }) => s + v.people, 0), learners.length);
    assert.ok(!learners.some((l) => res.body.includes(l.id) || res.body.includes(l.email)), 'no person in the list');
    assert.equal((await req('GET', '/analytics/group-attributes', as.trainer1)).statusCode, 403);
    assert.deepEqual((await req('GET', '/analytics/group-attributes', other.as.admin)).json(), { items: [] });
  });

  test('group attributes never reach the model: identical training inputs, identical feature schema', async () => {
    // Byte for byte, the tensors the model is trained on are the same with the attributes recorded and without them.
    const withAttributes = await trainingInputs();
    const saved = await t.db.selectFrom('group_attributes').selectAll().execute();
    await t.db.deleteFrom('group_attributes').execute();
    const without = await trainingInputs();
    await t.db.insertInto('group_attributes').values(saved.map((r) => ({ ...r, created_at: new Date(r.created_at as Date) }))).execute();
    assert.deepEqual(withAttributes.schema, without.schema);
    for (const part of ['train', 'validation'] as const) {
      assert.equal(withAttributes[part].n, without[part].n);
      assert.deepEqual(Buffer.from(withAttributes[part].x.buffer), Buffer.from(without[part].x.buffer), `${part} inputs differ`);
    }
    assert.ok(withAttributes.schema.features.every((f) => !mentionsProtectedAttribute(f)), withAttributes.schema.features.join(', '));
    assert.ok(!withAttributes.schema.features.some((f) => /gender|origin/.test(f)));
    // A model trained after they were recorded reads exactly what the first one read.
    const v1 = await t.db.selectFrom('model_versions').select('artifact').where('id', '=', modelV1).executeTakeFirstOrThrow();
    const v2 = await trainModel();
    assert.deepEqual(v2.features, (v1.artifact as { featureSchema: { features: string[] } }).featureSchema.features);
    const card = (await req('GET', `/analytics/models/${v2.id}/card`, as.manager)).json();
    assert.deepEqual(card.protectedAttributesUsed, []);
  });

  test('the fairness report per model version: per-group rates, disparity ratios and coded warnings', async () => {
    const fair = await req('GET', `/analytics/models/${modelV1}/fairness?attribute=gender`, as.manager);
    assert.equal(fair.statusCode, 200, fair.body);
    const f = fair.json();
    assert.equal(f.usedAsModelInput, false);
    assert.deepEqual(f.legalBases, [legalBasis]);
    assert.deepEqual(f.report.groups.map((g: { group: string }) => g.group), ['femme', 'homme']);
    assert.equal(f.warnings.length, f.warningDetails.length);

    // Withdrawn learners leave early: their group has too few learner-weeks to compare, and the report says so.
    const skewed = (await req('GET', `/analytics/models/${modelV1}/fairness?attribute=origin_band`, as.manager)).json();
    assert.deepEqual(skewed.warningDetails.find((w: { code: string }) => w.code === 'small_groups'), { code: 'small_groups', params: { minimum: 30, groups: 'a' } });
    assert.match(skewed.warnings.join(' '), /fewer than 30 learner-weeks .*: a\./);
    // Each warning matches the figures it is about.
    for (const r of [f, skewed]) {
      const codes = r.warningDetails.map((w: { code: string }) => w.code);
      assert.equal(r.warnings.length, codes.length);
      assert.equal(codes.includes('four_fifths'), r.report.disparity.belowFourFifths);
      assert.equal(codes.includes('auc_gap'), r.report.disparity.aucGap !== null && r.report.disparity.aucGap > 0.1);
      assert.equal(codes.includes('calibration_gap'), r.report.disparity.maxCalibrationGap !== null && r.report.disparity.maxCalibrationGap > 0.1);
      assert.equal(codes.includes('small_groups'), r.report.smallGroups.length > 0);
      if (r.report.disparity.belowFourFifths) assert.ok([r.report.disparity.tprRatio, r.report.disparity.selectionRateRatio].some((x) => x !== null && x < 0.8));
    }
    assert.equal((await req('GET', `/analytics/models/${modelV1}/fairness?attribute=origin_band`, other.as.admin)).statusCode, 404);
    assert.equal((await req('GET', `/analytics/models/${modelV1}/fairness?attribute=origin_band`, as.trainer1)).statusCode, 403);
  });

  test('erasing an attribute: admin only, then gone from the list and the reports', async () => {
    assert.equal((await req('DELETE', '/analytics/group-attributes/origin_band', as.manager)).statusCode, 403);
    assert.equal((await req('DELETE', '/analytics/group-attributes/origin_band', other.as.admin)).statusCode, 404);
    assert.equal((await req('DELETE', '/analytics/group-attributes/Origin', as.admin)).statusCode, 400);
    const res = await req('DELETE', '/analytics/group-attributes/origin_band', as.admin);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { attribute: 'origin_band', deleted: learners.length });
    assert.equal((await req('DELETE', '/analytics/group-attributes/origin_band', as.admin)).statusCode, 404);
    assert.deepEqual((await req('GET', '/analytics/group-attributes', as.manager)).json().items.map((a: { attribute: string }) => a.attribute), ['gender']);
    assert.equal((await req('GET', `/analytics/models/${modelV1}/fairness?attribute=origin_band`, as.manager)).statusCode, 422);
    const audit = await t.db.selectFrom('audit_events').select('payload').where('type', '=', 'analytics.group_attribute_deleted').execute();
    assert.equal(audit.length, 1);
  });
});
