/**
 * Causal sequence models over weekly features: each maps an input
 * [batch, steps, features] to one logit per step, where the logit of step k
 * depends only on steps 0..k (so a prediction "at week k" never sees later
 * weeks). Three architectures, each fully described by its `SequenceModelConfig`
 * (the topology stored in the artifact) and a flat list of named weights:
 *
 * - 'gru': a GRU layer (PyTorch gate layout) and a dense head;
 * - 'tcn': a temporal convolution network: causal dilated convolutions
 *   (kernel 3, dilations 1, 2, 4, 8 by default) with residual connections,
 *   written as shifted concatenations and one matrix product per layer (the
 *   wasm backend has no convolution gradient kernel);
 * - 'attention': one causal self-attention block with learned positions and a
 *   feed-forward layer.
 *
 * The same architectures are written in PyTorch in bench/baselines.py, weight
 * for weight, to compare training time per epoch.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from './model-runtime.ts';
import { createRandom } from './random.ts';

export type Architecture = 'gru' | 'tcn' | 'attention';
export const ARCHITECTURES: readonly Architecture[] = ['gru', 'tcn', 'attention'];

export interface SequenceModelConfig {
  architecture: Architecture;
  inputSize: number;
  steps: number;
  hidden: number;
  /** tcn: kernel width and dilation of each layer. */
  kernel?: number;
  dilations?: number[];
  /**
   * Wide path: a linear model of the step's own features, with weights per
   * step (week), added to the sequence model's logit — the network starts
   * from (and can always fall back to) one logistic regression per week.
   */
  wide?: boolean;
  /**
   * History path: one linear model per step over the whole history up to that
   * step (the flattened features of steps 0..t, as the logistic-regression
   * baseline sees them), added to the sequence model's logit and trained
   * jointly. Weights [steps × features, steps], causal: the weight of step s's
   * features for the logit of step t is used only when s ≤ t.
   */
  history?: boolean;
  /** The features (indices into the input) the history path reads; all when absent. */
  historyFeatures?: number[];
  /**
   * Weekly readout: the head's weights plus a per-step offset [steps, hidden] (zero at the start, weight-decayed),
   * so that what the hidden state means for the risk can change with the week.
   */
  weeklyHead?: boolean;
}

/** How many features per step the history path reads. */
export const historyWidth = (config: SequenceModelConfig): number => config.historyFeatures?.length ?? config.inputSize;

export interface WeightSpec {
  name: string;
  shape: number[];
  /** Initialisation: 'glorot' is uniform ±1/sqrt(fan_in) (PyTorch's default for Linear/GRU), zeros, or normal(0, 0.02). */
  init: 'glorot' | 'zeros' | 'normal';
}

export function defaultConfig(architecture: Architecture, inputSize: number, steps: number): SequenceModelConfig {
  if (architecture === 'tcn') return { architecture, inputSize, steps, hidden: 32, kernel: 3, dilations: [1, 2, 4, 8] };
  if (architecture === 'attention') return { architecture, inputSize, steps, hidden: 32 };
  return { architecture, inputSize, steps, hidden: 32 };
}

/** The weights of an architecture, in a fixed order (the artifact and PyTorch use the same names). */
export function weightSpecs(config: SequenceModelConfig): WeightSpec[] {
  const { inputSize: f, hidden: h } = config;
  const head: WeightSpec[] = [{ name: 'head/kernel', shape: [h, 1], init: 'glorot' }, { name: 'head/bias', shape: [1], init: 'zeros' }];
  if (config.weeklyHead) head.push({ name: 'head/weekly', shape: [config.steps, h], init: 'zeros' });
  if (config.wide) head.push({ name: 'wide/kernel', shape: [config.steps, f], init: 'zeros' }, { name: 'wide/bias', shape: [config.steps], init: 'zeros' });
  if (config.history) head.push({ name: 'history/kernel', shape: [config.steps * historyWidth(config), config.steps], init: 'zeros' }, { name: 'history/bias', shape: [config.steps], init: 'zeros' });
  if (config.architecture === 'gru') {
    return [
      { name: 'gru/input_kernel', shape: [f, 3 * h], init: 'glorot' },
      { name: 'gru/input_bias', shape: [3 * h], init: 'zeros' },
      { name: 'gru/recurrent_kernel', shape: [h, 3 * h], init: 'glorot' },
      { name: 'gru/recurrent_bias', shape: [3 * h], init: 'zeros' },
      ...head,
    ];
  }
  if (config.architecture === 'tcn') {
    const k = config.kernel ?? 3;
    const layers = (config.dilations ?? [1, 2, 4, 8]).flatMap((_, i): WeightSpec[] => [
      { name: `tcn/conv${i}/kernel`, shape: [k * h, h], init: 'glorot' },
      { name: `tcn/conv${i}/bias`, shape: [h], init: 'zeros' },
    ]);
    return [{ name: 'tcn/input/kernel', shape: [f, h], init: 'glorot' }, { name: 'tcn/input/bias', shape: [h], init: 'zeros' }, ...layers, ...head];
  }
  return [
    { name: 'attn/input/kernel', shape: [f, h], init: 'glorot' },
    { name: 'attn/input/bias', shape: [h], init: 'zeros' },
    { name: 'attn/position', shape: [config.steps, h], init: 'normal' },
    { name: 'attn/query', shape: [h, h], init: 'glorot' },
    { name: 'attn/key', shape: [h, h], init: 'glorot' },
    { name: 'attn/value', shape: [h, h], init: 'glorot' },
    { name: 'attn/output', shape: [h, h], init: 'glorot' },
    { name: 'attn/ffn1/kernel', shape: [h, 2 * h], init: 'glorot' },
    { name: 'attn/ffn1/bias', shape: [2 * h], init: 'zeros' },
    { name: 'attn/ffn2/kernel', shape: [2 * h, h], init: 'glorot' },
    { name: 'attn/ffn2/bias', shape: [h], init: 'zeros' },
    ...head,
  ];
}

