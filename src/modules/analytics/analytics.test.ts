import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext, type AuthHeaders } from '../../../test/context.ts';
import { makeOrganisationWithStaff, sessionHeaders } from '../../../test/factories.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { seedDemo } from '../demo/seed-demo.ts';
import { analyticsJobHandlers, runAnalyticsTick } from './analytics-jobs.ts';
import { mentionsProtectedAttribute } from './features/feature-schema.ts';

/**
 * Risk analytics end to end on the demo organisation's simulated history:
 * training as a background job through the API and the job runner, stored
 * predictions with reasons, reviews, objections, model card, fairness report,
 * refusals (too little data, schema mismatch), roles and other tenants.
 */
describe('risk analytics through the API', () => {
  let t: TestContext;
  let runner: JobRunner;
  let demoOrgId: string;
  const as: Record<'admin' | 'manager' | 'trainer1' | 'trainer2' | 'learner', AuthHeaders> = {} as never;
  let learnerId: string;
  let other: Awaited<ReturnType<typeof makeOrganisationWithStaff>>;
  let modelId: string;

  const get = (url: string, who: AuthHeaders) => t.request({ method: 'GET', url: `/api/v1${url}`, as: who });
  const post = (url: string, who: AuthHeaders, payload: unknown = {}) => t.request({ method: 'POST', url: `/api/v1${url}`, as: who, payload: payload as never });

  before(async () => {
    t = await createTestContext({ now: '2026-03-04T10:00:00Z' });
    const demo = await seedDemo(t.db, { now: t.clock.now() });
    demoOrgId = demo.organisation.id;
    const idOf = async (email: string) => (await t.db.selectFrom('people').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    for (const key of ['admin', 'manager', 'trainer1', 'trainer2'] as const) as[key] = await sessionHeaders(t.db, demoOrgId, await idOf(`${key}@demo.emarge.test`));
    // A learner of a history cohort in progress (enrolment active, trained by trainer1).
    const active = await t.db
      .selectFrom('enrolments as e')
      .innerJoin('cohorts as c', 'c.id', 'e.cohort_id')
      .select('e.person_id')
      .where('c.name', 'like', 'Comptabilité%')
      .where('e.status', '=', 'active')
      .orderBy('e.person_id')
      .executeTakeFirstOrThrow();
    learnerId = active.person_id;
    as.learner = await sessionHeaders(t.db, demoOrgId, learnerId);
    other = await makeOrganisationWithStaff(t.db);
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: analyticsJobHandlers({ db: t.db, clock: t.clock }) });
  });
  after(() => t.close());

  test('an organisation without history is refused with the minimum; learners and trainers cannot train', async () => {
    const res = await post('/analytics/models/train', other.as.admin);
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'ml_insufficient_data');
    assert.equal(res.json().minimum, 40);
    assert.match(res.json().detail, /at least 40 learners of finished cohorts/);
    for (const who of [as.learner, as.trainer1]) assert.equal((await post('/analytics/models/train', who)).statusCode, 403);
    assert.equal((await post('/analytics/models/train', as.admin, { epochs: 0 })).statusCode, 400);
    assert.equal((await post('/analytics/models/train', as.admin, { epochs: 2, extra: true })).statusCode, 400);
  });

  test('trains in the background with progress, then stores a ready model and scores the current learners', async () => {
    const res = await post('/analytics/models/train', as.manager, { epochs: 4 });
    assert.equal(res.statusCode, 202, res.body);
    const { jobId, modelVersionId, version } = res.json();
    assert.equal(version, 1);
    modelId = modelVersionId;
    assert.equal((await post('/analytics/models/train', as.admin)).statusCode, 409, 'one training at a time');
    assert.equal((await get(`/analytics/jobs/${jobId}`, as.admin)).json().status, 'queued');
    assert.equal((await get(`/analytics/jobs/${jobId}`, other.as.admin)).statusCode, 404);

    assert.equal(await runner.runDue(), 1);
    const job = (await get(`/analytics/jobs/${jobId}`, as.admin)).json();
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.progress.phase, 'done');
    assert.equal(job.progress.epochs, 4);
    assert.ok(job.progress.epoch >= 1 && job.progress.epoch <= 4);
    assert.ok(job.result.predictions > 0);

    const models = (await get('/analytics/models', as.manager)).json().items;
    assert.equal(models.length, 1);
    assert.equal(models[0].status, 'ready');
    assert.equal(models[0].metrics.label, 'demo data (simulation)');
    assert.ok(models[0].metrics.byWeek.length >= 5);
    assert.ok(models[0].metrics.calibration.brier > 0 && models[0].metrics.calibration.brier < 0.5);
    assert.ok(models[0].dataWindow.learners === 120 && models[0].dataWindow.validationCohorts.length >= 1);
    assert.match(models[0].codeVersion, /^0\.1\.0/);

    // The artifact: attendance and program features only, never a protected attribute.
    const row = await t.db.selectFrom('model_versions').select('artifact').where('id', '=', modelId).executeTakeFirstOrThrow();
    const artifact = row.artifact as { featureSchema: { features: string[]; sources: string[] } };
    assert.deepEqual(artifact.featureSchema.sources, ['program', 'attendance', 'engagement']);
    assert.ok(artifact.featureSchema.features.includes('unjustified_absences'));
    assert.ok(artifact.featureSchema.features.every((f) => !mentionsProtectedAttribute(f)));
  });

  test('the risk list: riskiest first, reasons in French and English, trend; trainers see their cohorts only', async () => {
    const res = await get('/analytics/risk?band=all', as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const { model, items } = res.json();
    assert.equal(model.id, modelId);
    assert.ok(items.length >= 50, `${items.length} learners scored`);
    const order: Record<string, number> = { high: 3, medium: 2, low: 1, insufficient_data: 0 };
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1], items[i]];
      assert.ok(order[a.band]! > order[b.band]! || (a.band === b.band && (a.probability ?? -1) >= (b.probability ?? -1)), 'riskiest first: band, then probability');
    }
    const top = items[0];
    const explained = items.find((i: { reasons: unknown[] }) => i.reasons.length > 0);
    assert.ok(explained && explained.reasons[0].textFr && explained.reasons[0].textEn && explained.reasons[0].contribution > 0);
    const running = items.find((i: { cohortName: string }) => i.cohortName.startsWith('Comptabilité'));
    assert.ok(running.trend.length >= 2, 'a cohort in its 10th week has a trend');
    assert.ok(['low', 'medium', 'high'].includes(top.band));
    const atRisk = (await get('/analytics/risk', as.manager)).json().items;
    assert.ok(atRisk.every((i: { band: string }) => i.band !== 'low'));

    const mine = (await get('/analytics/risk?band=all', as.trainer1)).json().items as Array<{ cohortName: string; cohortId: string }>;
    assert.ok(mine.length > 0 && mine.length < items.length);
    const foreign = items.find((i: { cohortId: string }) => !mine.some((m) => m.cohortId === i.cohortId));
    assert.ok(foreign);
    assert.equal((await get(`/analytics/risk?cohortId=${foreign.cohortId}`, as.trainer1)).statusCode, 404);
    assert.equal((await get('/analytics/risk', as.learner)).statusCode, 403);
    assert.deepEqual((await get('/analytics/risk?band=all', other.as.manager)).json(), { model: null, items: [] });
    assert.equal((await get(`/analytics/risk?cohortId=${foreign.cohortId}`, other.as.manager)).statusCode, 404);
  });

  test('reviews by staff and trainers of the cohort; the latest shows in the list', async () => {
    const items = (await get('/analytics/risk?band=all', as.trainer1)).json().items;
    const target = items[0];
    const bad = await post(`/analytics/risk/${target.id}/reviews`, as.manager, { action: 'ignored' });
    assert.equal(bad.statusCode, 400);
    const byTrainer = await post(`/analytics/risk/${target.id}/reviews`, as.trainer1, { action: 'contacted', note: 'Appel, rendez-vous jeudi' });
    assert.equal(byTrainer.statusCode, 201, byTrainer.body);
    const review = await post(`/analytics/risk/${target.id}/reviews`, as.manager, { action: 'prediction_wrong', note: 'Absences dues à un arrêt maladie' });
    assert.equal(review.statusCode, 201);
    assert.equal((await post(`/analytics/risk/${target.id}/reviews`, as.trainer2, { action: 'no_action' })).statusCode, 404, 'not their cohort');
    assert.equal((await post(`/analytics/risk/${target.id}/reviews`, other.as.admin, { action: 'no_action' })).statusCode, 404);
    const after = (await get('/analytics/risk?band=all', as.manager)).json().items.find((i: { id: string }) => i.id === target.id);
    assert.equal(after.latestReview.action, 'prediction_wrong');
    const audit = await t.db.selectFrom('audit_events').select('type').where('type', '=', 'analytics.prediction_reviewed').execute();
    assert.equal(audit.length, 2);
  });

  test('the person concerned sees their predictions with reasons and objects; staff answer', async () => {
    const mine = await get('/me/risk', as.learner);
    assert.equal(mine.statusCode, 200, mine.body);
    const body = mine.json();
    assert.match(body.notice.fr, /indicatives/);
    assert.ok(body.predictions.length >= 1);
    assert.ok(body.predictions.every((p: { personId: string }) => p.personId === learnerId));
    // A learner of a cohort in its 10th week has an estimate; its reasons are facts of their own (none: never "high").
    assert.notEqual(body.predictions[0].band, 'insufficient_data');
    assert.ok(body.predictions.every((p: { band: string; reasons: unknown[] }) => p.reasons.length >= 1 || p.band !== 'high'));

    const others = (await get('/analytics/risk?band=all', as.manager)).json().items.find((i: { personId: string }) => i.personId !== learnerId);
    assert.equal((await post('/me/risk/objections', as.learner, { predictionId: others.id, message: 'Pas moi' })).statusCode, 404);
    assert.equal((await post('/me/risk/objections', as.learner, { predictionId: body.predictions[0].id, message: '  ' })).statusCode, 400);
    const objection = await post('/me/risk/objections', as.learner, { predictionId: body.predictions[0].id, message: 'Mes absences étaient justifiées par un arrêt de travail.' });
    assert.equal(objection.statusCode, 201, objection.body);

    assert.equal((await get('/analytics/objections', as.learner)).statusCode, 403);
    const open = (await get('/analytics/objections?status=open', as.manager)).json().items;
    assert.equal(open.length, 1);
    assert.equal(open[0].personId, learnerId);
    const id = objection.json().id;
    assert.equal((await post(`/analytics/objections/${id}/answer`, other.as.admin, { answer: 'x' })).statusCode, 404);
    const answered = await post(`/analytics/objections/${id}/answer`, as.manager, { answer: 'Merci, nous avons corrigé la feuille et revu la prédiction.' });
    assert.equal(answered.statusCode, 200, answered.body);
    assert.equal((await post(`/analytics/objections/${id}/answer`, as.manager, { answer: 'encore' })).statusCode, 409);
    assert.equal((await get('/me/risk', as.learner)).json().objections[0].status, 'answered');
  });

  test('the model card says what the model is, on what data, and for what use', async () => {
    const res = await get(`/analytics/models/${modelId}/card`, as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const card = res.json();
    assert.equal(card.data.label, 'demo data (simulation)');
    assert.deepEqual(card.data.sourcesNotRecorded, ['assessments', 'activity', 'satisfaction']);
    assert.ok(card.features.some((f: { name: string; meaning_fr: string }) => f.name === 'absence_streak' && f.meaning_fr.length > 0));
    assert.deepEqual(card.protectedAttributesUsed, []);
    assert.match(card.intendedUse.en, /not be used for automated decisions/);
    assert.ok(card.limits.some((l: { en: string; fr: string }) => /SIMULATED/.test(l.en) && /SIMULÉ/.test(l.fr)));
    assert.ok(card.metrics.validation.auc > 0.5, `validation AUC ${card.metrics.validation.auc}`);
    assert.equal(card.fairness, null);
    assert.equal((await get(`/analytics/models/${modelId}/card`, as.trainer1)).statusCode, 403);
    assert.equal((await get(`/analytics/models/${modelId}/card`, other.as.admin)).statusCode, 404);
  });

  test('fairness report from group attributes recorded with a legal basis, never model inputs', async () => {
    const learners = await t.db.selectFrom('person_roles').select('person_id').where('organisation_id', '=', demoOrgId).where('role', '=', 'learner').orderBy('person_id').execute();
    const values = learners.map((l, i) => ({ personId: l.person_id, value: i % 2 ? 'femme' : 'homme' }));
    const legalBasis = 'Art. 9(2)(g) RGPD : mesure de la non-discrimination, consentement recueilli';
    assert.equal((await post('/analytics/group-attributes', as.manager, { attribute: 'gender', legalBasis, values })).statusCode, 403);
    const noBasis = await post('/analytics/group-attributes', as.admin, { attribute: 'gender', values });
    assert.equal(noBasis.statusCode, 400);
    const unknown = await post('/analytics/group-attributes', as.admin, { attribute: 'gender', legalBasis, values: [...values, { personId: other.learner.id, value: 'homme' }] });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().errors[0].path, `body.values.${values.length}.personId`);
    const ok = await post('/analytics/group-attributes', as.admin, { attribute: 'gender', legalBasis, values });
    assert.equal(ok.statusCode, 201, ok.body);

    assert.equal((await get(`/analytics/models/${modelId}/fairness?attribute=age_band`, as.manager)).statusCode, 422);
    const res = await get(`/analytics/models/${modelId}/fairness?attribute=gender`, as.manager);
    assert.equal(res.statusCode, 200, res.body);
    const f = res.json();
    assert.equal(f.usedAsModelInput, false);
    assert.deepEqual(f.legalBases, [legalBasis]);
    assert.deepEqual(f.report.groups.map((g: { group: string }) => g.group), ['femme', 'homme']);
    for (const g of f.report.groups) assert.ok(g.n > 0 && g.tpr !== undefined && g.fpr !== undefined);
    assert.ok(Array.isArray(f.warnings));
    const card = (await get(`/analytics/models/${modelId}/card`, as.manager)).json();
    assert.equal(card.fairness[0].attribute, 'gender');

    // Recording the attribute changed nothing in what the model reads.
    const row = await t.db.selectFrom('model_versions').select('artifact').where('id', '=', modelId).executeTakeFirstOrThrow();
    assert.ok(!(row.artifact as { featureSchema: { features: string[] } }).featureSchema.features.some((x) => x.includes('gender')));
    assert.equal((await post(`/analytics/models/${modelId}/score`, as.manager)).statusCode, 200);
  });

  test('a stored model whose feature schema no longer matches the data is refused, never scored', async () => {
    const row = await t.db.selectFrom('model_versions').selectAll().where('id', '=', modelId).executeTakeFirstOrThrow();
    const artifact = structuredClone(row.artifact) as { featureSchema: { features: string[] } };
    // A model trained when quiz scores were recorded: one feature the current data lacks.
    artifact.featureSchema.features[artifact.featureSchema.features.length - 1] = 'score_mean';
    const stale = await t.db
      .insertInto('model_versions')
      .values({ organisation_id: demoOrgId, version: 99, status: 'ready', artifact: JSON.stringify(artifact), metrics: JSON.stringify(row.metrics), data_window: JSON.stringify(row.data_window), code_version: row.code_version, trained_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await post(`/analytics/models/${stale.id}/score`, as.admin);
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'ml_schema_mismatch');
    assert.match(res.json().detail, /missing feature\(s\) score_mean/);
    const stored = await t.db.selectFrom('risk_predictions').select('id').where('model_version_id', '=', stale.id).execute();
    assert.equal(stored.length, 0);
    await t.db.updateTable('model_versions').set({ status: 'retired' }).where('id', '=', stale.id).execute();
  });

  test('scheduled analytics: weekly retraining when due, a clear refusal recorded for an organisation without data', async () => {
    assert.equal((await t.request({ method: 'PATCH', url: '/api/v1/analytics/settings', as: as.manager, payload: { retrain: 'weekly' } })).statusCode, 403);
    const set = await t.request({ method: 'PATCH', url: '/api/v1/analytics/settings', as: other.as.admin, payload: { retrain: 'weekly' } });
    assert.deepEqual(set.json(), { retrain: 'weekly', simulatedHistory: false, minHalfDays: 4, minWeeks: 1, learnerAccess: false });
    // Demo: trained today → rescored, not retrained. Other: due, but refused for lack of data.
    const tick = await runAnalyticsTick(t.db, t.clock);
    const outcome = tick.outcome as Record<string, string>;
    assert.match(outcome[demoOrgId]!, /^scored \d+ learner/);
    assert.match(outcome[other.organisation.id]!, /^ml_insufficient_data: .*at least 40/);
    t.clock.advance(8 * 86_400_000);
    const later = (await runAnalyticsTick(t.db, t.clock)).outcome as Record<string, string>;
    assert.match(later[demoOrgId]!, /^training queued \(job \d+\)/);
    const training = await t.db.selectFrom('model_versions').select(['version', 'status']).where('organisation_id', '=', demoOrgId).where('status', '=', 'training').execute();
    assert.equal(training.length, 1);
    // Not twice: the next tick (and a manual request) see the training under way.
    const again = (await runAnalyticsTick(t.db, t.clock)).outcome as Record<string, string>;
    assert.equal(again[demoOrgId], 'training already in progress');
    assert.equal((await post('/analytics/models/train', as.manager)).statusCode, 409);
    const still = await t.db.selectFrom('model_versions').select('id').where('organisation_id', '=', demoOrgId).where('status', '=', 'training').execute();
    assert.equal(still.length, 1);
  });

  test('two training requests at the same moment start one training only', async () => {
    await runner.runDue();
    const both = await Promise.all([post('/analytics/models/train', as.manager, { epochs: 1 }), post('/analytics/models/train', as.admin, { epochs: 1 })]);
    assert.deepEqual(both.map((r) => r.statusCode).sort(), [202, 409], both.map((r) => r.body).join('\n'));
    assert.equal(both.find((r) => r.statusCode === 409)!.json().code, 'conflict');
    const training = await t.db.selectFrom('model_versions').select('id').where('organisation_id', '=', demoOrgId).where('status', '=', 'training').execute();
    assert.equal(training.length, 1);
    await runner.runDue();
  });
});
