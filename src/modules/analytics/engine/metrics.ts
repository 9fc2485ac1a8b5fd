/** Classification metrics on plain arrays: labels 0/1, scores any real (probabilities for Brier/ECE). */

function checkSameLength(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) throw new Error(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
}

/** Area under the ROC curve (ties count half); NaN when a class is absent. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkSameLength(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0, rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Area under the precision-recall curve as average precision (step-wise, as scikit-learn). */
export function prAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkSameLength(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels[i] === 1 ? 1 : 0;
  if (totalPos === 0) return NaN;
  let tp = 0, fp = 0, ap = 0, prevRecall = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) tp++;
      else fp++;
    }
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Confusion {
  checkSameLength(labels, scores);
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i] === 1) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

export function f1At(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): number {
  const { tp, fp, fn } = confusionAt(labels, scores, threshold);
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** The threshold maximising F1 (chosen on validation data, then applied unchanged to test data). */
export function bestF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): { threshold: number; f1: number } {
  checkSameLength(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels[i] === 1 ? 1 : 0;
  let tp = 0, fp = 0, best = { threshold: 0.5, f1: 0 };
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) labels[order[k]!] === 1 ? tp++ : fp++;
    const f1 = tp === 0 ? 0 : (2 * tp) / (tp + fp + totalPos);
    if (f1 > best.f1) best = { threshold: scores[order[i]!]!, f1 };
    i = j + 1;
  }
  return best;
}

export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  checkSameLength(labels, probabilities);
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (probabilities[i]! - labels[i]!) ** 2;
  return labels.length ? s / labels.length : NaN;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability diagram in equal-width bins, and the expected calibration error (count-weighted |gap|). */
export function reliability(labels: ArrayLike<number>, probabilities: ArrayLike<number>, bins = 10): { bins: ReliabilityBin[]; ece: number } {
  checkSameLength(labels, probabilities);
  const count = new Array<number>(bins).fill(0), sumP = new Array<number>(bins).fill(0), sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(probabilities[i]! * bins)));
    count[b]!++;
    sumP[b]! += probabilities[i]!;
    sumY[b]! += labels[i]!;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (!count[b]) continue;
    const meanPredicted = sumP[b]! / count[b]!;
    const observedRate = sumY[b]! / count[b]!;
    ece += (count[b]! / labels.length) * Math.abs(meanPredicted - observedRate);
    out.push({ from: b / bins, to: (b + 1) / bins, count: count[b]!, meanPredicted, observedRate });
  }
  return { bins: out, ece };
}
