/**
 * Trains a sequence risk model, reproducibly: seeded initial weights and
 * batch order (same seed and data → same weights and metrics on the same
 * backend), class-weighted loss over the labelled steps, Adam, early stopping
 * on a validation set that the caller holds out by time or by program run
 * (never a random draw across periods), Platt calibration and a decision
 * threshold fitted on that validation set. Returns the artifact.
 */
import type * as TF from '@tensorflow/tfjs';
import { AppError } from '../../../platform/errors/app-error.ts';
import type { FeatureSchema } from '../features/feature-schema.ts';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, encodeFloat32, getCodeVersion, type RiskModelArtifact, type ValidationMetrics } from './artifact.ts';
import { applyCalibration, fitPlatt, sigmoid } from './calibration.ts';
import { bestF1Threshold, brierScore, prAuc, reliability, rocAuc } from './metrics.ts';
import type { ModelRuntime } from './model-runtime.ts';
import { createRandom } from './random.ts';
import { runLogits } from './risk-model.ts';
import {
  assertDatasetShape, assertFiniteInputs, countLearners, fitNormalisation, normalise,
  MIN_LEARNERS_PER_CLASS, MIN_TRAINING_LEARNERS, MIN_VALIDATION_LEARNERS, type SequenceDataset,
} from './sequence-dataset.ts';
import { gruLossAndGradients, toTimeMajor } from './fast-gru.ts';
import { defaultConfig, forwardSequence, initialWeights, weightSpecs, type Architecture, type SequenceModelConfig } from './sequence-model.ts';

export interface TrainOptions {
  architecture?: Architecture;
  /** Overrides of the architecture's default shape (hidden size, dilations…). */
  config?: Partial<Omit<SequenceModelConfig, 'architecture' | 'inputSize' | 'steps'>>;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  maxEpochs?: number;
  /** Epochs without validation improvement before stopping. */
  patience?: number;
  /**
   * What early stopping maximises on validation: 'pooled' AUC over all
   * labelled learner-weeks (default), or 'weekly': the mean of each week's
   * own AUC (how well learners are ranked within a week, which is how the
   * risk list is read; pooled AUC also rewards telling weeks apart).
   */
  stopOn?: 'pooled' | 'weekly';
  /** L2 penalty λ/2·Σw² on the weight matrices (not biases, not attention positions). Default 1e-3: on OULAD validation it raised the mean weekly AUC of the GRU for each of 3 seeds (+0.0017 to +0.0035). */
  weightDecay?: number;
  /**
   * Features whose whole history feeds the history path (a linear model per
   * week over their values in weeks 0..t, added to the logit; see
   * SequenceModelConfig.history). Default: `next_due_in_weeks` and
   * `submitted_this_week`, those of them the schema has — the week-by-week
   * assessment calendar, which tells programs apart, and the week-by-week
   * submission record against it. Chosen on OULAD validation: the calendar alone
   * raised the mean weekly AUC 0.6555 → 0.661 and 0.649 → 0.658 (two seeds);
   * adding submissions 0.6613 → 0.6648, 0.6582 → 0.6614, 0.6567 → 0.6617 (three
   * seeds; week 8: 0.6285 → 0.6357, 0.6246 → 0.6294, 0.6196 → 0.6270).
   * [] turns the path off; a name absent from the schema is refused.
   */
  historyFeatures?: string[];
  target?: string;
  dataWindow?: Record<string, unknown>;
  /** Called after each epoch (progress for a background job); awaited, so a job can record it and the event loop breathes. */
  onEpoch?: (e: { epoch: number; loss: number; validationAuc: number; seconds: number }) => void | Promise<void>;
}

export interface TrainInput {
  schema: FeatureSchema;
  train: SequenceDataset;
  validation: SequenceDataset;
}

/** Labels and logits of the labelled steps only. */
export function collectLabelled(d: SequenceDataset, logits: Float32Array): { labels: Float32Array; logits: Float32Array } {
  let count = 0;
  for (let i = 0; i < d.mask.length; i++) count += d.mask[i]!;
  const labels = new Float32Array(count), out = new Float32Array(count);
  let k = 0;
  for (let i = 0; i < d.mask.length; i++) {
    if (d.mask[i] !== 1) continue;
    labels[k] = d.y[i]!;
    out[k++] = logits[i]!;
  }
  return { labels, logits: out };
}

