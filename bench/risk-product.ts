/**
 * What the risk list says, measured on learners the model never trained on
 * (issue 13, points 3 and 4), through the product's own scoring path
 * (predictLearnerWeeks: the "not enough data" rule, bands against the week's
 * base rate, reasons that are facts compared with the cohort):
 *
 * - the share of learner-weeks flagged "high" in the first two weeks of a
 *   programme (predictions for weeks 1 and 2: steps 0 and 1) against the base
 *   rate of withdrawal of the same learner-weeks, and over all weeks;
 * - the share of "high" with a reason of their own (must be 1);
 * - stability: among consecutive weeks of a learner where last week's top
 *   reason's fact did not change, how often the top reason changes anyway —
 *   with the product's rule (sticky) and without it (plain ordering by
 *   attribution).
 *
 * On the demo (a fresh demo seeded today, trained as the product trains,
 * measured on its held-out cohorts) and, with --oulad DIR, on OULAD (trained
 * on 2013B + 2013J, measured on 2014B, grouped by module presentation as
 * cohorts). `npm run bench:risk-product -- [--oulad ../shared/data/oulad] [--modules AAA,BBB] [--epochs N] --json FILE`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemCtx } from '../src/platform/auth/actor.ts';
import { FixedClock } from '../src/platform/clock.ts';
import { migrateOrThrow } from '../src/platform/db/migrate.ts';
import { withTenant } from '../src/platform/db/tenant.ts';
import { JobRunner } from '../src/platform/jobs/job-queue.ts';
import { analyticsJobHandlers } from '../src/modules/analytics/analytics-jobs.ts';
import { isCounted } from '../src/modules/analytics/emarge/emarge-dataset.ts';
import { loadEmargeLearners } from '../src/modules/analytics/emarge/emarge-learners.ts';
import { parseRiskModelArtifact, type RiskModelArtifact } from '../src/modules/analytics/engine/artifact.ts';
import { createRandom } from '../src/modules/analytics/engine/random.ts';
import { getModelRuntime } from '../src/modules/analytics/engine/model-runtime.ts';
import { loadRiskModel } from '../src/modules/analytics/engine/risk-model.ts';
import { trainRiskModel } from '../src/modules/analytics/engine/train-risk-model.ts';
import { buildFeatureMatrix, buildFeatureSchema, findRecordedSources, type FeatureSchema } from '../src/modules/analytics/features/feature-schema.ts';
import type { LearnerTimeline } from '../src/modules/analytics/features/learner-timeline.ts';
import { ANALYTICS_DEFAULTS, parseJson } from '../src/modules/analytics/model-version.repository.ts';
import { filterOuladPresentations } from '../src/modules/analytics/oulad/filter-oulad.ts';
import { buildSequenceDataset, splitByProgramRun, stepStatus } from '../src/modules/analytics/oulad/oulad-sequences.ts';
import { readOuladDataset } from '../src/modules/analytics/oulad/read-oulad.ts';
import { computeWeeklyBands, type WeeklyBands } from '../src/modules/analytics/risk-bands.ts';
import { predictLearnerWeeks, type PredictedWeek } from '../src/modules/analytics/score-learners.ts';
import { requestTraining } from '../src/modules/analytics/request-training.ts';
import { seedDemo } from '../src/modules/demo/seed-demo.ts';
import { createBenchDatabase } from './bench-database.ts';

interface Learner {
  personId: string;
  cohortId: string;
  timeline: LearnerTimeline;
  withdrawn: boolean;
  counted: (step: number) => boolean;
}

/** The figures of one data set, from the product's answers for every counted week of every held-out learner. */
async function measure(artifact: RiskModelArtifact, bands: WeeklyBands | null, learners: Learner[], imposed?: FeatureSchema) {
  const steps = artifact.featureSchema.steps;
  const stepsOf = learners.map((l) => Array.from({ length: steps }, (_, s) => s).filter((s) => l.counted(s)));
  const rule = { minHalfDays: ANALYTICS_DEFAULTS.minHalfDays, minWeeks: ANALYTICS_DEFAULTS.minWeeks };
  // One pass of the model and its integrated gradients; the plain ordering (by attribution only) from the same candidates.
  const plainTop = new Map<string, string>();
  const sticky = await predictLearnerWeeks(artifact, bands, learners, stepsOf, rule, {
    schema: imposed,
    onCandidates: (i, s, c) => {
      const best = [...c].sort((a, b) => b.attribution - a.attribution)[0];
      if (best) plainTop.set(`${i}/${s}`, best.feature);
    },
  });
  const plain = sticky.map((r) => ({ ...r, reasons: plainTop.has(`${r.learner}/${r.step}`) ? [{ ...r.reasons[0]!, feature: plainTop.get(`${r.learner}/${r.step}`)! }] : [] }));
  const schema = imposed ?? buildFeatureSchema(findRecordedSources(learners.map((l) => l.timeline)), steps);
  const x = buildFeatureMatrix(learners.map((l) => l.timeline), schema);
  const f = schema.features.length;
  const valueOf = (i: number, s: number, feature: string) => x[(i * steps + s) * f + schema.features.indexOf(feature)]!;

  const share = (rows: PredictedWeek[]) => {
    const n = rows.length;
    const high = rows.filter((r) => r.band === 'high').length;
    return {
      learnerWeeks: n,
      flaggedHigh: high,
      shareHigh: n ? high / n : null,
      baseRate: n ? rows.filter((r) => learners[r.learner]!.withdrawn).length / n : null,
      shareInsufficient: n ? rows.filter((r) => r.band === 'insufficient_data').length / n : null,
      highWithReason: high ? rows.filter((r) => r.band === 'high' && r.reasons.length > 0).length / high : null,
      highObservedWithdrawal: high ? rows.filter((r) => r.band === 'high' && learners[r.learner]!.withdrawn).length / high : null,
    };
  };
  const stability = (rows: PredictedWeek[]) => {
    const by = new Map(rows.map((r) => [`${r.learner}/${r.step}`, r]));
    let pairs = 0, changed = 0, factChangedPairs = 0, changedWithFact = 0;
    for (const r of rows) {
      const prev = by.get(`${r.learner}/${r.step - 1}`);
      if (!prev?.reasons.length || !r.reasons.length) continue;
      const top = prev.reasons[0]!.feature;
      const same = Math.abs(valueOf(r.learner, r.step, top) - valueOf(r.learner, r.step - 1, top)) < 1e-4;
      if (same) {
        pairs++;
        if (r.reasons[0]!.feature !== top) changed++;
      } else {
        factChangedPairs++;
        if (r.reasons[0]!.feature !== top) changedWithFact++;
      }
    }
    return { pairsFactUnchanged: pairs, topChangedWithoutFactChange: changed, rate: pairs ? changed / pairs : null, pairsFactChanged: factChangedPairs, topChangedWithFactChange: changedWithFact };
  };
  return {
    learners: learners.length,
    firstTwoWeeks: share(sticky.filter((r) => r.step <= 1)),
    allWeeks: share(sticky),
    stability: { product: stability(sticky), withoutStickyRule: stability(plain) },
  };
}

