/**
 * The OULAD withdrawal benchmark: train on the presentations of one folder,
 * evaluate on those of another (each in the OULAD layout), predicting at given
 * weeks with only what was known by then. Used by `emarge ml bench oulad` and
 * bench/risk.ts (which adds the scikit-learn and PyTorch baselines on the
 * tensors exported here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../platform/errors/app-error.ts';
import { buildFeatureSchema, findRecordedSources, type FeatureSchema } from '../features/feature-schema.ts';
import { cutoffDayOfStep } from '../features/weekly-features.ts';
import type { RiskModelArtifact } from '../engine/artifact.ts';
import { explainRisk, type Explanation } from '../engine/explain.ts';
import { bestF1Threshold, brierScore, f1At, prAuc, reliability, rocAuc } from '../engine/metrics.ts';
import type { ModelRuntime } from '../engine/model-runtime.ts';
import { loadRiskModel } from '../engine/risk-model.ts';
import { normalise, type SequenceDataset } from '../engine/sequence-dataset.ts';
import { ARCHITECTURES, type Architecture } from '../engine/sequence-model.ts';
import { trainRiskModel, type TrainOptions } from '../engine/train-risk-model.ts';
import { computeFairness, type FairnessReport } from '../fairness/fairness-metrics.ts';
import { readOuladDataset, type AuditAttributes, type OuladLearner } from './read-oulad.ts';
import { buildSequenceDataset, splitByProgramRun, stepStatus } from './oulad-sequences.ts';
import { buildSnapshotMatrix, SNAPSHOT_FEATURES } from './snapshot-features.ts';

export const AUDIT_ATTRIBUTES: (keyof AuditAttributes)[] = ['gender', 'age_band', 'disability', 'imd_band'];

export interface OuladBenchOptions {
  trainDir: string;
  testDir: string;
  weeks?: number[];
  /** One architecture, or several to compare on validation (the best validation AUC is evaluated on test). */
  architectures?: Architecture[];
  seed?: number;
  validationShare?: number;
  train?: Omit<TrainOptions, 'architecture' | 'seed' | 'dataWindow'>;
  /** Writes normalised tensors and labels here for bench/baselines.py. */
  exportDir?: string;
  explainExamples?: number;
  log?: (line: string) => void;
}

export interface WeekResult {
  week: number;
  auc: number;
  pr_auc: number;
  f1: number;
  brier: number;
  ece: number;
  threshold: number;
  n_test: number;
  positives: number;
  excluded_already_withdrawn: number;
  excluded_not_enrolled: number;
  validation_auc: number;
}

export interface ArchitectureTrial {
  architecture: Architecture;
  validation_auc_pooled: number;
  validation_auc_weeks: Record<number, number>;
  validation_auc_mean_weeks: number;
  epochs_run: number;
  best_epoch: number;
  seconds_per_epoch: number;
  cpu_seconds_per_epoch: number | null;
  train_seconds: number;
  parameters: number;
}

function evaluationPairs(d: SequenceDataset, values: Float32Array, step: number): { labels: number[]; values: number[]; index: number[] } {
  const labels: number[] = [], out: number[] = [], index: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const k = i * d.steps + step;
    if (d.mask[k] !== 1) continue;
    labels.push(d.y[k]!);
    out.push(values[k]!);
    index.push(i);
  }
  return { labels, values: out, index };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

function writeTensors(dir: string, name: string, d: SequenceDataset, xNorm: Float32Array): void {
  writeFileSync(path.join(dir, `${name}_x.f32`), Buffer.from(xNorm.buffer, xNorm.byteOffset, xNorm.byteLength));
  writeFileSync(path.join(dir, `${name}_y.f32`), Buffer.from(d.y.buffer, d.y.byteOffset, d.y.byteLength));
  writeFileSync(path.join(dir, `${name}_mask.f32`), Buffer.from(d.mask.buffer, d.mask.byteOffset, d.mask.byteLength));
}