/** Mean over weeks of each week's AUC (weeks with at least 10 learners of each outcome; pooled AUC when none has). */
export function meanWeeklyAuc(d: SequenceDataset, logits: Float32Array): number {
  let sum = 0, weeks = 0;
  for (let s = 0; s < d.steps; s++) {
    const labels: number[] = [], scores: number[] = [];
    let pos = 0;
    for (let i = 0; i < d.n; i++) {
      const k = i * d.steps + s;
      if (d.mask[k] !== 1) continue;
      labels.push(d.y[k]!);
      scores.push(logits[k]!);
      pos += d.y[k]!;
    }
    if (pos < 10 || labels.length - pos < 10) continue;
    sum += rocAuc(labels, scores);
    weeks++;
  }
  if (weeks) return sum / weeks;
  const pooled = collectLabelled(d, logits);
  return rocAuc(pooled.labels, pooled.logits);
}

/** Refuses data a model cannot honestly be trained on (too few learners, one class, bad values), with the minimum in the message. */
export function checkTrainable(input: TrainInput): void {
  const { schema, train, validation } = input;
  for (const [what, d] of [['training', train], ['validation', validation]] as const) {
    if (d.steps !== schema.steps || d.features !== schema.features.length) {
      throw new AppError('ml_schema_mismatch', `The ${what} data has ${d.steps} weeks × ${d.features} features; the feature schema says ${schema.steps} × ${schema.features.length}`);
    }
    assertDatasetShape(d, what);
    assertFiniteInputs(d.x, d.steps, schema.features, `${what} data`);
  }
  const t = countLearners(train);
  if (t.labelled < MIN_TRAINING_LEARNERS) {
    throw new AppError('ml_insufficient_data', `Training needs at least ${MIN_TRAINING_LEARNERS} learners with a known outcome; got ${t.labelled}.`, { extra: { minimum: MIN_TRAINING_LEARNERS, got: t.labelled } });
  }
  if (t.positive === 0 || t.negative === 0) {
    const absent = t.positive === 0 ? 'no learner withdrew' : 'every learner withdrew';
    throw new AppError('ml_single_class', `The training data holds one outcome only (${absent}): a model cannot learn to tell them apart.`);
  }
  if (t.positive < MIN_LEARNERS_PER_CLASS || t.negative < MIN_LEARNERS_PER_CLASS) {
    throw new AppError('ml_insufficient_data', `Training needs at least ${MIN_LEARNERS_PER_CLASS} learners of each outcome; got ${t.positive} who withdrew and ${t.negative} who stayed.`, { extra: { minimum: MIN_LEARNERS_PER_CLASS } });
  }
  const v = countLearners(validation);
  if (v.labelled < MIN_VALIDATION_LEARNERS) {
    throw new AppError('ml_insufficient_data', `Validation (early stopping and calibration) needs at least ${MIN_VALIDATION_LEARNERS} learners with a known outcome; got ${v.labelled}.`, { extra: { minimum: MIN_VALIDATION_LEARNERS, got: v.labelled } });
  }
  if (v.positive === 0 || v.negative === 0) {
    throw new AppError('ml_single_class', `The validation data holds one outcome only (${v.positive === 0 ? 'no learner withdrew' : 'every learner withdrew'}): calibration needs both.`);
  }
}

export const DEFAULT_HISTORY_FEATURES: readonly string[] = ['next_due_in_weeks', 'submitted_this_week'];

/** Indices of the history path's features in the schema (explicit names must exist; the default keeps those present). */
export function historyFeatureIndices(schema: FeatureSchema, names?: readonly string[]): number[] {
  if (names) {
    const missing = names.filter((n) => !schema.features.includes(n));
    if (missing.length) throw new AppError('ml_schema_mismatch', `History features not in the feature schema: ${missing.join(', ')}`);
    return names.map((n) => schema.features.indexOf(n));
  }
  return DEFAULT_HISTORY_FEATURES.filter((n) => schema.features.includes(n)).map((n) => schema.features.indexOf(n));
}

let trainingRuns = 0;

const isDecayed = (name: string): boolean => !name.endsWith('bias') && name !== 'attn/position';

