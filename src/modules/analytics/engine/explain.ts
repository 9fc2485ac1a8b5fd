/**
 * Explains one prediction by its top factors, computed from the model with
 * integrated gradients (Sundararajan et al. 2017): the logit at the week of
 * prediction is integrated along the straight path from a baseline (the
 * average training learner: 0 after normalisation) to the learner's inputs.
 * Attributions of a feature are summed over the weeks up to the prediction
 * (the model is causal, later weeks get none), and each factor is put in
 * words from the learner's value that week.
 */
import type * as TF from '@tensorflow/tfjs';
import { FEATURE_DEFINITIONS } from '../features/weekly-features.ts';
import { normalise } from './sequence-dataset.ts';
import { forwardSequence } from './sequence-model.ts';
import type { RiskModel } from './risk-model.ts';
import type { FeatureSchema } from '../features/feature-schema.ts';

export interface RiskFactor {
  feature: string;
  /** Contribution to the logit (positive: raises the risk). */
  attribution: number;
  /** The learner's raw value at the week of prediction. */
  value: number;
  text: string;
}

export interface Explanation {
  step: number;
  /** Calibrated risk. */
  risk: number;
  /** Factors raising the risk, strongest first. */
  raising: RiskFactor[];
  /** Factors lowering the risk, strongest first. */
  lowering: RiskFactor[];
  /** Integrated gradients completeness check: attributions sum vs logit(x) − logit(baseline). */
  completenessGap: number;
}

export function explainRisk(model: RiskModel, xRaw: Float32Array, schema: FeatureSchema, step: number, options: { top?: number; pathSteps?: number } = {}): Explanation {
  const top = options.top ?? 3;
  const m = options.pathSteps ?? 32;
  const { tf } = model.runtime;
  const { topology: config, featureSchema, normalisation } = model.artifact;
  const f = featureSchema.features.length;
  const steps = featureSchema.steps;
  const logits = model.predictLogits(xRaw, 1, schema); // checks schema and values
  if (step < 0 || step >= steps) throw new RangeError(`step ${step} is outside 0..${steps - 1}`);
  const xNorm = normalise(xRaw, f, normalisation);

  const [attr, baselineLogit] = tf.tidy(() => {
    const x = tf.tensor3d(xNorm, [1, steps, f]);
    const alphas = tf.reshape(tf.linspace(1 / m, 1, m), [m, 1, 1]);
    const path = tf.mul(alphas, x) as TF.Tensor3D; // baseline 0
    const select = tf.oneHot(tf.tensor1d([step], 'int32'), steps).reshape([1, steps]);
    const grads = tf.grad((input: TF.Tensor) => tf.sum(tf.mul(forwardSequence(tf, config, model.params, input as TF.Tensor3D), select)))(path);
    const avg = tf.mean(grads, 0);
    const attribution = tf.mul(avg, tf.reshape(x, [steps, f]));
    const base = tf.sum(tf.mul(forwardSequence(tf, config, model.params, tf.zeros([1, steps, f]) as TF.Tensor3D), select));
    return [attribution.dataSync() as Float32Array, (base.dataSync() as Float32Array)[0]!] as const;
  });

  const perFeature = new Float64Array(f);
  for (let s = 0; s <= step; s++) for (let j = 0; j < f; j++) perFeature[j]! += attr[s * f + j]!;
  const total = perFeature.reduce((a, b) => a + b, 0);
  const logit = logits[step]!;
  const factors: RiskFactor[] = featureSchema.features.map((name, j) => {
    const def = FEATURE_DEFINITIONS.find((d) => d.name === name)!;
    const value = xRaw[step * f + j]!;
    return { feature: name, attribution: perFeature[j]!, value, text: def.describe(value) };
  });
  const raising = factors.filter((x) => x.attribution > 0).sort((a, b) => b.attribution - a.attribution).slice(0, top);
  const lowering = factors.filter((x) => x.attribution < 0).sort((a, b) => a.attribution - b.attribution).slice(0, top);
  const a = model.artifact.calibration;
  return {
    step,
    risk: 1 / (1 + Math.exp(-(a.a * logit + a.b))),
    raising,
    lowering,
    completenessGap: Math.abs(total - (logit - baselineLogit)),
  };
}