async function demo(epochs: number) {
  const now = new Date('2026-03-03T09:30:00Z');
  const bench = await createBenchDatabase('pglite', { name: 'risk-product', poolSize: 1 });
  try {
    await migrateOrThrow(bench.db);
    const seeded = await seedDemo(bench.db, { now });
    const org = seeded.organisation.id;
    const clock = new FixedClock(now.toISOString());
    const accepted = await requestTraining(bench.db, systemCtx(org), { clock }, { epochs });
    await new JobRunner({ db: bench.db, clock, handlers: analyticsJobHandlers({ db: bench.db, clock }) }).runDue();
    const { model, learners } = await withTenant(bench.db, org, async (trx) => {
      const model = await trx.selectFrom('model_versions').selectAll().where('id', '=', accepted.modelVersionId).executeTakeFirstOrThrow();
      const window = parseJson<{ validationCohorts: string[]; asOf: string }>(model.data_window);
      return { model, learners: await loadEmargeLearners(trx, { asOf: window.asOf, cohortIds: window.validationCohorts }) };
    });
    const artifact = parseRiskModelArtifact(parseJson(model.artifact));
    const bands = parseJson<{ bands?: WeeklyBands }>(model.metrics).bands ?? null;
    const held = learners.filter((l) => l.outcome !== null).map((l) => ({ personId: l.personId, cohortId: l.cohortId, timeline: l.timeline, withdrawn: l.outcome!.withdrawnDay !== null, counted: (s: number) => isCounted(l, s) }));
    return { validationAuc: parseJson<{ validation: { auc: number } }>(model.metrics).validation.auc, ...(await measure(artifact, bands, held)) };
  } finally {
    await bench.dispose();
  }
}

