/**
 * A loaded risk model: the artifact's weights as tensors, ready to predict
 * calibrated risks per learner and week. Inputs are raw feature matrices
 * built with the same feature schema (checked).
 */
import type * as TF from '@tensorflow/tfjs';
import { AppError } from '../../../platform/errors/app-error.ts';
import { sameSchema, type FeatureSchema } from '../features/feature-schema.ts';
import { decodeFloat32, parseRiskModelArtifact, type RiskModelArtifact } from './artifact.ts';
import { applyCalibration } from './calibration.ts';
import type { ModelRuntime } from './model-runtime.ts';
import { assertFiniteInputs, normalise } from './sequence-dataset.ts';
import { gruLogitsTimeMajor, toTimeMajor } from './fast-gru.ts';
import { forwardSequence, type Params, type SequenceModelConfig } from './sequence-model.ts';

export interface RiskModel {
  readonly artifact: RiskModelArtifact;
  readonly runtime: ModelRuntime;
  readonly params: Params;
  /** Network logits [n, steps] for raw inputs [n, steps, features]. */
  predictLogits(x: Float32Array, n: number, schema: FeatureSchema): Float32Array;
  /** Calibrated probabilities [n, steps]. */
  predictRisk(x: Float32Array, n: number, schema: FeatureSchema): Float32Array;
  dispose(): void;
}

/** Refuses inputs built with another feature schema, saying what differs. */
export function assertSchemaMatches(expected: FeatureSchema, actual: FeatureSchema): void {
  if (sameSchema(expected, actual)) return;
  const missing = expected.features.filter((f) => !actual.features.includes(f));
  const extra = actual.features.filter((f) => !expected.features.includes(f));
  const parts = [
    expected.version !== actual.version ? `schema version ${actual.version} instead of ${expected.version}` : '',
    expected.steps !== actual.steps ? `${actual.steps} weeks instead of ${expected.steps}` : '',
    missing.length ? `missing feature(s) ${missing.join(', ')}` : '',
    extra.length ? `unexpected feature(s) ${extra.join(', ')}` : '',
    !missing.length && !extra.length && expected.features.length === actual.features.length && expected.version === actual.version && expected.steps === actual.steps ? 'features in another order' : '',
  ].filter(Boolean);
  throw new AppError('ml_schema_mismatch', `The input features do not match the model's feature schema: ${parts.join('; ')}. Rebuild the features with the model's schema or retrain the model.`);
}

/** Runs the network on normalised inputs in batches; returns logits [n, steps]. */
export function runLogits(runtime: ModelRuntime, config: SequenceModelConfig, params: Params, xNorm: Float32Array, n: number, batchSize = 1024): Float32Array {
  const { tf } = runtime;
  const { steps, inputSize: f } = config;
  const out = new Float32Array(n * steps);
  if (config.architecture === 'gru') {
    // Time-major batches through the fast GRU (same arithmetic as forwardSequence).
    const xt = new Float32Array(Math.min(batchSize, n) * steps * f);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const rows = Array.from({ length: b }, (_, r) => start + r);
      toTimeMajor(xNorm, rows, b, steps, f, { x: xt });
      const logits = tf.tidy(() => gruLogitsTimeMajor(tf, config, params, xt, b));
      const z = logits.dataSync() as Float32Array;
      logits.dispose();
      for (let t = 0; t < steps; t++) for (let r = 0; r < b; r++) out[(start + r) * steps + t] = z[t * b + r]!;
    }
    return out;
  }
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const logits = tf.tidy(() => {
      const xb = tf.tensor3d(xNorm.subarray(start * steps * f, (start + b) * steps * f), [b, steps, f]);
      return forwardSequence(tf, config, params, xb);
    });
    out.set(logits.dataSync() as Float32Array, start * steps);
    logits.dispose();
  }
  return out;
}

export function loadRiskModel(runtime: ModelRuntime, value: RiskModelArtifact | unknown): RiskModel {
  const artifact = parseRiskModelArtifact(value);
  const { tf } = runtime;
  const params: Params = new Map();
  for (const w of artifact.weights) params.set(w.name, tf.tensor(decodeFloat32(w.data), w.shape, 'float32'));
  const config = artifact.topology;
  const schema = artifact.featureSchema;

  const predictLogits = (x: Float32Array, n: number, inputSchema: FeatureSchema): Float32Array => {
    assertSchemaMatches(schema, inputSchema);
    if (x.length !== n * schema.steps * schema.features.length) {
      throw new AppError('ml_schema_mismatch', `The input holds ${x.length} values, expected ${n} learners × ${schema.steps} weeks × ${schema.features.length} features`);
    }
    assertFiniteInputs(x, schema.steps, schema.features);
    return runLogits(runtime, config, params, normalise(x, schema.features.length, artifact.normalisation), n);
  };
  return {
    artifact,
    runtime,
    params,
    predictLogits,
    predictRisk(x, n, inputSchema) {
      const logits = predictLogits(x, n, inputSchema);
      return logits.map((z) => applyCalibration(artifact.calibration, z));
    },
    dispose() {
      for (const t of params.values()) t.dispose();
      params.clear();
    },
  };
}

export type { TF };