export async function trainRiskModel(runtime: ModelRuntime, input: TrainInput, options: TrainOptions = {}): Promise<RiskModelArtifact> {
  checkTrainable(input);
  const { tf } = runtime;
  const { schema, train, validation } = input;
  const seed = options.seed ?? 42;
  const batchSize = options.batchSize ?? 256;
  const learningRate = options.learningRate ?? 3e-3;
  const maxEpochs = options.maxEpochs ?? 30;
  const patience = options.patience ?? 3;
  const weightDecay = options.weightDecay ?? 1e-3;
  const history = historyFeatureIndices(schema, options.historyFeatures);
  const architecture = options.architecture ?? 'gru';
  const config: SequenceModelConfig = {
    ...defaultConfig(architecture, schema.features.length, schema.steps),
    // The GRU also gets the wide path (one linear model per week on the week's features) by default: on four OULAD
    // folds that are not the test (two backtests, two validation splits) it raised week 4's AUC in each of three
    // feature sets (fold means +0.005 to +0.024) with the mean over weeks level (−0.001 to +0.006). BENCHMARKS.md.
    ...(architecture === 'gru' ? { wide: true } : {}),
    ...(history.length ? { history: true, historyFeatures: history } : {}),
    ...options.config,
  };
  const started = performance.now();

  const norm = fitNormalisation(train);
  const xTrain = normalise(train.x, train.features, norm);
  const xVal = normalise(validation.x, validation.features, norm);

  let pos = 0, neg = 0;
  for (let i = 0; i < train.mask.length; i++) {
    if (train.mask[i] !== 1) continue;
    if (train.y[i] === 1) pos++;
    else neg++;
  }
  const classWeights = { positive: (pos + neg) / (2 * pos), negative: (pos + neg) / (2 * neg) };
  const weight = new Float32Array(train.mask.length);
  for (let i = 0; i < weight.length; i++) weight[i] = train.mask[i] === 1 ? (train.y[i] === 1 ? classWeights.positive : classWeights.negative) : 0;

  const init = initialWeights(config, seed);
  const variables = new Map<string, TF.Variable>();
  const shapes = new Map(weightSpecs(config).map((s) => [s.name, s.shape]));
  const run = ++trainingRuns;
  for (const [name, data] of init) variables.set(name, tf.variable(tf.tensor(data, shapes.get(name)!), true, `risk-model-${run}/${name}`));
  const varList = [...variables.values()];
  const optimizer = tf.train.adam(learningRate);
  const random = createRandom(seed ^ 0x9e3779b9);

  const { steps, features } = train;
  const rowX = steps * features;
  const xb = new Float32Array(batchSize * rowX), yb = new Float32Array(batchSize * steps), wb = new Float32Array(batchSize * steps);
  // The GRU trains through its hand-written backward pass on time-major batches (fast-gru.ts).
  const fastGru = config.architecture === 'gru';
  const xbT = fastGru ? new Float32Array(batchSize * rowX) : xb;
  const nameOf = new Map([...variables].map(([n, v]) => [n, v.name]));
  const epochSeconds: number[] = [], epochCpuSeconds: number[] = [], trainLoss: number[] = [], validationAuc: number[] = [];
  let best = { auc: -Infinity, epoch: 0, weights: new Map<string, Float32Array>() };
  const snapshot = (): Map<string, Float32Array> => new Map([...variables].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const order = random.shuffle(Array.from({ length: train.n }, (_, i) => i));
    let lossSum = 0, batches = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const b = Math.min(batchSize, order.length - start);
      let cost: TF.Scalar;
      if (fastGru) {
        const rows = order.slice(start, start + b);
        toTimeMajor(xTrain, rows, b, steps, features, { x: xb, xT: xbT }, { y: yb, w: wb, srcY: train.y, srcW: weight });
        cost = tf.tidy(() => {
          const { loss, grads } = gruLossAndGradients(tf, config, variables, { batch: b, x: xb, xT: xbT, y: yb, w: wb });
          if (weightDecay > 0) for (const [n, g] of grads) if (isDecayed(n)) grads.set(n, tf.add(g, tf.mul(variables.get(n)!, weightDecay)));
          optimizer.applyGradients([...grads].map(([n, g]) => ({ name: nameOf.get(n)!, tensor: g })));
          return loss;
        });
      } else {
        for (let r = 0; r < b; r++) {
          const i = order[start + r]!;
          xb.set(xTrain.subarray(i * rowX, (i + 1) * rowX), r * rowX);
          yb.set(train.y.subarray(i * steps, (i + 1) * steps), r * steps);
          wb.set(weight.subarray(i * steps, (i + 1) * steps), r * steps);
        }
        cost = tf.tidy(() => {
          const x = tf.tensor3d(xb.subarray(0, b * rowX), [b, steps, features]);
          const y = tf.tensor2d(yb.subarray(0, b * steps), [b, steps]);
          const w = tf.tensor2d(wb.subarray(0, b * steps), [b, steps]);
          const total = tf.sum(w);
          return optimizer.minimize((): TF.Scalar => {
            const z = forwardSequence(tf, config, variables, x);
            // Numerically stable binary cross-entropy on logits.
            const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
            const data = tf.div(tf.sum(tf.mul(bce, w)), tf.maximum(total, 1e-6)) as TF.Scalar;
            if (!(weightDecay > 0)) return data;
            const kernels = [...variables].filter(([n]) => isDecayed(n)).map(([, v]) => tf.sum(tf.square(v)));
            return tf.add(data, tf.mul(tf.addN(kernels), weightDecay / 2)) as TF.Scalar;
          }, true, varList)!;
        }) as TF.Scalar;
      }
      lossSum += (cost.dataSync() as Float32Array)[0]!;
      cost.dispose();
      batches++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
    const valAll = runLogits(runtime, config, variables, xVal, validation.n);
    const valLogits = collectLabelled(validation, valAll);
    const auc = options.stopOn === 'weekly' ? meanWeeklyAuc(validation, valAll) : rocAuc(valLogits.labels, valLogits.logits);
    epochSeconds.push(seconds);
    trainLoss.push(lossSum / Math.max(1, batches));
    validationAuc.push(auc);
    await options.onEpoch?.({ epoch, loss: lossSum / Math.max(1, batches), validationAuc: auc, seconds });
    if (auc > best.auc + 1e-4) best = { auc, epoch, weights: snapshot() };
    else if (epoch - best.epoch >= patience) break;
  }
  for (const [name, v] of variables) v.assign(tf.tensor(best.weights.get(name)!, v.shape));
  optimizer.dispose();

  const valLogits = collectLabelled(validation, runLogits(runtime, config, variables, xVal, validation.n));
  const calibration = fitPlatt(valLogits.labels, valLogits.logits);
  const calibrated = valLogits.logits.map((z) => applyCalibration(calibration, z));
  const raw = valLogits.logits.map((z) => sigmoid(z));
  const metrics: ValidationMetrics = {
    auc: rocAuc(valLogits.labels, valLogits.logits),
    prAuc: prAuc(valLogits.labels, calibrated),
    brier: brierScore(valLogits.labels, calibrated),
    ece: reliability(valLogits.labels, calibrated).ece,
    brierUncalibrated: brierScore(valLogits.labels, raw),
    eceUncalibrated: reliability(valLogits.labels, raw).ece,
    n: valLogits.labels.length,
  };
  const threshold = bestF1Threshold(valLogits.labels, calibrated).threshold;
  const weights = [...variables].map(([name, v]) => ({ name, shape: v.shape, dtype: 'float32' as const, data: encodeFloat32(v.dataSync() as Float32Array) }));
  for (const v of variables.values()) v.dispose();

  return {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    codeVersion: getCodeVersion(),
    target: options.target ?? 'withdrawal after the week of prediction',
    topology: config,
    weights,
    featureSchema: schema,
    normalisation: norm,
    calibration,
    threshold,
    metrics: { validation: metrics },
    dataWindow: options.dataWindow ?? {},
    training: {
      seed, backend: runtime.backend, threads: runtime.threads, batchSize, learningRate, maxEpochs, patience,
      weightDecay, stopOn: options.stopOn ?? 'pooled',
      epochsRun: epochSeconds.length, bestEpoch: best.epoch, epochSeconds, epochCpuSeconds, trainLoss, validationAuc, classWeights,
      trainSeconds: (performance.now() - started) / 1000,
    },
  };
}
