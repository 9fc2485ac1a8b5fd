/**
 * Fairness audit of a risk model's predictions across the groups of one
 * protected attribute (gender, age band, disability, deprivation…). The
 * attribute is only read here, after prediction: it is never a model input.
 *
 * Per group: size, base rate, AUC, true/false positive rates and selection
 * rate at the decision threshold, calibration (mean predicted vs observed,
 * ECE). Across groups: disparity ratios (smallest / largest rate; 1 is
 * parity; below 0.8 breaks the "four-fifths" rule of thumb) and gaps.
 * Groups smaller than `minGroupSize` are reported but left out of the
 * disparities: their rates are too noisy to compare.
 */
import { confusionAt, reliability, rocAuc } from '../engine/metrics.ts';

export interface GroupFairness {
  group: string;
  n: number;
  positives: number;
  baseRate: number;
  auc: number | null;
  tpr: number | null;
  fpr: number | null;
  precision: number | null;
  selectionRate: number;
  meanPredicted: number;
  calibrationGap: number;
  ece: number;
}

export interface FairnessReport {
  attribute: string;
  threshold: number;
  minGroupSize: number;
  groups: GroupFairness[];
  /** Groups left out of the disparities (too small). */
  smallGroups: string[];
  disparity: {
    /** min/max of the true positive rate (equal opportunity). */
    tprRatio: number | null;
    /** min/max of the false positive rate. */
    fprRatio: number | null;
    /** min/max of the share flagged (demographic parity). */
    selectionRateRatio: number | null;
    /** max − min AUC. */
    aucGap: number | null;
    /** max |mean predicted − observed| (calibration within groups). */
    maxCalibrationGap: number | null;
    /** True when a ratio is below 0.8. */
    belowFourFifths: boolean;
  };
}

const ratio = (values: (number | null)[]): number | null => {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length < 2) return null;
  const max = Math.max(...v);
  return max === 0 ? (Math.min(...v) === 0 ? 1 : null) : Math.min(...v) / max;
};

function confusionOfFlags(y: number[], flagged: boolean[]) {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  y.forEach((v, i) => {
    if (flagged[i]) v === 1 ? c.tp++ : c.fp++;
    else v === 1 ? c.fn++ : c.tn++;
  });
  return c;
}

export function computeFairness(
  attribute: string,
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  groupOf: readonly string[],
  threshold: number,
  /** flagged: which rows the product flags (its weekly bands); by default, probability ≥ threshold. */
  options: { minGroupSize?: number; flagged?: ArrayLike<boolean> } = {},
): FairnessReport {
  if (labels.length !== probabilities.length || labels.length !== groupOf.length) {
    throw new Error(`labels (${labels.length}), probabilities (${probabilities.length}) and groups (${groupOf.length}) differ in length`);
  }
  const minGroupSize = options.minGroupSize ?? 30;
  const members = new Map<string, number[]>();
  groupOf.forEach((g, i) => {
    const list = members.get(g) ?? [];
    list.push(i);
    members.set(g, list);
  });
  const groups: GroupFairness[] = [...members.keys()].sort().map((group) => {
    const idx = members.get(group)!;
    const y = idx.map((i) => labels[i]!);
    const p = idx.map((i) => probabilities[i]!);
    const flags = options.flagged;
    const c = flags ? confusionOfFlags(y, idx.map((i) => flags[i]!)) : confusionAt(y, p, threshold);
    const positives = c.tp + c.fn;
    const negatives = c.fp + c.tn;
    const meanPredicted = p.reduce((a, b) => a + b, 0) / p.length;
    const baseRate = positives / idx.length;
    const auc = rocAuc(y, p);
    return {
      group,
      n: idx.length,
      positives,
      baseRate,
      auc: Number.isNaN(auc) ? null : auc,
      tpr: positives ? c.tp / positives : null,
      fpr: negatives ? c.fp / negatives : null,
      precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null,
      selectionRate: (c.tp + c.fp) / idx.length,
      meanPredicted,
      calibrationGap: meanPredicted - baseRate,
      ece: reliability(y, p).ece,
    };
  });
  const compared = groups.filter((g) => g.n >= minGroupSize);
  const aucs = compared.map((g) => g.auc).filter((x): x is number => x !== null);
  const disparity = {
    tprRatio: ratio(compared.map((g) => g.tpr)),
    fprRatio: ratio(compared.map((g) => g.fpr)),
    selectionRateRatio: ratio(compared.map((g) => g.selectionRate)),
    aucGap: aucs.length >= 2 ? Math.max(...aucs) - Math.min(...aucs) : null,
    maxCalibrationGap: compared.length ? Math.max(...compared.map((g) => Math.abs(g.calibrationGap))) : null,
    belowFourFifths: false,
  };
  disparity.belowFourFifths = [disparity.tprRatio, disparity.selectionRateRatio].some((r) => r !== null && r < 0.8);
  return { attribute, threshold, minGroupSize, groups, smallGroups: groups.filter((g) => g.n < minGroupSize).map((g) => g.group), disparity };
}
