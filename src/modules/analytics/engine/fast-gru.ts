/**
 * The GRU of sequence-model.ts, written for speed on the wasm backend: the
 * same weights and the same arithmetic (PyTorch gate layout), but
 *
 * - time-major inputs built in JavaScript (one [batch, features] tensor per
 *   step), because slicing a step out of a [batch, steps, …] tensor copies the
 *   whole tensor on this backend (unstack was a third of the training time);
 * - the r and z gates of the input and recurrent parts in one fused product
 *   with its bias and sigmoid (`[x_t, h] · [W_ir; W_hr]`);
 * - a hand-written backward pass (backpropagation through time) instead of the
 *   tape: about 20 small kernels per step instead of the tape's 40 and its
 *   bookkeeping, and the weight gradients as a few large products at the end,
 *   whose transposed operands are built in JavaScript or from per-step
 *   [batch, hidden] transposes (the backend's large 2-D transposes and
 *   column sums are slow).
 *
 * `forwardSequence` (autodiff) stays the reference: explanations
 * differentiate it, and engine.test.ts checks that this forward and these
 * gradients match it.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './model-runtime.ts';
import { historyMask, historyWidth, type Params, type SequenceModelConfig } from './sequence-model.ts';

/** One training batch in time-major order. */
export interface TimeMajorBatch {
  batch: number;
  /** [steps][batch × features]: the inputs of each step. */
  x: Float32Array;
  /** [features, steps × batch]: the same inputs transposed (column t·batch + b). */
  xT: Float32Array;
  /** [steps × batch] labels and weights (0 where the label does not count). */
  y: Float32Array;
  w: Float32Array;
}

/** Fills time-major buffers from batch-major rows [n, steps, features] (`rows[r]` = learner index). */
export function toTimeMajor(
  src: Float32Array, rows: ArrayLike<number>, count: number, steps: number, features: number,
  out: { x: Float32Array; xT?: Float32Array },
  labels?: { y: Float32Array; w: Float32Array; srcY: Float32Array; srcW: Float32Array },
): void {
  const { x, xT } = out;
  const cols = steps * count;
  for (let r = 0; r < count; r++) {
    const i = rows[r]!;
    const base = i * steps * features;
    for (let t = 0; t < steps; t++) {
      const s = base + t * features;
      const d = (t * count + r) * features;
      for (let j = 0; j < features; j++) x[d + j] = src[s + j]!;
      if (xT) {
        const c = t * count + r;
        for (let j = 0; j < features; j++) xT[j * cols + c] = src[s + j]!;
      }
      if (labels) {
        labels.y[t * count + r] = labels.srcY[i * steps + t]!;
        labels.w[t * count + r] = labels.srcW[i * steps + t]!;
      }
    }
  }
}

interface GruWeights {
  wRz: TF.Tensor2D; bRz: TF.Tensor1D; wiN: TF.Tensor2D; biN: TF.Tensor1D; whN: TF.Tensor2D; bhN: TF.Tensor1D;
  whRzT: TF.Tensor2D; whNT: TF.Tensor2D; head: TF.Tensor2D; headBias: TF.Tensor;
}

function splitWeights(tf: Tf, config: SequenceModelConfig, params: Params, withTransposes: boolean): GruWeights {
  const p = (name: string): TF.Tensor => {
    const w = params.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    return w;
  };
  const f = config.inputSize, h = config.hidden;
  const wi = p('gru/input_kernel') as TF.Tensor2D, wh = p('gru/recurrent_kernel') as TF.Tensor2D;
  const bi = p('gru/input_bias') as TF.Tensor1D, bh = p('gru/recurrent_bias') as TF.Tensor1D;
  const whRz = tf.slice(wh, [0, 0], [h, 2 * h]);
  const whN = tf.slice(wh, [0, 2 * h], [h, h]);
  return {
    wRz: tf.concat([tf.slice(wi, [0, 0], [f, 2 * h]), whRz], 0),
    bRz: tf.add(tf.slice(bi, [0], [2 * h]), tf.slice(bh, [0], [2 * h])),
    wiN: tf.slice(wi, [0, 2 * h], [f, h]),
    biN: tf.slice(bi, [2 * h], [h]),
    whN,
    bhN: tf.slice(bh, [2 * h], [h]),
    whRzT: withTransposes ? tf.transpose(whRz) : whRz,
    whNT: withTransposes ? tf.transpose(whN) : whN,
    head: p('head/kernel') as TF.Tensor2D,
    headBias: p('head/bias'),
  };
}

