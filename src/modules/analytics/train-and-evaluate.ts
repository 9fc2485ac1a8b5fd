/**
 * The heavy parts of training and scoring, free of any database: train the
 * sequence model on prepared datasets, then measure it on the held-out cohorts
 * (per week, and F1 at the chosen threshold); score learners and explain each
 * prediction. They run inside the worker thread (training-worker.ts), so the
 * server's event loop is never blocked by TensorFlow.js.
 */
import { isMainThread } from 'node:worker_threads';
import type { RiskModelArtifact } from './engine/artifact.ts';
import { explainRisk } from './engine/explain.ts';
import { brierScore, prAuc, rocAuc } from './engine/metrics.ts';
import type { ModelRuntime } from './engine/model-runtime.ts';
import { loadRiskModel } from './engine/risk-model.ts';
import type { SequenceDataset } from './engine/sequence-dataset.ts';
import { collectLabelled, trainRiskModel, type TrainInput } from './engine/train-risk-model.ts';
import type { FeatureSchema } from './features/feature-schema.ts';
import { computeWeeklyBands, reliabilityByWeek, type WeekReliability, type WeeklyBands } from './risk-bands.ts';

export interface WeekMetrics {
  week: number;
  n: number;
  positives: number;
  auc: number | null;
  prAuc: number | null;
  brier: number;
}

/** What the job passes to the training (plain data: it crosses the worker boundary by structured clone). */
export interface TrainingSettings {
  seed: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  target: string;
  dataWindow: Record<string, unknown>;
  /**
   * The model in service, to be compared with the candidate on the same held-out
   * (recent) learners before it is replaced: its artifact, and those learners'
   * inputs under its own feature schema (labels and mask are the candidate's validation ones).
   */
  compare?: { artifact: RiskModelArtifact; schema: FeatureSchema; x: Float32Array; include: Uint8Array };
}

/** Candidate and current model on the same held-out learner-weeks. */
export interface ModelComparison {
  n: number;
  positives: number;
  candidate: { auc: number | null; brier: number };
  current: { auc: number | null; brier: number };
}

export interface EpochReport {
  epoch: number;
  loss: number;
  validationAuc: number;
  seconds: number;
}

export interface TrainingOutcome {
  artifact: RiskModelArtifact;
  byWeek: WeekMetrics[];
  validationF1: number;
  /** Bands per week of programme against the base rate (risk-bands.ts). */
  weeklyBands: WeeklyBands;
  /** Reliability diagram per week on the held-out learners. */
  reliability: WeekReliability[];
  /** Present when settings.compare was given. */
  comparison?: ModelComparison;
  backend: string;
  /** Where it ran: 'worker' in the server (training-worker.ts), 'main' only when called directly (benchmarks). */
  thread: 'main' | 'worker';
}

/** Validation metrics per week of prediction (weeks where both outcomes occur get an AUC). */
export function metricsByWeek(d: SequenceDataset, probabilities: Float32Array): WeekMetrics[] {
  const out: WeekMetrics[] = [];
  for (let s = 0; s < d.steps; s++) {
    const labels: number[] = [], p: number[] = [];
    for (let i = 0; i < d.n; i++) {
      const k = i * d.steps + s;
      if (d.mask[k] !== 1) continue;
      labels.push(d.y[k]!);
      p.push(probabilities[k]!);
    }
    if (!labels.length) continue;
    const positives = labels.filter((y) => y === 1).length;
    const both = positives > 0 && positives < labels.length;
    const r = (v: number) => Math.round(v * 1e4) / 1e4;
    out.push({ week: s, n: labels.length, positives, auc: both ? r(rocAuc(labels, p)) : null, prAuc: both ? r(prAuc(labels, p)) : null, brier: r(brierScore(labels, p)) });
  }
  return out;
}

