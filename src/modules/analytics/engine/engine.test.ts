import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as TF from '@tensorflow/tfjs';
import { AppError } from '../../../platform/errors/app-error.ts';
import { buildFeatureSchema, type FeatureSchema } from '../features/feature-schema.ts';
import { decodeFloat32, encodeFloat32, parseRiskModelArtifact, type RiskModelArtifact } from './artifact.ts';
import { explainRisk } from './explain.ts';
import { rocAuc } from './metrics.ts';
import { getModelRuntime, type ModelRuntime } from './model-runtime.ts';
import { createRandom } from './random.ts';
import { loadRiskModel } from './risk-model.ts';
import type { SequenceDataset } from './sequence-dataset.ts';
import { historyFeatureIndices, trainRiskModel } from './train-risk-model.ts';
import { gruLogitsTimeMajor, gruLossAndGradients, toTimeMajor } from './fast-gru.ts';
import { defaultConfig, forwardSequence, initialWeights, weightSpecs } from './sequence-model.ts';

const STEPS = 6;
// A real schema restricted to the program + engagement sources: 7 features.
const schema: FeatureSchema = buildFeatureSchema([], STEPS);
const F = schema.features.length;
const SIGNAL = schema.features.indexOf('days_since_last_activity');

/** Learners who will withdraw stop all activity from week 2: days_since_last_activity climbs. */
function synthetic(n: number, seed: number): SequenceDataset {
  const random = createRandom(seed);
  const d: SequenceDataset = { n, steps: STEPS, features: F, x: new Float32Array(n * STEPS * F), y: new Float32Array(n * STEPS), mask: new Float32Array(n * STEPS) };
  for (let i = 0; i < n; i++) {
    const withdraws = i % 3 === 0;
    for (let s = 0; s < STEPS; s++) {
      for (let j = 0; j < F; j++) d.x[(i * STEPS + s) * F + j] = random.normal();
      d.x[(i * STEPS + s) * F + SIGNAL] = withdraws && s >= 2 ? 7 * (s - 1) + random.next() : random.next() * 3;
      d.y[i * STEPS + s] = withdraws ? 1 : 0;
      d.mask[i * STEPS + s] = 1;
    }
  }
  return d;
}

const options = { architecture: 'tcn' as const, config: { hidden: 8, dilations: [1, 2] }, maxEpochs: 25, patience: 25, batchSize: 32, learningRate: 0.01, seed: 3 };

let runtime: ModelRuntime;
let artifact: RiskModelArtifact;
const train = synthetic(120, 1), validation = synthetic(60, 2);

describe('risk model engine', () => {
  before(async () => {
    runtime = await getModelRuntime();
    artifact = await trainRiskModel(runtime, { schema, train, validation }, options);
  });

  it('learns to separate an obvious pattern (validation, not training data)', () => {
    const model = loadRiskModel(runtime, artifact);
    const risk = model.predictRisk(validation.x, validation.n, schema);
    const labels: number[] = [], scores: number[] = [];
    for (let i = 0; i < validation.n; i++) {
      labels.push(validation.y[i * STEPS + 4]!);
      scores.push(risk[i * STEPS + 4]!);
    }
    assert.ok(rocAuc(labels, scores) > 0.95, `AUC at week 4: ${rocAuc(labels, scores)}`);
    for (const p of risk) assert.ok(p >= 0 && p <= 1);
    assert.ok(artifact.metrics.validation.auc > 0.9);
    assert.ok(artifact.metrics.validation.ece < 0.2);
    model.dispose();
  });

  it('is reproducible: same seed, same weights and metrics', async () => {
    const again = await trainRiskModel(runtime, { schema, train, validation }, options);
    assert.deepEqual(again.weights, artifact.weights);
    assert.deepEqual(again.metrics, artifact.metrics);
    assert.deepEqual(again.training.validationAuc, artifact.training.validationAuc);
    const other = await trainRiskModel(runtime, { schema, train, validation }, { ...options, seed: 4, maxEpochs: 2 });
    assert.notDeepEqual(other.weights, artifact.weights);
  });

  it('round-trips through JSON with identical predictions', () => {
    const restored = parseRiskModelArtifact(JSON.parse(JSON.stringify(artifact)));
    assert.deepEqual(restored.featureSchema, schema);
    const a = loadRiskModel(runtime, artifact), b = loadRiskModel(runtime, restored);
    assert.deepEqual(b.predictRisk(validation.x, validation.n, schema), a.predictRisk(validation.x, validation.n, schema));
    a.dispose();
    b.dispose();
    assert.equal(typeof restored.codeVersion, 'string');
    assert.ok(restored.training.epochSeconds.length >= 1);
  });

  it('ignores a feature that was constant in the training data (a source recorded only since)', async () => {
    const COL = schema.features.indexOf('prior_attempts');
    const flat = { ...train, x: train.x.slice() };
    for (let k = 0; k < flat.n * STEPS; k++) flat.x[k * F + COL] = 0;
    const a = await trainRiskModel(runtime, { schema, train: flat, validation }, { ...options, maxEpochs: 2 });
    assert.ok(a.normalisation.constant!.includes(COL));
    const changed = validation.x.slice();
    for (let k = 0; k < validation.n * STEPS; k++) changed[k * F + COL] = 5 + k;
    const model = loadRiskModel(runtime, parseRiskModelArtifact(JSON.parse(JSON.stringify(a))));
    assert.deepEqual(model.predictRisk(changed, validation.n, schema), model.predictRisk(validation.x, validation.n, schema));
    model.dispose();
  });

  it('explains a prediction by its top factors, in words', () => {
    const model = loadRiskModel(runtime, artifact);
    const i = 0; // a learner who withdraws
    const x = validation.x.slice(i * STEPS * F, (i + 1) * STEPS * F);
    const e = explainRisk(model, x, schema, 4);
    assert.equal(e.raising[0]!.feature, 'days_since_last_activity');
    assert.match(e.raising[0]!.text, /no activity of any kind for \d+ days/);
    // Integrated gradients: attributions add up to logit(x) − logit(baseline), up to the path discretisation.
    const total = [...e.raising, ...e.lowering].reduce((s, f) => s + f.attribution, 0);
    assert.ok(e.completenessGap < 0.1 * Math.max(1, Math.abs(total)), `gap ${e.completenessGap}`);
    model.dispose();
  });
});

