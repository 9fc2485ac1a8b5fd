import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type AuthHeaders, type TestContext } from '../../../test/context.ts';
import { sessionHeaders } from '../../../test/factories.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { JobRunner } from '../../platform/jobs/job-queue.ts';
import { advanceDemoHistory } from '../demo/seed-demo-history.ts';
import { seedDemo } from '../demo/seed-demo.ts';
import { analyticsJobHandlers, runAnalyticsTick } from './analytics-jobs.ts';
import { FACT_RULES } from './reason-texts.ts';
import { chooseReasons } from './score-learners.ts';

/**
 * Issue 13 on a fresh demo started on day 2 of its programme (Tuesday
 * 3 March 2026): "not enough data yet" instead of a band, reasons that are facts
 * compared with the cohort, one current prediction per learner and week, the
 * learner's own page only where enabled, the model card in the reader's
 * language, and a simulated month after which the card shows live monitoring
 * and a retraining is compared with the model in service.
 */
describe('risk predictions worth acting on (demo, through the API)', () => {
  let t: TestContext;
  let runner: JobRunner;
  let orgId: string;
  const as: Record<'admin' | 'manager' | 'lea', AuthHeaders> = {} as never;
  let modelId: string;
  const get = (url: string, who: AuthHeaders) => t.request({ method: 'GET', url: `/api/v1${url}`, as: who });
  const post = (url: string, who: AuthHeaders, payload: unknown = {}) => t.request({ method: 'POST', url: `/api/v1${url}`, as: who, payload: payload as never });
  const patch = (url: string, who: AuthHeaders, payload: unknown) => t.request({ method: 'PATCH', url: `/api/v1${url}`, as: who, payload: payload as never });
  type Item = { id: string; personId: string; personName: string; cohortName: string; band: string; probability: number | null; weekStart: string; reasons: Array<{ feature: string; textFr: string; textEn: string; value: number | null; cohortMedian: number | null }> };

  before(async () => {
    t = await createTestContext({ now: '2026-03-03T09:30:00Z' });
    const demo = await seedDemo(t.db, { now: t.clock.now() });
    orgId = demo.organisation.id;
    const idOf = async (email: string) => (await t.db.selectFrom('people').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    as.admin = await sessionHeaders(t.db, orgId, await idOf('admin@demo.emarge.test'));
    as.manager = await sessionHeaders(t.db, orgId, await idOf('manager@demo.emarge.test'));
    as.lea = await sessionHeaders(t.db, orgId, await idOf(demo.logins.find((l) => l.role === 'learner')!.email));
    runner = new JobRunner({ db: t.db, clock: t.clock, handlers: analyticsJobHandlers({ db: t.db, clock: t.clock }) });
    // Three learners imported minutes before the training, into the first DWWM cohort.
    const cohort = (await get('/cohorts', as.admin)).json().items.find((c: { name: string }) => c.name === 'DWWM — Groupe A');
    for (const n of [1, 2, 3]) {
      const person = await post('/people', as.admin, { email: `nouveau${n}@demo.emarge.test`, givenName: `Nouveau${n}`, familyName: 'Arrivé', roles: ['learner'] });
      assert.equal(person.statusCode, 201, person.body);
      assert.equal((await post(`/cohorts/${cohort.id}/enrolments`, as.admin, { personId: person.json().id })).statusCode, 201);
    }
    const res = await post('/analytics/models/train', as.manager, { epochs: 6 });
    assert.equal(res.statusCode, 202, res.body);
    modelId = res.json().modelVersionId;
    assert.equal(await runner.runDue(), 1);
    assert.equal((await get('/analytics/models', as.manager)).json().items[0].status, 'ready');
  });
  after(() => t.close());

  test('day 2: every DWWM learner, the three new ones included, is "not enough data yet", never a band', async () => {
    const items = (await get('/analytics/risk?band=all', as.manager)).json().items as Item[];
    const dwwm = items.filter((i) => i.cohortName.startsWith('DWWM'));
    assert.equal(dwwm.length, 33);
    for (const i of dwwm) {
      assert.equal(i.band, 'insufficient_data', `${i.personName}: ${i.band}`);
      assert.equal(i.probability, null);
      assert.deepEqual(i.reasons, []);
    }
    assert.ok(dwwm.some((i) => i.personName.startsWith('Nouveau')));
    const insufficient = (await get('/analytics/risk?band=insufficient_data', as.manager)).json().items as Item[];
    assert.equal(insufficient.filter((i) => i.cohortName.startsWith('DWWM')).length, 33);
    const atRisk = (await get('/analytics/risk', as.manager)).json().items as Item[];
    assert.ok(atRisk.every((i) => i.band === 'high' || i.band === 'medium'));
  });

  test('reasons are facts that raise the risk, compared with the cohort; never a zero count or the calendar; "high" always has one', async () => {
    const items = (await get('/analytics/risk?band=all', as.manager)).json().items as Item[];
    const scored = items.filter((i) => i.band !== 'insufficient_data');
    assert.ok(scored.length >= 20, `${scored.length} learners of the history cohorts in progress are scored`);
    for (const i of scored) {
      if (i.band === 'high') assert.ok(i.reasons.length >= 1, `${i.personName} is high without a reason`);
      for (const r of i.reasons) {
        assert.ok(FACT_RULES[r.feature], `${r.feature} is not a fact that can be a reason`);
        assert.doesNotMatch(r.feature, /^program_|_recorded$|^sessions_so_far$|^next_due/);
        assert.match(r.textFr, / — (médiane de la promotion|moyenne des apprenants passés) : /);
        assert.match(r.textEn, / — (cohort median|past learners' mean): /);
        assert.doesNotMatch(r.textFr, /^0 [a-z]|écoulés|jusqu’ici$/, 'never a zero count, never the calendar');
        assert.ok(r.value !== null && r.cohortMedian !== null);
        const rule = FACT_RULES[r.feature]!;
        assert.ok(rule.worse === 'higher' ? r.value! > r.cohortMedian! : r.value! < r.cohortMedian!, `${r.textFr}: not worse than the cohort`);
      }
    }
    // The same reasons on the learner's page as on the manager's, and the API gives them once.
    const someone = scored.find((i) => i.reasons.length > 0)!;
    const headers = await sessionHeaders(t.db, orgId, someone.personId);
    const mine = (await get('/me/risk', headers)).json();
    const same = mine.predictions.find((p: Item) => p.id === someone.id);
    assert.deepEqual(same.reasons, someone.reasons);
  });

  test('Léa, enrolled on day 0: her page says so, with one card per week, whom to talk to, and nothing to object to yet', async () => {
    const res = await get('/me/risk', as.lea);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.enabled, true);
    assert.ok(body.predictions.length >= 1);
    assert.ok(body.predictions.every((p: Item) => p.band === 'insufficient_data' && p.probability === null));
    const weeks = body.predictions.map((p: Item) => p.weekStart);
    assert.equal(new Set(weeks).size, weeks.length, 'one prediction per week');
    assert.ok(body.contacts.some((c: { name: string }) => c.name === 'Sophie Laurent'));
    const objection = await post('/me/risk/objections', as.lea, { predictionId: body.predictions[0].id, message: 'Je viens d’arriver.' });
    assert.equal(objection.statusCode, 409);
    assert.equal(objection.json().reason, 'prediction_without_estimate');
  });

  test('the learner sees their own predictions only where the organisation enables it (admin setting, audited)', async () => {
    assert.equal((await patch('/analytics/settings', as.manager, { learnerAccess: false })).statusCode, 403);
    const off = await patch('/analytics/settings', as.admin, { learnerAccess: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().learnerAccess, false);
    const body = (await get('/me/risk', as.lea)).json();
    assert.equal(body.enabled, false);
    assert.deepEqual(body.predictions, []);
    assert.equal((await patch('/analytics/settings', as.admin, { minHalfDays: -1 })).statusCode, 400);
    assert.equal((await patch('/analytics/settings', as.admin, { learnerAccess: true })).json().learnerAccess, true);
    const audit = await t.db.selectFrom('audit_events').select('payload').where('type', '=', 'analytics.settings_updated').execute();
    assert.ok(audit.some((a) => (a.payload as { learnerAccess?: boolean }).learnerAccess === false));
  });

  test('the model card is in both languages, without codes or routes, with bands and reliability per week', async () => {
    const card = (await get(`/analytics/models/${modelId}/card`, as.manager)).json();
    const texts = [card.intendedUse, card.humanOversight, card.target, ...card.limits] as Array<{ fr: string; en: string }>;
    for (const x of texts) {
      assert.ok(x.fr && x.en);
      assert.doesNotMatch(`${x.fr} ${x.en}`, /\/api|GET |POST |\/me\/|platt|[a-z]+_[a-z]+/);
    }
    assert.ok(!card.limits.some((l: { en: string }) => /not recorded by Emarge yet/.test(l.en)));
    assert.ok(card.limits.some((l: { fr: string }) => /les évaluations et quiz/.test(l.fr)), 'the sources not used are named in words');
    assert.ok(card.features.every((f: { name: string; meaning_fr: string }) => f.meaning_fr !== f.name), 'every feature has its French meaning');
    assert.equal(card.bands.method, 'base_rate_by_week');
    assert.ok(card.bands.weeks.length >= 5);
    for (const w of card.bands.weeks) assert.ok((w.high >= 2 * w.baseRate - 3e-4 || w.high === 0.95) && w.medium <= w.high, JSON.stringify(w));
    assert.ok(card.reliabilityByWeek.length >= 5 && card.reliabilityByWeek[0].bins.length >= 1);
    assert.deepEqual(card.dataRule, { minHalfDays: 4, minWeeks: 1 });
    assert.deepEqual(card.monitoring, []);
  });

  test('after a simulated month: live monitoring per version on the card, then a retraining compared with the model in service', async () => {
    // Weekly scoring (not retraining) through the scheduled tick, while the simulated history moves on.
    assert.equal((await patch('/analytics/settings', as.admin, { retrain: 'off' })).statusCode, 200);
    let written = { records: 0, withdrawn: 0, completed: 0 };
    for (let week = 1; week <= 5; week++) {
      t.clock.advance(7 * 86_400_000);
      const today = new Date(t.clock.now().getTime() + 3_600_000).toISOString().slice(0, 10);
      const w = await withTenant(t.db, orgId, (trx) => advanceDemoHistory(trx, { organisationId: orgId, today }));
      written = { records: written.records + w.records, withdrawn: written.withdrawn + w.withdrawn, completed: written.completed + w.completed };
      const tick = (await runAnalyticsTick(t.db, t.clock)).outcome as Record<string, string>;
      assert.match(tick[orgId]!, /^scored \d+ learner/);
    }
    assert.ok(written.records > 100 && written.completed > 0, JSON.stringify(written));
    const card = (await get(`/analytics/models/${modelId}/card`, as.manager)).json();
    assert.ok(card.monitoring.length >= 1, 'monitoring rows');
    const latest = card.monitoring[0];
    assert.equal(latest.version, 1);
    assert.ok(latest.predictions > 0 && latest.positives > 0, JSON.stringify(latest));
    assert.ok(latest.auc === null || (latest.auc >= 0 && latest.auc <= 1));
    assert.ok(latest.flagRate !== null && latest.ece !== null);
    assert.equal(typeof latest.validation.auc, 'number');
    assert.ok(Array.isArray(latest.alerts));

    // Retraining now: the candidate is measured against version 1 on the same recent learners before replacing it.
    const res = await post('/analytics/models/train', as.manager, { epochs: 6 });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(await runner.runDue(), 1);
    const v2 = (await get(`/analytics/models/${res.json().modelVersionId}`, as.manager)).json();
    const comparison = v2.metrics.comparison;
    assert.equal(comparison.currentVersion, 1);
    assert.ok(['replaced', 'kept_current'].includes(comparison.decision));
    assert.equal(v2.status, comparison.decision === 'replaced' ? 'ready' : 'rejected');
    const v1 = (await get(`/analytics/models/${modelId}`, as.manager)).json();
    assert.equal(v1.status, comparison.decision === 'replaced' ? 'retired' : 'ready');
    // Whatever was decided, each learner has one current prediction per week, from the model in service.
    const current = comparison.decision === 'replaced' ? v2.id : modelId;
    const items = (await get('/analytics/risk?band=all', as.manager)).json();
    assert.equal(items.model.id, current);
    const someone = (items.items as Item[]).find((i) => i.band !== 'insufficient_data')!;
    const mine = (await get('/me/risk', await sessionHeaders(t.db, orgId, someone.personId))).json();
    const keys = mine.predictions.map((p: Item & { cohortId: string }) => `${p.cohortId}/${p.weekStart}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(mine.predictions.every((p: { modelVersionId: string }) => p.modelVersionId === current));
    const kept = await t.db.selectFrom('risk_predictions').select('id').where('model_version_id', '=', modelId).execute();
    assert.ok(kept.length > 0, 'the older predictions are kept for audit');
  });

  test('reasons stay in place while their fact is unchanged', () => {
    const reason = (feature: string) => ({ feature, text_fr: feature, text_en: feature, contribution: 0 });
    const candidates = [
      { feature: 'late_rate', value: 0.3, attribution: 0.5, reason: reason('late_rate') },
      { feature: 'unjustified_absences', value: 3, attribution: 0.4, reason: reason('unjustified_absences') },
    ];
    assert.equal(chooseReasons(candidates, { feature: 'unjustified_absences', value: 3 })[0]!.feature, 'unjustified_absences');
    assert.equal(chooseReasons(candidates, { feature: 'unjustified_absences', value: 2 })[0]!.feature, 'late_rate', 'the fact changed');
    assert.equal(chooseReasons(candidates, { feature: 'unjustified_absences', value: 3 }, false)[0]!.feature, 'late_rate');
  });
});