async function oulad(dir: string, modules: string[] | null, epochs: number, sampleSize: number | null) {
  const work = mkdtempSync(join(tmpdir(), 'emarge-risk-product-'));
  try {
    const pick = (presentations: string[]) => (modules ? presentations.flatMap((p) => modules.map((m) => `${m}-${p}`)) : presentations);
    const trainDir = join(work, 'train'), testDir = join(work, 'test');
    filterOuladPresentations(dir, trainDir, pick(['2013B', '2013J']));
    filterOuladPresentations(dir, testDir, pick(['2014B']));
    const trainSet = readOuladDataset(trainDir), testSet = readOuladDataset(testDir);
    const steps = Math.ceil(Math.max(...trainSet.learners.map((l) => l.timeline.programDays)) / 7) + 1;
    const schema = buildFeatureSchema(findRecordedSources(trainSet.learners.map((l) => l.timeline)), steps);
    const split = splitByProgramRun(trainSet.learners, 0.2, 42);
    const train = buildSequenceDataset(split.train, schema), validation = buildSequenceDataset(split.validation, schema);
    const runtime = await getModelRuntime();
    const artifact = await trainRiskModel(runtime, { schema, train, validation }, { seed: 42, maxEpochs: epochs, patience: 4, dataWindow: {} });
    const model = loadRiskModel(runtime, artifact);
    const pValidation = model.predictRisk(validation.x, validation.n, schema);
    model.dispose();
    const bands = computeWeeklyBands(train, validation, pValidation);
    // A seeded sample of the test presentation's learners (integrated gradients for every week of every learner is slow on a CPU).
    const sample = sampleSize && testSet.learners.length > sampleSize ? createRandom(7).shuffle([...testSet.learners]).slice(0, sampleSize) : testSet.learners;
    const held = sample.map((l, i) => ({ personId: `s${i}`, cohortId: l.group, timeline: l.timeline, withdrawn: l.outcome.withdrawnDay !== null, counted: (s: number) => s < steps && stepStatus(l, s) === 'counted' }));
    return { train: trainSet.presentations, test: testSet.presentations, testLearners: testSet.learners.length, sampled: held.length, ...(await measure(artifact, bands, held, schema)) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { json: { type: 'string' }, oulad: { type: 'string' }, modules: { type: 'string' }, epochs: { type: 'string' }, 'skip-demo': { type: 'boolean' }, sample: { type: 'string' } } });
const epochs = Number(values.epochs ?? 30);
const result: Record<string, unknown> = {};
if (!values['skip-demo']) result.demo = await demo(epochs);
if (values.oulad) result.oulad = await oulad(values.oulad, values.modules ? values.modules.split(',') : null, epochs, values.sample ? Number(values.sample) : 1500);
const text = JSON.stringify(result, null, 2);
if (values.json) writeFileSync(values.json, text);
console.log(text);
process.exit(0);