describe('the fast GRU (hand-written backward pass)', () => {
  before(async () => {
    runtime = await getModelRuntime();
  });

  for (const historyFeatures of [undefined, [2, 0]]) it(`gives the logits and gradients of the autodiff reference (forwardSequence), weekly readout, wide and history paths included (history of ${historyFeatures ? 'features 2 and 0' : 'every feature'})`, () => {
    const { tf } = runtime;
    const B = 7, T = 5, FF = 4;
    const config = { ...defaultConfig('gru', FF, T), hidden: 6, wide: true, history: true, historyFeatures, weeklyHead: true };
    const HF = historyFeatures?.length ?? FF;
    const shapes = new Map(weightSpecs(config).map((s) => [s.name, s.shape]));
    const params = new Map([...initialWeights(config, 3)].map(([n, d]) => [n, tf.tensor(d, shapes.get(n)!)]));
    const random = createRandom(5);
    // The wide path starts at zero: give it values so that its forward pass is tested too.
    params.set('wide/kernel', tf.tensor2d(new Float32Array(T * FF).map(() => random.normal() * 0.3), [T, FF]));
    params.set('wide/bias', tf.tensor1d(new Float32Array(T).map(() => random.normal() * 0.3)));
    params.set('head/weekly', tf.tensor2d(new Float32Array(T * 6).map(() => random.normal() * 0.3), [T, 6]));
    // Values everywhere in the history kernel, the non-causal entries included: both passes must ignore those.
    params.set('history/kernel', tf.tensor2d(new Float32Array(T * HF * T).map(() => random.normal() * 0.3), [T * HF, T]));
    params.set('history/bias', tf.tensor1d(new Float32Array(T).map(() => random.normal() * 0.3)));
    const x = new Float32Array(B * T * FF).map(() => random.normal());
    const y = new Float32Array(B * T).map(() => (random.next() < 0.3 ? 1 : 0));
    const w = new Float32Array(B * T).map(() => (random.next() < 0.8 ? random.next() * 2 : 0));
    const names = [...params.keys()];
    const xt = tf.tensor3d(x, [B, T, FF]), yt = tf.tensor2d(y, [B, T]), wt = tf.tensor2d(w, [B, T]);
    const lossOf = (...ws: TF.Tensor[]): TF.Scalar => {
      const z = forwardSequence(tf, config, new Map(names.map((n, i) => [n, ws[i]!])), xt);
      const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, yt)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.div(tf.sum(tf.mul(bce, wt)), tf.sum(wt)) as TF.Scalar;
    };
    const reference = tf.grads(lossOf)(names.map((n) => params.get(n)!));
    const tm = { x: new Float32Array(B * T * FF), xT: new Float32Array(B * T * FF) };
    const labels = { y: new Float32Array(B * T), w: new Float32Array(B * T), srcY: y, srcW: w };
    toTimeMajor(x, [0, 1, 2, 3, 4, 5, 6], B, T, FF, tm, labels);
    const { loss, grads } = gruLossAndGradients(tf, config, params, { batch: B, x: tm.x, xT: tm.xT, y: labels.y, w: labels.w });
    assert.ok(Math.abs(loss.dataSync()[0]! - lossOf(...names.map((n) => params.get(n)!)).dataSync()[0]!) < 1e-6);
    names.forEach((name, i) => {
      const a = reference[i]!.dataSync(), b = grads.get(name)!.dataSync();
      assert.equal(b.length, a.length, name);
      for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) < 1e-6, `${name}[${k}]: ${b[k]} vs ${a[k]}`);
    });
    const fast = gruLogitsTimeMajor(tf, config, params, tm.x, B).dataSync(), ref = forwardSequence(tf, config, params, xt).dataSync();
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) assert.ok(Math.abs(fast[t * B + b]! - ref[b * T + t]!) < 1e-6);
    // The history path is causal: the gradient of a non-causal kernel entry (step s > t) is zero, and a later week never moves an earlier logit.
    const dHist = grads.get('history/kernel')!.dataSync();
    for (let s = 0; s < T; s++) for (let j = 0; j < HF; j++) for (let t = 0; t < s; t++) assert.ok(dHist[(s * HF + j) * T + t] === 0);
    assert.ok(dHist.some((v) => v !== 0));
    const later = x.slice();
    for (let b = 0; b < B; b++) for (let j = 0; j < FF; j++) later[(b * T + 4) * FF + j] = later[(b * T + 4) * FF + j]! + 5;
    const moved = forwardSequence(tf, config, params, tf.tensor3d(later, [B, T, FF])).dataSync();
    for (let b = 0; b < B; b++) for (let t = 0; t < 4; t++) assert.ok(Math.abs(moved[b * T + t]! - ref[b * T + t]!) < 1e-6);
  });

  it('the history path reads next_due_in_weeks and submitted_this_week by default when the schema has them; explicit names are checked', () => {
    const withSchedule = buildFeatureSchema(['assessments'], STEPS);
    assert.deepEqual(historyFeatureIndices(withSchedule), ['next_due_in_weeks', 'submitted_this_week'].map((n) => withSchedule.features.indexOf(n)));
    assert.ok(historyFeatureIndices(withSchedule).every((i) => i >= 0));
    assert.deepEqual(historyFeatureIndices(schema), []); // attendance-only data: no history path
    assert.deepEqual(historyFeatureIndices(withSchedule, []), []);
    assert.deepEqual(historyFeatureIndices(schema, ['days_since_last_activity']), [SIGNAL]);
    assert.throws(() => historyFeatureIndices(schema, ['next_due_in_weeks']), (e: unknown) => e instanceof AppError && e.code === 'ml_schema_mismatch');
  });

  for (const historyFeatures of [undefined, ['days_since_last_activity']]) it(`trains with the history path (${historyFeatures ? 'one feature' : 'every feature'}): stored weights, JSON round trip, explanations through both paths`, async () => {
    const a = await trainRiskModel(runtime, { schema, train, validation }, { ...options, architecture: 'gru', config: { hidden: 8, history: true }, maxEpochs: 8, historyFeatures });
    assert.equal(a.topology.history, true);
    assert.deepEqual(a.topology.historyFeatures, historyFeatures ? [SIGNAL] : undefined);
    const hist = a.weights.find((w) => w.name === 'history/kernel')!;
    assert.deepEqual(hist.shape, [STEPS * (historyFeatures ? 1 : F), STEPS]);
    assert.ok(decodeFloat32(hist.data).some((v) => v !== 0), 'the history path was trained');
    assert.ok(a.metrics.validation.auc > 0.9, `validation AUC ${a.metrics.validation.auc}`);
    const restored = parseRiskModelArtifact(JSON.parse(JSON.stringify(a)));
    const m1 = loadRiskModel(runtime, a), m2 = loadRiskModel(runtime, restored);
    assert.deepEqual(m2.predictRisk(validation.x, validation.n, schema), m1.predictRisk(validation.x, validation.n, schema));
    // Explanations differentiate the combined model: with the GRU's head at zero, only the history path speaks, and
    // it attributes the risk to the feature that carries the pattern, in earlier weeks too.
    const historyOnly = parseRiskModelArtifact(JSON.parse(JSON.stringify(a)));
    for (const w of historyOnly.weights) if (w.name === 'head/kernel') w.data = encodeFloat32(new Float32Array(8));
    const m3 = loadRiskModel(runtime, historyOnly);
    const x = validation.x.slice(0, STEPS * F); // learner 0 withdraws
    const e = explainRisk(m3, x, schema, 4);
    assert.equal(e.raising[0]!.feature, 'days_since_last_activity');
    const total = [...e.raising, ...e.lowering].reduce((s, f) => s + f.attribution, 0);
    assert.ok(e.completenessGap < 0.1 * Math.max(1, Math.abs(total)), `gap ${e.completenessGap}`);
    for (const m of [m1, m2, m3]) m.dispose();
  });

  it('trains a GRU that separates the pattern, reproducibly', async () => {
    const gru = { ...options, architecture: 'gru' as const, config: { hidden: 8 } };
    const a = await trainRiskModel(runtime, { schema, train, validation }, gru);
    assert.ok(a.metrics.validation.auc > 0.9, `validation AUC ${a.metrics.validation.auc}`);
    const b = await trainRiskModel(runtime, { schema, train, validation }, gru);
    assert.deepEqual(b.weights, a.weights);
  });

  it('weight decay shrinks the weight matrices (fast GRU and tape paths) and is recorded', async () => {
    const norm = (artifact: RiskModelArtifact, suffix: string): number => artifact.weights.filter((w) => w.name.endsWith(suffix))
      .reduce((s, w) => s + decodeFloat32(w.data).reduce((t, v) => t + v * v, 0), 0);
    for (const architecture of ['gru', 'tcn'] as const) {
      const base = { ...options, architecture, maxEpochs: 4, patience: 4 };
      const none = await trainRiskModel(runtime, { schema, train, validation }, { ...base, weightDecay: 0 });
      const strong = await trainRiskModel(runtime, { schema, train, validation }, { ...base, weightDecay: 0.5 });
      assert.equal(strong.training.weightDecay, 0.5);
      assert.ok(norm(strong, 'kernel') < 0.8 * norm(none, 'kernel'), `${architecture}: ${norm(strong, 'kernel')} vs ${norm(none, 'kernel')}`);
    }
  });
});