interface StepState {
  xh: TF.Tensor2D; rz: TF.Tensor2D; z: TF.Tensor2D; r: TF.Tensor2D; hn: TF.Tensor2D; n: TF.Tensor2D; d: TF.Tensor2D;
}

/**
 * Runs the recurrence; returns the hidden states stacked [steps × batch, hidden]
 * (time-major) and, when `record`, what the backward pass needs.
 */
function forward(tf: Tf, config: SequenceModelConfig, wts: GruWeights, x: Float32Array, batch: number, record: boolean) {
  const { steps, inputSize: f, hidden: h } = config;
  let state = tf.zeros([batch, h]) as TF.Tensor2D;
  const states: TF.Tensor2D[] = [];
  const saved: StepState[] = [];
  const prevT: TF.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const xt = tf.tensor2d(x.subarray(t * batch * f, (t + 1) * batch * f), [batch, f]);
    if (record) prevT.push(tf.transpose(state));
    const xh = tf.concat([xt, state], 1) as TF.Tensor2D;
    const rz = tf.fused.matMul({ a: xh, b: wts.wRz, bias: wts.bRz, activation: 'sigmoid' }) as TF.Tensor2D;
    const r = tf.slice(rz, [0, 0], [batch, h]) as TF.Tensor2D;
    const z = tf.slice(rz, [0, h], [batch, h]) as TF.Tensor2D;
    const hn = tf.fused.matMul({ a: state, b: wts.whN, bias: wts.bhN }) as TF.Tensor2D;
    const inN = tf.fused.matMul({ a: xt, b: wts.wiN, bias: wts.biN });
    const n = tf.tanh(tf.add(inN, tf.mul(r, hn))) as TF.Tensor2D;
    const d = tf.sub(state, n) as TF.Tensor2D;
    state = tf.add(n, tf.mul(z, d)) as TF.Tensor2D;
    states.push(state);
    if (record) saved.push({ xh, rz, z, r, hn, n, d });
  }
  return { hidden: tf.concat(states, 0) as TF.Tensor2D, saved, prevT };
}

/** Logits [steps × batch] (time-major) for time-major inputs; call inside tf.tidy. */
export function gruLogitsTimeMajor(tf: Tf, config: SequenceModelConfig, params: Params, x: Float32Array, batch: number): TF.Tensor1D {
  const wts = splitWeights(tf, config, params, false);
  const { hidden } = forward(tf, config, wts, x, batch, false);
  let z = tf.reshape(tf.fused.matMul({ a: hidden, b: wts.head, bias: wts.headBias }), [config.steps * batch]) as TF.Tensor1D;
  if (config.weeklyHead) z = tf.add(z, weeklyLogits(tf, config, params, hidden, batch)) as TF.Tensor1D;
  let out = config.wide ? tf.add(z, wideLogits(tf, config, params, x, batch)) as TF.Tensor1D : z;
  if (config.history) out = tf.add(out, historyLogits(tf, config, params, x, batch)) as TF.Tensor1D;
  return out;
}

/** The weekly readout's logits [steps × batch]: per step t, h_t · weekly[t]. */
function weeklyLogits(tf: Tf, config: SequenceModelConfig, params: Params, hidden: TF.Tensor2D, batch: number): TF.Tensor1D {
  const { steps, hidden: h } = config;
  const h3 = tf.reshape(hidden, [steps, batch, h]);
  return tf.reshape(tf.sum(tf.mul(h3, tf.reshape(params.get('head/weekly')!, [steps, 1, h])), 2), [steps * batch]) as TF.Tensor1D;
}

/** Batch-major rows [batch, steps × features] (and, when `transposed`, [steps × features, batch]) from time-major inputs. */
function historyRows(config: SequenceModelConfig, x: Float32Array, batch: number, transposed: boolean): Float32Array {
  const { steps, inputSize: f } = config;
  const read = config.historyFeatures ?? Array.from({ length: f }, (_, j) => j);
  const k = read.length, width = steps * k;
  const out = new Float32Array(batch * width);
  for (let t = 0; t < steps; t++) {
    for (let r = 0; r < batch; r++) {
      const src = (t * batch + r) * f;
      for (let j = 0; j < k; j++) {
        const col = t * k + j;
        out[transposed ? col * batch + r : r * width + col] = x[src + read[j]!]!;
      }
    }
  }
  return out;
}

