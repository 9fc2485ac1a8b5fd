/**
 * Training data for a sequence model: inputs [n, steps, features] and, per
 * learner and step, a label and a mask (1 where the label counts: the learner
 * was enrolled and not yet withdrawn at that step's cut-off).
 */
import { AppError } from '../../../platform/errors/app-error.ts';
import type { Normalisation } from './artifact.ts';

export interface SequenceDataset {
  n: number;
  steps: number;
  features: number;
  /** [n, steps, features] row-major. */
  x: Float32Array;
  /** [n, steps] 0/1. */
  y: Float32Array;
  /** [n, steps] 1 where the label counts. */
  mask: Float32Array;
}

export const MIN_TRAINING_LEARNERS = 30;
export const MIN_LEARNERS_PER_CLASS = 5;
export const MIN_VALIDATION_LEARNERS = 10;

/** Refuses missing (NaN) or infinite inputs, naming the first learner/step/feature found. */
export function assertFiniteInputs(x: Float32Array, steps: number, featureNames: readonly string[], what = 'input'): void {
  const f = featureNames.length;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      const learner = Math.floor(i / (steps * f));
      const step = Math.floor(i / f) % steps;
      const feature = featureNames[i % f];
      throw new AppError('ml_invalid_input', `The ${what} holds a ${Number.isNaN(x[i]!) ? 'missing (NaN)' : 'infinite'} value: learner #${learner}, week ${step}, feature "${feature}". Fill or drop it before training or predicting.`);
    }
  }
}

export function assertDatasetShape(d: SequenceDataset, what: string): void {
  if (d.x.length !== d.n * d.steps * d.features) throw new AppError('ml_invalid_input', `The ${what} inputs hold ${d.x.length} values, expected ${d.n}×${d.steps}×${d.features}`);
  if (d.y.length !== d.n * d.steps || d.mask.length !== d.n * d.steps) throw new AppError('ml_invalid_input', `The ${what} labels or mask do not have ${d.n}×${d.steps} values`);
  for (let i = 0; i < d.y.length; i++) {
    if (d.mask[i] !== 0 && d.mask[i] !== 1) throw new AppError('ml_invalid_input', `The ${what} mask must be 0 or 1 (value ${d.mask[i]} at position ${i})`);
    if (d.mask[i] === 1 && d.y[i] !== 0 && d.y[i] !== 1) throw new AppError('ml_invalid_input', `The ${what} labels must be 0 or 1 (value ${d.y[i]} at position ${i})`);
  }
}

/** Counts learners with at least one labelled step, and those with a positive / a negative label. */
export function countLearners(d: SequenceDataset): { labelled: number; positive: number; negative: number } {
  let labelled = 0, positive = 0, negative = 0;
  for (let i = 0; i < d.n; i++) {
    let any = false, pos = false, neg = false;
    for (let s = 0; s < d.steps; s++) {
      const k = i * d.steps + s;
      if (d.mask[k] !== 1) continue;
      any = true;
      if (d.y[k] === 1) pos = true;
      else neg = true;
    }
    if (any) labelled++;
    if (pos) positive++;
    if (neg) negative++;
  }
  return { labelled, positive, negative };
}

/** Per-feature mean and standard deviation over the labelled steps (std 1 for constant features, listed in `constant`). */
export function fitNormalisation(d: SequenceDataset): Normalisation {
  const f = d.features;
  const sum = new Float64Array(f), sq = new Float64Array(f);
  let count = 0;
  for (let k = 0; k < d.n * d.steps; k++) {
    if (d.mask[k] !== 1) continue;
    count++;
    const base = k * f;
    for (let j = 0; j < f; j++) {
      const v = d.x[base + j]!;
      sum[j]! += v;
      sq[j]! += v * v;
    }
  }
  const mean: number[] = [], std: number[] = [], constant: number[] = [];
  for (let j = 0; j < f; j++) {
    const m = count ? sum[j]! / count : 0;
    const variance = count ? Math.max(0, sq[j]! / count - m * m) : 0;
    mean.push(m);
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
    if (!(variance > 1e-12)) constant.push(j);
  }
  return { mean, std, constant };
}

/** (x − mean) / std per feature; 0 for the features constant in training (Normalisation.constant). */
export function normalise(x: Float32Array, features: number, norm: Normalisation): Float32Array {
  const out = new Float32Array(x.length);
  const scale = norm.std.map((s) => 1 / s);
  for (const j of norm.constant ?? []) scale[j] = 0;
  for (let i = 0; i < x.length; i++) {
    const j = i % features;
    out[i] = (x[i]! - norm.mean[j]!) * scale[j]!;
  }
  return out;
}