/** Seeded initial weights as plain arrays (reproducible on any backend). */
export function initialWeights(config: SequenceModelConfig, seed: number): Map<string, Float32Array> {
  const random = createRandom(seed);
  const out = new Map<string, Float32Array>();
  for (const spec of weightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (spec.init === 'glorot') {
      // Uniform ±1/sqrt(fan_in), as PyTorch initialises Linear and GRU weights
      // (measured: the larger Glorot range overfitted after one epoch here).
      const fanIn = spec.name.startsWith('gru/recurrent') ? spec.shape[0]! : spec.name.startsWith('gru/') ? config.hidden : spec.shape[0]!;
      const limit = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < size; i++) data[i] = (random.next() * 2 - 1) * limit;
    } else if (spec.init === 'normal') {
      for (let i = 0; i < size; i++) data[i] = random.normal() * 0.02;
    }
    out.set(spec.name, data);
  }
  return out;
}

export type Params = Map<string, TF.Tensor>;

/**
 * x · W with gradients written as plain (non-transposed) matrix products:
 * the wasm backend runs transposed products (matMul's default gradient)
 * through a slow path, several times slower than an explicit transpose
 * followed by a plain product (measured; see the bench report).
 */
function matMulFast(tf: Tf, x: TF.Tensor2D, w: TF.Tensor2D): TF.Tensor2D {
  const f = tf.customGrad(((a: TF.Tensor, b: TF.Tensor, save: (t: TF.Tensor[]) => void) => {
    save([a, b]);
    return {
      value: tf.matMul(a as TF.Tensor2D, b as TF.Tensor2D),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
        const [sa, sb] = saved as [TF.Tensor2D, TF.Tensor2D];
        return [tf.matMul(dy as TF.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as TF.Tensor2D)];
      },
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  return f(x, w) as TF.Tensor2D;
}

const dense = (tf: Tf, x: TF.Tensor2D, kernel: TF.Tensor, bias?: TF.Tensor): TF.Tensor2D => {
  const y = matMulFast(tf, x, kernel as TF.Tensor2D);
  return (bias ? tf.add(y, bias) : y) as TF.Tensor2D;
};

/** Shifts a [batch, steps, channels] sequence `by` steps later in time, zeros first (causal). */
function shiftLater(tf: Tf, x: TF.Tensor3D, by: number, steps: number): TF.Tensor3D {
  if (by >= steps) return tf.zerosLike(x);
  const padded = tf.pad(x, [[0, 0], [by, 0], [0, 0]]);
  return tf.slice(padded, [0, 0, 0], [-1, steps, -1]) as TF.Tensor3D;
}

/** Logits [batch, steps] for inputs [batch, steps, features] (already normalised). */
export function forwardSequence(tf: Tf, config: SequenceModelConfig, params: Params, x: TF.Tensor3D): TF.Tensor2D {
  const p = (name: string): TF.Tensor => {
    const w = params.get(name);
    if (!w) throw new Error(`missing weight ${name}`);
    return w;
  };
  const [batch, steps, features] = x.shape;
  const h = config.hidden;
  const flat = tf.reshape(x, [batch * steps, features]) as TF.Tensor2D;
  let hidden: TF.Tensor3D;

  if (config.architecture === 'gru') {
    const projected = tf.reshape(dense(tf, flat, p('gru/input_kernel'), p('gru/input_bias')), [batch, steps, 3 * h]);
    const [xr, xz, xn] = tf.split(projected, 3, 2) as [TF.Tensor3D, TF.Tensor3D, TF.Tensor3D];
    const xrs = tf.unstack(xr, 1), xzs = tf.unstack(xz, 1), xns = tf.unstack(xn, 1);
    const wh = p('gru/recurrent_kernel') as TF.Tensor2D;
    const bh = p('gru/recurrent_bias');
    let state = tf.zeros([batch, h]) as TF.Tensor2D;
    const outputs: TF.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const [hr, hz, hn] = tf.split(tf.add(matMulFast(tf, state, wh), bh), 3, 1) as [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D];
      const r = tf.sigmoid(tf.add(xrs[t]!, hr));
      const z = tf.sigmoid(tf.add(xzs[t]!, hz));
      const n = tf.tanh(tf.add(xns[t]!, tf.mul(r, hn)));
      state = tf.add(n, tf.mul(z, tf.sub(state, n))) as TF.Tensor2D;
      outputs.push(state);
    }
    hidden = tf.stack(outputs, 1) as TF.Tensor3D;
  } else if (config.architecture === 'tcn') {
    const k = config.kernel ?? 3;
    hidden = tf.reshape(tf.relu(dense(tf, flat, p('tcn/input/kernel'), p('tcn/input/bias'))), [batch, steps, h]);
    (config.dilations ?? [1, 2, 4, 8]).forEach((d, i) => {
      // Tap j looks j*d steps back: concat([x_t, x_{t-d}, x_{t-2d}]) then one matmul.
      const taps = Array.from({ length: k }, (_, j) => (j === 0 ? hidden : shiftLater(tf, hidden, j * d, steps)));
      const stacked = tf.reshape(tf.concat(taps, 2), [batch * steps, k * h]) as TF.Tensor2D;
      const conv = tf.relu(dense(tf, stacked, p(`tcn/conv${i}/kernel`), p(`tcn/conv${i}/bias`)));
      hidden = tf.add(hidden, tf.reshape(conv, [batch, steps, h])) as TF.Tensor3D;
    });
  } else {
    const embedded = tf.add(tf.reshape(dense(tf, flat, p('attn/input/kernel'), p('attn/input/bias')), [batch, steps, h]), p('attn/position'));
    const e2 = tf.reshape(embedded, [batch * steps, h]) as TF.Tensor2D;
    const q = tf.reshape(dense(tf, e2, p('attn/query')), [batch, steps, h]);
    const kk = tf.reshape(dense(tf, e2, p('attn/key')), [batch, steps, h]);
    const v = tf.reshape(dense(tf, e2, p('attn/value')), [batch, steps, h]);
    const scores = tf.mul(tf.matMul(q, kk, false, true), 1 / Math.sqrt(h));
    const causal = tf.linalg.bandPart(tf.ones([steps, steps]), -1, 0);
    const masked = tf.add(scores, tf.mul(tf.sub(causal, 1), 1e9));
    const attended = tf.reshape(tf.matMul(tf.softmax(masked), v), [batch * steps, h]) as TF.Tensor2D;
    const h1 = tf.add(e2, dense(tf, attended, p('attn/output'))) as TF.Tensor2D;
    const ffn = dense(tf, tf.relu(dense(tf, h1, p('attn/ffn1/kernel'), p('attn/ffn1/bias'))), p('attn/ffn2/kernel'), p('attn/ffn2/bias'));
    hidden = tf.reshape(tf.add(h1, ffn), [batch, steps, h]) as TF.Tensor3D;
  }
  const logits = tf.reshape(dense(tf, tf.reshape(hidden, [batch * steps, h]) as TF.Tensor2D, p('head/kernel'), p('head/bias')), [batch, steps]) as TF.Tensor2D;
  let out = logits;
  if (config.weeklyHead) out = tf.add(out, tf.sum(tf.mul(hidden, p('head/weekly')), 2)) as TF.Tensor2D;
  if (config.wide) out = tf.add(out, tf.add(tf.sum(tf.mul(x, p('wide/kernel')), 2), p('wide/bias'))) as TF.Tensor2D;
  if (config.history) {
    const width = historyWidth(config);
    const kernel = tf.mul(p('history/kernel'), tf.tensor2d(historyMask(steps, width), [steps * width, steps]));
    // The selected features, as a product with a one-hot matrix (the wasm backend has no gradient kernel for gather).
    const select = (): TF.Tensor2D => {
      const onehot = new Float32Array(features * width);
      config.historyFeatures!.forEach((j, k) => { onehot[j * width + k] = 1; });
      return tf.matMul(flat, tf.tensor2d(onehot, [features, width]));
    };
    const flatHistory = tf.reshape(config.historyFeatures ? select() : x, [batch, steps * width]) as TF.Tensor2D;
    out = tf.add(out, tf.add(tf.matMul(flatHistory, kernel as TF.Tensor2D), p('history/bias'))) as TF.Tensor2D;
  }
  return out;
}

/** The history path's causal mask [steps × features, steps]: 1 where the row's step s ≤ the column's step t. */
export function historyMask(steps: number, features: number): Float32Array {
  const m = new Float32Array(steps * features * steps);
  for (let s = 0; s < steps; s++) {
    for (let j = 0; j < features; j++) for (let t = s; t < steps; t++) m[(s * features + j) * steps + t] = 1;
  }
  return m;
}