/** The history path's logits [steps × batch]: per step t, the flattened features of steps 0..t times its weights. */
function historyLogits(tf: Tf, config: SequenceModelConfig, params: Params, x: Float32Array, batch: number): TF.Tensor1D {
  const { steps } = config;
  const f = historyWidth(config);
  const rows = tf.tensor2d(historyRows(config, x, batch, false), [batch, steps * f]);
  const kernel = tf.mul(params.get('history/kernel')!, tf.tensor2d(historyMask(steps, f), [steps * f, steps])) as TF.Tensor2D;
  const out = tf.fused.matMul({ a: rows, b: kernel, bias: params.get('history/bias')! }); // [batch, steps]
  return tf.reshape(tf.transpose(out), [steps * batch]) as TF.Tensor1D;
}

/** The wide path's logits [steps × batch]: per step, x_t · wide[t] + wide_bias[t]. */
function wideLogits(tf: Tf, config: SequenceModelConfig, params: Params, x: Float32Array, batch: number): TF.Tensor1D {
  const { steps, inputSize: f } = config;
  const x3 = tf.tensor3d(x.subarray(0, steps * batch * f), [steps, batch, f]);
  const v = tf.reshape(params.get('wide/kernel')!, [steps, 1, f]);
  const out = tf.add(tf.sum(tf.mul(x3, v), 2), tf.reshape(params.get('wide/bias')!, [steps, 1]));
  return tf.reshape(out, [steps * batch]) as TF.Tensor1D;
}

/**
 * Loss (class-weighted binary cross-entropy over the labelled steps, the same
 * as the training loop's) and its gradient for every weight, by
 * backpropagation through time. Call inside tf.tidy.
 */
