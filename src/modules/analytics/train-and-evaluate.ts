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
    return { artifact, byWeek, validationF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0, backend: runtime.backend, thread: isMainThread ? 'main' : 'worker' };
  } finally {
    risk.dispose();
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