export async function runOuladBench(runtime: ModelRuntime, options: OuladBenchOptions) {
  const log = options.log ?? (() => {});
  const weeks = options.weeks ?? [4, 8, 12, 20];
  const seed = options.seed ?? 42;
  const t0 = performance.now();

  const trainSet = readOuladDataset(options.trainDir);
  const testSet = readOuladDataset(options.testDir);
  const overlap = testSet.presentations.filter((p) => trainSet.presentations.includes(p));
  if (overlap.length) throw new AppError('bad_request', `The test folder holds presentation(s) also in the training folder: ${overlap.join(', ')}. Evaluate on presentations the model has not seen.`);
  if (!trainSet.learners.length || !testSet.learners.length) throw new AppError('ml_insufficient_data', `No learner found in ${trainSet.learners.length ? options.testDir : options.trainDir}`);
  log(`read ${trainSet.learners.length} training and ${testSet.learners.length} test registrations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const maxDays = Math.max(...trainSet.learners.map((l) => l.timeline.programDays));
  const steps = Math.max(Math.max(...weeks) + 1, Math.ceil(maxDays / 7) + 1);
  const schema: FeatureSchema = buildFeatureSchema(findRecordedSources(trainSet.learners.map((l) => l.timeline)), steps);
  const split = splitByProgramRun(trainSet.learners, options.validationShare ?? 0.2, seed);
  const tf0 = performance.now();
  const train = buildSequenceDataset(split.train, schema);
  const validation = buildSequenceDataset(split.validation, schema);
  const test = buildSequenceDataset(testSet.learners, schema);
  const featureSeconds = (performance.now() - tf0) / 1000;
  log(`features: ${schema.features.length} per week × ${steps} weeks (sources: ${schema.sources.join(', ')}), built in ${featureSeconds.toFixed(1)} s; validation runs: ${split.validationRuns.join(', ')}`);

  const dataWindow = {
    trainPresentations: trainSet.presentations,
    testPresentations: testSet.presentations,
    validationRuns: split.validationRuns,
    trainLearners: split.train.length,
    validationLearners: split.validation.length,
    activityRecordedIn: trainSet.withActivity,
  };

  const candidates = options.architectures?.length ? options.architectures : (['gru'] as Architecture[]);
  for (const a of candidates) if (!ARCHITECTURES.includes(a)) throw new AppError('bad_request', `Unknown architecture "${a}" (expected ${ARCHITECTURES.join(', ')})`);
  const trials: ArchitectureTrial[] = [];
  let chosen: { artifact: RiskModelArtifact; trial: ArchitectureTrial } | null = null;
  for (const architecture of candidates) {
    const artifact = await trainRiskModel(runtime, { schema, train, validation }, {
      ...options.train, architecture, seed, dataWindow,
      onEpoch: (e) => log(`  ${architecture} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation AUC ${e.validationAuc.toFixed(4)}, ${e.seconds.toFixed(2)} s`),
    });
    const model = loadRiskModel(runtime, artifact);
    const valLogits = model.predictLogits(validation.x, validation.n, schema);
    model.dispose();
    const perWeek: Record<number, number> = {};
    for (const w of weeks) {
      const p = evaluationPairs(validation, valLogits, w);
      perWeek[w] = rocAuc(p.labels, p.values);
    }
    const trial: ArchitectureTrial = {
      architecture,
      validation_auc_pooled: artifact.metrics.validation.auc,
      validation_auc_weeks: perWeek,
      validation_auc_mean_weeks: weeks.reduce((s, w) => s + perWeek[w]!, 0) / weeks.length,
      epochs_run: artifact.training.epochsRun,
      best_epoch: artifact.training.bestEpoch,
      seconds_per_epoch: median(artifact.training.epochSeconds),
      cpu_seconds_per_epoch: artifact.training.epochCpuSeconds ? median(artifact.training.epochCpuSeconds) : null,
      train_seconds: artifact.training.trainSeconds,
      parameters: artifact.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0),
    };
    trials.push(trial);
    log(`${architecture}: validation AUC mean over weeks ${trial.validation_auc_mean_weeks.toFixed(4)}, ${trial.seconds_per_epoch.toFixed(2)} s/epoch, ${trial.epochs_run} epochs`);
    if (!chosen || trial.validation_auc_mean_weeks > chosen.trial.validation_auc_mean_weeks) chosen = { artifact, trial };
  }
  const artifact = chosen!.artifact;

  // Test: the chosen model, reloaded from its serialised form (what production does).
  const model = loadRiskModel(runtime, JSON.parse(JSON.stringify(artifact)));
  const testRisk = model.predictRisk(test.x, test.n, schema);
  const valRisk = model.predictRisk(validation.x, validation.n, schema);
  const results: WeekResult[] = [];
  const fairness: Record<number, FairnessReport[]> = {};
  const explanations: { learner: string; week: number; withdrew_later: boolean; explanation: Explanation }[] = [];
  for (const w of weeks) {
    const step = w;
    const v = evaluationPairs(validation, valRisk, step);
    const { threshold } = bestF1Threshold(v.labels, v.values);
    const t = evaluationPairs(test, testRisk, step);
    let alreadyWithdrawn = 0, notEnrolled = 0;
    for (const l of testSet.learners) {
      const s = stepStatus(l, step);
      if (s === 'already_withdrawn') alreadyWithdrawn++;
      if (s === 'not_enrolled') notEnrolled++;
    }
    results.push({
      week: w,
      auc: rocAuc(t.labels, t.values),
      pr_auc: prAuc(t.labels, t.values),
      f1: f1At(t.labels, t.values, threshold),
      brier: brierScore(t.labels, t.values),
      ece: reliability(t.labels, t.values).ece,
      threshold,
      n_test: t.labels.length,
      positives: t.labels.reduce((a, b) => a + b, 0),
      excluded_already_withdrawn: alreadyWithdrawn,
      excluded_not_enrolled: notEnrolled,
      validation_auc: rocAuc(v.labels, v.values),
    });
    fairness[w] = AUDIT_ATTRIBUTES.map((attr) => computeFairness(attr, t.labels, t.values, t.index.map((i) => testSet.learners[i]!.audit[attr]), threshold));
  }

  // A few explained predictions: the highest risks at the second evaluation week.
  const explainWeek = weeks[Math.min(1, weeks.length - 1)]!;
  const pairs = evaluationPairs(test, testRisk, explainWeek);
  const order = pairs.index.map((i, k) => ({ i, risk: pairs.values[k]! })).sort((a, b) => b.risk - a.risk);
  const picks = [...order.slice(0, options.explainExamples ?? 3), order[Math.floor(order.length / 2)]].filter(Boolean) as { i: number }[];
  const rowSize = steps * schema.features.length;
  for (const { i } of picks) {
    const learner: OuladLearner = testSet.learners[i]!;
    explanations.push({
      learner: learner.timeline.learnerId,
      week: explainWeek,
      withdrew_later: learner.outcome.withdrawnDay !== null && learner.outcome.withdrawnDay > cutoffDayOfStep(explainWeek),
      explanation: explainRisk(model, test.x.slice(i * rowSize, (i + 1) * rowSize), schema, explainWeek),
    });
  }
  model.dispose();

  if (options.exportDir) {
    mkdirSync(options.exportDir, { recursive: true });
    writeTensors(options.exportDir, 'train', train, normalise(train.x, train.features, artifact.normalisation));
    writeTensors(options.exportDir, 'validation', validation, normalise(validation.x, validation.features, artifact.normalisation));
    writeTensors(options.exportDir, 'test', test, normalise(test.x, test.features, artifact.normalisation));
    // The second baseline set: 23 plain snapshot features per learner and week (raw values; the baselines scale them).
    for (const [name, learners] of [['train', split.train], ['validation', split.validation], ['test', testSet.learners]] as const) {
      const snap = buildSnapshotMatrix(learners, steps);
      writeFileSync(path.join(options.exportDir, `${name}_snap.f32`), Buffer.from(snap.buffer, snap.byteOffset, snap.byteLength));
    }
    // Our calibrated test risks [n, steps], for the paired bootstrap of AUC differences in bench/baselines.py.
    writeFileSync(path.join(options.exportDir, 'test_ours.f32'), Buffer.from(testRisk.buffer, testRisk.byteOffset, testRisk.byteLength));
    writeFileSync(path.join(options.exportDir, 'meta.json'), JSON.stringify({
      n: { train: train.n, validation: validation.n, test: test.n },
      steps, features: schema.features, snapshot_features: SNAPSHOT_FEATURES, weeks, seed,
      model: artifact.topology,
      training: { batchSize: artifact.training.batchSize, learningRate: artifact.training.learningRate, weightDecay: artifact.training.weightDecay ?? 0, classWeights: artifact.training.classWeights, threads: runtime.threads },
    }, null, 2));
  }

  const { weights: _weights, ...artifactSummary } = artifact;
  return {
    benchmark: 'oulad-withdrawal',
    source: 'Open University Learning Analytics Dataset (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0)',
    weeks: results,
    model: {
      architecture: artifact.topology.architecture,
      topology: artifact.topology,
      parameters: chosen!.trial.parameters,
      calibration: artifact.calibration,
      validation: artifact.metrics.validation,
      training: artifact.training,
      seconds_per_epoch_median: chosen!.trial.seconds_per_epoch,
      cpu_seconds_per_epoch_median: chosen!.trial.cpu_seconds_per_epoch,
      code_version: artifact.codeVersion,
    },
    architecture_comparison: trials,
    runtime: { backend: runtime.backend, simd: runtime.simd, threads: runtime.threads },
    data: {
      ...dataWindow,
      testLearners: testSet.learners.length,
      featureSchema: schema,
      excluded: { train: trainSet.excluded, test: testSet.excluded },
      evaluation_rule: 'At week w (cut-off day 7w) a learner counts if enrolled by the cut-off, not withdrawn on or before it (already withdrawn: excluded, counted in excluded_already_withdrawn) and the presentation has not ended; label = withdraws after the cut-off. Features use only events dated before the cut-off; TMA scores count from submission + 14 days.',
      feature_seconds: featureSeconds,
    },
    fairness_audit: fairness,
    explanations,
    artifact_summary: { ...artifactSummary, weights: `${artifact.weights.length} tensors` },
    total_seconds: (performance.now() - t0) / 1000,
  };
}

export type OuladBenchResult = Awaited<ReturnType<typeof runOuladBench>>;