export function gruLossAndGradients(tf: Tf, config: SequenceModelConfig, params: Params, b: TimeMajorBatch): { loss: TF.Scalar; grads: Map<string, TF.Tensor> } {
  const { steps, inputSize: f, hidden: h } = config;
  const batch = b.batch;
  const rows = steps * batch;
  const wts = splitWeights(tf, config, params, true);
  const { hidden, saved, prevT } = forward(tf, config, wts, b.x, batch, true);
  let z = tf.reshape(tf.fused.matMul({ a: hidden, b: wts.head, bias: wts.headBias }), [rows]) as TF.Tensor1D;
  if (config.weeklyHead) z = tf.add(z, weeklyLogits(tf, config, params, hidden, batch)) as TF.Tensor1D;
  if (config.wide) z = tf.add(z, wideLogits(tf, config, params, b.x, batch)) as TF.Tensor1D;
  if (config.history) z = tf.add(z, historyLogits(tf, config, params, b.x, batch)) as TF.Tensor1D;
  const y = tf.tensor1d(b.y.subarray(0, rows));
  const w = tf.tensor1d(b.w.subarray(0, rows));
  let total = 0;
  for (let i = 0; i < rows; i++) total += b.w[i]!;
  const scale = 1 / Math.max(total, 1e-6);
  // Numerically stable binary cross-entropy on logits; d/dz = sigmoid(z) − y.
  const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  const loss = tf.mul(tf.sum(tf.mul(bce, w)), scale) as TF.Scalar;
  const dz = tf.mul(tf.mul(tf.sub(tf.sigmoid(z), y), w), scale) as TF.Tensor1D;

  // Head: dW = Hᵀ·dz written as dzᵀ·H (no transpose of the large H), db = Σ dz.
  const dHead = tf.reshape(tf.matMul(tf.reshape(dz, [1, rows]) as TF.Tensor2D, hidden), [h, 1]);
  const dHeadBias = tf.reshape(tf.sum(dz), [1]);
  const headRow = tf.reshape(wts.head, [1, h]);
  // Weekly readout: step t reads h_t through head + weekly[t]; d weekly[t] = Σ_b dz[t, b] · h[t, b].
  const weekly = config.weeklyHead ? params.get('head/weekly')! : null;

  const gradI: TF.Tensor2D[] = new Array(steps), gradH: TF.Tensor2D[] = new Array(steps);
  let dNext: TF.Tensor2D | null = null;
  for (let t = steps - 1; t >= 0; t--) {
    const s = saved[t]!;
    const dzt = tf.reshape(tf.slice(dz, [t * batch], [batch]), [batch, 1]);
    let dh = tf.mul(dzt, weekly ? tf.add(headRow, tf.slice(weekly, [t, 0], [1, h])) : headRow) as TF.Tensor2D;
    if (dNext) dh = tf.add(dh, dNext) as TF.Tensor2D;
    // h' = n + z ⊙ (h − n)
    const dhz = tf.mul(dh, s.z);
    const dn = tf.sub(dh, dhz);
    const dzGate = tf.mul(dh, s.d);
    // n = tanh(a_n), a_n = x·W_in + b_in + r ⊙ (h·W_hn + b_hn)
    const dan = tf.mul(dn, tf.sub(1, tf.square(s.n))) as TF.Tensor2D;
    const dr = tf.mul(dan, s.hn);
    const dhn = tf.mul(dan, s.r) as TF.Tensor2D;
    // [r, z] = sigmoid([x, h]·W_rz + b_rz)
    const drz = tf.mul(tf.concat([dr, dzGate], 1), tf.mul(s.rz, tf.sub(1, s.rz))) as TF.Tensor2D;
    gradI[t] = tf.concat([drz, dan], 1) as TF.Tensor2D;
    gradH[t] = tf.concat([drz, dhn], 1) as TF.Tensor2D;
    if (t > 0) dNext = tf.add(tf.add(dhz, tf.matMul(dhn, wts.whNT)), tf.matMul(drz, wts.whRzT)) as TF.Tensor2D;
  }
  const gI = tf.concat(gradI, 0) as TF.Tensor2D; // [rows, 3h]
  const gH = tf.concat(gradH, 0) as TF.Tensor2D;
  const xT = tf.tensor2d(b.xT.subarray(0, f * rows), [f, rows]);
  const hT = tf.concat(prevT, 1) as TF.Tensor2D; // [h, rows]: h_{t-1} transposed
  const ones = tf.ones([1, rows]) as TF.Tensor2D;
  const grads = new Map<string, TF.Tensor>([
    ['gru/input_kernel', tf.matMul(xT, gI)],
    ['gru/input_bias', tf.reshape(tf.matMul(ones, gI), [3 * h])],
    ['gru/recurrent_kernel', tf.matMul(hT, gH)],
    ['gru/recurrent_bias', tf.reshape(tf.matMul(ones, gH), [3 * h])],
    ['head/kernel', dHead],
    ['head/bias', dHeadBias],
  ]);
  if (config.weeklyHead) {
    grads.set('head/weekly', tf.sum(tf.mul(tf.reshape(hidden, [steps, batch, h]), tf.reshape(dz, [steps, batch, 1])), 1));
  }
  if (config.wide) {
    // d wide[t, j] = Σ_b x[t, b, j] · dz[t, b], from the transposed inputs (sums over the last axis only).
    const dWide = tf.sum(tf.mul(tf.reshape(xT, [f, steps, batch]), tf.reshape(dz, [1, steps, batch])), 2);
    grads.set('wide/kernel', tf.transpose(dWide));
    grads.set('wide/bias', tf.sum(tf.reshape(dz, [steps, batch]), 1));
  }
  if (config.history) {
    // d kernel = rowsᵀ · dz (batch-major), masked to the causal entries; d bias[t] = Σ_b dz[t, b].
    const width = historyWidth(config);
    const rowsT = tf.tensor2d(historyRows(config, b.x, batch, true), [steps * width, batch]);
    const dzB = tf.transpose(tf.reshape(dz, [steps, batch])) as TF.Tensor2D;
    grads.set('history/kernel', tf.mul(tf.matMul(rowsT, dzB), tf.tensor2d(historyMask(steps, width), [steps * width, steps])));
    grads.set('history/bias', tf.sum(tf.reshape(dz, [steps, batch]), 1));
  }
  return { loss, grads };
}