describe('bad input is refused', () => {
  before(async () => {
    runtime = await getModelRuntime();
  });
  const code = (fn: () => Promise<unknown> | unknown) => async (expected: string, message: RegExp) => {
    await assert.rejects(async () => fn(), (e: unknown) => e instanceof AppError && e.code === expected && message.test(e.message));
  };

  it('too little data, with the minimum', async () => {
    await code(() => trainRiskModel(runtime, { schema, train: synthetic(12, 1), validation }, options))('ml_insufficient_data', /at least 30 learners.*got 12/);
    await code(() => trainRiskModel(runtime, { schema, train, validation: synthetic(4, 3) }, options))('ml_insufficient_data', /at least 10 learners.*got 4/);
  });

  it('a class absent', async () => {
    const oneClass = synthetic(60, 1);
    oneClass.y.fill(0);
    await code(() => trainRiskModel(runtime, { schema, train: oneClass, validation }, options))('ml_single_class', /no learner withdrew/);
  });

  it('missing or infinite values, located', async () => {
    const bad = synthetic(60, 1);
    bad.x[(5 * STEPS + 2) * F + 1] = NaN;
    await code(() => trainRiskModel(runtime, { schema, train: bad, validation }, options))('ml_invalid_input', new RegExp(`missing \\(NaN\\).*learner #5, week 2, feature "${schema.features[1]}"`));
    const inf = synthetic(60, 1);
    inf.x[3] = Infinity;
    await code(() => trainRiskModel(runtime, { schema, train: inf, validation }, options))('ml_invalid_input', /infinite/);
  });

  it('a feature schema mismatch at inference', async () => {
    const artifactSmall = await trainRiskModel(runtime, { schema, train, validation }, { ...options, maxEpochs: 1 });
    const model = loadRiskModel(runtime, artifactSmall);
    const other = buildFeatureSchema(['assessments'], STEPS);
    await code(() => model.predictRisk(validation.x, validation.n, other))('ml_schema_mismatch', /unexpected feature\(s\) assessments_recorded/);
    const reordered = { ...schema, features: [...schema.features].reverse() };
    await code(() => model.predictRisk(validation.x, validation.n, reordered))('ml_schema_mismatch', /another order/);
    await code(() => model.predictRisk(validation.x.subarray(5), validation.n, schema))('ml_schema_mismatch', /expected 60 learners/);
    model.dispose();
    assert.throws(() => parseRiskModelArtifact({ ...artifactSmall, weights: artifactSmall.weights.slice(1) }), /missing/);
  });
});
