/**
 * The linear member of a risk model (`SequenceModelConfig.linear`): one
 * logistic regression per week over the whole history of every feature,
 * trained on its own once the sequence model is trained — minibatch Adam on the
 * same class-weighted cross-entropy over the labelled weeks, L2 on the kernel,
 * early stopping on validation.
 *
 * Why a second member: on programs unlike those of the training data (OULAD
 * backtests: the 2013B presentations predicting 2013J's, three of whose
 * modules they never saw), the sequence model alone fell below a logistic
 * regression at week 4, and the two together held above it on every fold
 * (BENCHMARKS.md, bench:risk).
 */
import type * as TF from '@tensorflow/tfjs';
import type { ModelRuntime } from './model-runtime.ts';
import { createRandom } from './random.ts';
import type { SequenceDataset } from './sequence-dataset.ts';
import { linearMemberLogits, linearMemberSpecs, type Params } from './sequence-model.ts';

export interface LinearMemberOptions {
  seed: number;
  batchSize: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  /** L2 penalty λ/2·Σw² on the kernel. */
  weightDecay: number;
  /** Ranks validation weeks as the sequence model's early stopping does. */
  score: (d: SequenceDataset, logits: Float32Array) => number;
}

export interface LinearMember {
  weights: Map<string, Float32Array>;
  epochsRun: number;
  bestEpoch: number;
  epochSeconds: number[];
  validationAuc: number[];
}

/** Logits [n, steps] of normalised batch-major inputs [n, steps, features]. */
export function linearMemberLogitsOf(runtime: ModelRuntime, params: Params, xNorm: Float32Array, n: number, steps: number, features: number, batchSize = 1024): Float32Array {
  const { tf } = runtime;
  const out = new Float32Array(n * steps);
  const width = steps * features;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const z = tf.tidy(() => linearMemberLogits(tf, { steps, inputSize: features }, params, tf.tensor2d(xNorm.subarray(start * width, (start + b) * width), [b, width])));
    out.set(z.dataSync() as Float32Array, start * steps);
    z.dispose();
  }
  return out;
}

/**
 * Trains the linear member on normalised inputs. `weight` holds each labelled
 * step's class weight (0 for unlabelled steps), as the sequence model's loss.
 */
export async function trainLinearMember(
  runtime: ModelRuntime,
  data: { xTrain: Float32Array; train: SequenceDataset; weight: Float32Array; xVal: Float32Array; validation: SequenceDataset },
  options: LinearMemberOptions,
): Promise<LinearMember> {
  const { tf } = runtime;
  const { train, validation, xTrain, xVal, weight } = data;
  const { steps, features } = train;
  const width = steps * features;
  const config = { steps, inputSize: features };
  const params: Params = new Map();
  const variables: TF.Variable[] = [];
  for (const spec of linearMemberSpecs(config)) {
    const v = tf.variable(tf.zeros(spec.shape), true);
    params.set(spec.name, v);
    variables.push(v);
  }
  const optimizer = tf.train.adam(options.learningRate);
  const random = createRandom(options.seed ^ 0x51ed270b);
  const xb = new Float32Array(options.batchSize * width), yb = new Float32Array(options.batchSize * steps), wb = new Float32Array(options.batchSize * steps);
  const epochSeconds: number[] = [], validationAuc: number[] = [];
  let best = { auc: -Infinity, epoch: 0, weights: new Map<string, Float32Array>() };
  try {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      const t0 = performance.now();
      const order = random.shuffle(Array.from({ length: train.n }, (_, i) => i));
      for (let start = 0; start < order.length; start += options.batchSize) {
        const b = Math.min(options.batchSize, order.length - start);
        for (let r = 0; r < b; r++) {
          const i = order[start + r]!;
          xb.set(xTrain.subarray(i * width, (i + 1) * width), r * width);
          yb.set(train.y.subarray(i * steps, (i + 1) * steps), r * steps);
          wb.set(weight.subarray(i * steps, (i + 1) * steps), r * steps);
        }
        tf.tidy(() => {
          const x = tf.tensor2d(xb.subarray(0, b * width), [b, width]);
          const y = tf.tensor2d(yb.subarray(0, b * steps), [b, steps]);
          const w = tf.tensor2d(wb.subarray(0, b * steps), [b, steps]);
          const total = tf.maximum(tf.sum(w), 1e-6);
          optimizer.minimize((): TF.Scalar => {
            const z = linearMemberLogits(tf, config, params, x);
            // Numerically stable binary cross-entropy on logits, as the sequence model's loss.
            const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
            const loss = tf.div(tf.sum(tf.mul(bce, w)), total);
            return tf.add(loss, tf.mul(tf.sum(tf.square(params.get('linear/kernel')!)), options.weightDecay / 2)) as TF.Scalar;
          }, false, variables);
        });
      }
      epochSeconds.push((performance.now() - t0) / 1000);
      const auc = options.score(validation, linearMemberLogitsOf(runtime, params, xVal, validation.n, steps, features));
      validationAuc.push(auc);
      if (auc > best.auc + 1e-4) best = { auc, epoch, weights: new Map([...params].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()])) };
      else if (epoch - best.epoch >= options.patience) break;
      await new Promise((resolve) => setImmediate(resolve)); // lets a job record progress between epochs
    }
  } finally {
    optimizer.dispose();
    for (const v of variables) v.dispose();
  }
  return { weights: best.weights, epochsRun: epochSeconds.length, bestEpoch: best.epoch, epochSeconds, validationAuc };
}

/** Standard deviation of the logits of the labelled steps (1 when they do not vary). */
export function labelledStd(d: SequenceDataset, logits: Float32Array): number {
  let n = 0, sum = 0, sq = 0;
  for (let i = 0; i < d.mask.length; i++) {
    if (d.mask[i] !== 1) continue;
    n++;
    sum += logits[i]!;
    sq += logits[i]! * logits[i]!;
  }
  const variance = n > 1 ? (sq - (sum * sum) / n) / (n - 1) : 0;
  return variance > 1e-12 ? Math.sqrt(variance) : 1;
}
