/**
 * Platt scaling: p = sigmoid(a * logit + b), fitted by Newton's method on
 * held-out (validation) logits. It corrects both the over/under-confidence of
 * the network (a, a temperature 1/a) and the prior shift that class weighting
 * introduces during training (b).
 */
export interface PlattCalibration {
  method: 'platt';
  a: number;
  b: number;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function applyCalibration(c: PlattCalibration, logit: number): number {
  return sigmoid(c.a * logit + c.b);
}

/** Fits (a, b) minimising the log loss, with a tiny ridge for stability; needs both classes. */
export function fitPlatt(labels: ArrayLike<number>, logits: ArrayLike<number>): PlattCalibration {
  if (labels.length !== logits.length) throw new Error('labels and logits differ in length');
  let a = 1, b = 0;
  const ridge = 1e-6;
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0, gb = 0, haa = ridge, hab = 0, hbb = ridge;
    for (let i = 0; i < labels.length; i++) {
      const z = logits[i]!;
      const p = sigmoid(a * z + b);
      const d = p - labels[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += d * z;
      gb += d;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Damped step to stay in a region where the quadratic model holds.
    const scale = Math.min(1, 5 / Math.max(Math.abs(da), Math.abs(db), 1e-12));
    a -= da * scale;
    b -= db * scale;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { method: 'platt', a, b };
}