/** Trains, then evaluates on `input.validation`; `onEpoch` after each epoch, `onPhase('evaluating')` before measuring. */
export async function trainAndEvaluate(
  runtime: ModelRuntime,
  input: TrainInput,
  settings: TrainingSettings,
  hooks: { onEpoch?: (e: EpochReport) => void | Promise<void>; onPhase?: (phase: 'evaluating', epoch: number) => void | Promise<void> } = {},
): Promise<TrainingOutcome> {
  const artifact = await trainRiskModel(runtime, input, {
    seed: settings.seed,
    maxEpochs: settings.maxEpochs,
    patience: settings.patience,
    batchSize: settings.batchSize,
    target: settings.target,
    dataWindow: settings.dataWindow,
    onEpoch: hooks.onEpoch,
  });
  await hooks.onPhase?.('evaluating', artifact.training.epochsRun);
  const risk = loadRiskModel(runtime, artifact);
  try {
    const p = risk.predictRisk(input.validation.x, input.validation.n, input.schema);
    const byWeek = metricsByWeek(input.validation, p);
    const pooled = collectLabelled(input.validation, p);
    let tp = 0, fp = 0, fn = 0;
    pooled.labels.forEach((y, i) => {
      const flagged = pooled.logits[i]! >= artifact.threshold;
      if (flagged && y === 1) tp++;
      else if (flagged) fp++;
      else if (y === 1) fn++;
    });
    const weeklyBands = computeWeeklyBands(input.train, input.validation, p);
    let comparison: ModelComparison | undefined;
    if (settings.compare) comparison = compareOnValidation(runtime, input.validation, p, settings.compare);
    return { artifact, byWeek, validationF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0, weeklyBands, reliability: reliabilityByWeek(input.validation, p), comparison, backend: runtime.backend, thread: isMainThread ? 'main' : 'worker' };
  } finally {
    risk.dispose();
  }
}

function compareOnValidation(runtime: ModelRuntime, d: SequenceDataset, candidate: Float32Array, compare: NonNullable<TrainingSettings['compare']>): ModelComparison {
  const current = loadRiskModel(runtime, compare.artifact);
  try {
    const q = current.predictRisk(compare.x, d.n, compare.schema);
    const labels: number[] = [], a: number[] = [], b: number[] = [];
    for (let i = 0; i < d.n; i++) {
      if (compare.include[i] !== 1) continue; // learners the current model trained on are left out
      for (let s = 0; s < d.steps; s++) {
        const k = i * d.steps + s;
        if (d.mask[k] !== 1) continue;
        // The current model may cover fewer weeks: its last week stands for the later ones.
        const sc = Math.min(s, compare.schema.steps - 1);
        labels.push(d.y[k]!);
        a.push(candidate[k]!);
        b.push(q[i * compare.schema.steps + sc]!);
      }
    }
    const positives = labels.filter((y) => y === 1).length;
    const both = positives > 0 && positives < labels.length;
    const r = (v: number) => Math.round(v * 1e4) / 1e4;
    return {
      n: labels.length,
      positives,
      candidate: { auc: both ? r(rocAuc(labels, a)) : null, brier: r(brierScore(labels, a)) },
      current: { auc: both ? r(rocAuc(labels, b)) : null, brier: r(brierScore(labels, b)) },
    };
  } finally {
    current.dispose();
  }
}

/** Which weeks of which learner (row of `x`) to score and explain. */
export interface ScoreRequest {
  artifact: RiskModelArtifact;
  schema: TrainInput['schema'];
  /** [n, steps, features] raw inputs of the learners. */
  x: Float32Array;
  n: number;
  weeks: Array<{ learner: number; steps: number[] }>;
  top: number;
  pathSteps: number;
}

export interface ScoredWeek {
  learner: number;
  step: number;
  probability: number;
  /** Factors raising the risk, strongest first (integrated gradients). */
  raising: Array<{ feature: string; value: number; attribution: number }>;
}

/** Probabilities and explanations (integrated gradients) for the asked weeks; runs in the worker thread too. */
export function scoreAndExplain(runtime: ModelRuntime, request: ScoreRequest): ScoredWeek[] {
  const risk = loadRiskModel(runtime, request.artifact);
  try {
    const { schema, x, n } = request;
    const probabilities = risk.predictRisk(x, n, schema);
    const steps = schema.steps;
    const rowSize = steps * schema.features.length;
    const out: ScoredWeek[] = [];
    for (const { learner, steps: asked } of request.weeks) {
      const xi = x.subarray(learner * rowSize, (learner + 1) * rowSize);
      for (const s of asked) {
        const explanation = explainRisk(risk, xi, schema, s, { top: request.top, pathSteps: request.pathSteps });
        out.push({ learner, step: s, probability: probabilities[learner * steps + s]!, raising: explanation.raising.map((f) => ({ feature: f.feature, value: f.value, attribution: f.attribution })) });
      }
    }
    return out;
  } finally {
    risk.dispose();
  }
}
