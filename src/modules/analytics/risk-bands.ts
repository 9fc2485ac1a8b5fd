/**
 * Risk bands set against the base rate of withdrawal at each week of
 * programme, and the reliability diagram per week. Pure functions: the
 * training worker computes them from the training labels and the held-out
 * (validation) predictions, the scoring applies them.
 *
 * For week s, with b(s) the share of learners still enrolled at that week's
 * cut-off who withdrew afterwards (training and validation labels, smoothed
 * towards the pooled rate when few learners reach that week):
 * - high: probability ≥ max(2·b(s), the (1 − b(s)) quantile of the validation
 *   predictions of that week and its two neighbours) — at most about as many learners flagged high as are
 *   expected to withdraw, and only at twice the usual risk for that week;
 * - medium: probability ≥ 1.5·b(s);
 * - low otherwise.
 */
import type { SequenceDataset } from './engine/sequence-dataset.ts';
import { reliability, type ReliabilityBin } from './engine/metrics.ts';
import type { RiskBand } from './analytics.table.ts';

export interface WeekBand {
  week: number;
  /** Learners counted that week (training + validation). */
  n: number;
  baseRate: number;
  high: number;
  medium: number;
}

export interface WeeklyBands {
  method: 'base_rate_by_week';
  pooledBaseRate: number;
  weeks: WeekBand[];
}

export interface WeekReliability {
  week: number;
  n: number;
  positives: number;
  ece: number;
  bins: ReliabilityBin[];
}

/** Learners below which a week's base rate is pulled towards the pooled rate. */
const SMOOTHING = 30;
/** Validation predictions a week needs for its own quantile (else the pooled quantile). */
const MIN_QUANTILE_N = 20;

function labelsAt(d: SequenceDataset, step: number, p?: Float32Array): { y: number[]; p: number[] } {
  const y: number[] = [], q: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const k = i * d.steps + step;
    if (d.mask[k] !== 1) continue;
    y.push(d.y[k]!);
    if (p) q.push(p[k]!);
  }
  return { y, p: q };
}

function quantile(values: number[], q: number): number {
  if (!values.length) return 1;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[pos]!;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function computeWeeklyBands(train: SequenceDataset, validation: SequenceDataset, pValidation: Float32Array): WeeklyBands {
  const steps = train.steps;
  let pos = 0, all = 0;
  const perWeek: Array<{ n: number; pos: number; p: number[] }> = [];
  const pooledP: number[] = [];
  for (let s = 0; s < steps; s++) {
    const a = labelsAt(train, s);
    const b = labelsAt(validation, s, pValidation);
    const n = a.y.length + b.y.length;
    const k = a.y.reduce((x, y) => x + y, 0) + b.y.reduce((x, y) => x + y, 0);
    perWeek.push({ n, pos: k, p: b.p });
    pooledP.push(...b.p);
    pos += k;
    all += n;
  }
  const pooled = all ? pos / all : 0;
  const weeks: WeekBand[] = [];
  for (let s = 0; s < steps; s++) {
    const w = perWeek[s]!;
    if (!w.n) continue;
    const baseRate = (w.pos + SMOOTHING * pooled) / (w.n + SMOOTHING);
    // The week and its neighbours (the quantile of one week of a few cohorts jumps from week to week).
    const near = [s - 1, s, s + 1].flatMap((k) => perWeek[k]?.p ?? []);
    const sample = near.length >= MIN_QUANTILE_N ? near : pooledP;
    const high = Math.min(0.95, Math.max(2 * baseRate, quantile(sample, 1 - baseRate)));
    weeks.push({ week: s, n: w.n, baseRate: r4(baseRate), high: r4(high), medium: r4(Math.min(high, 1.5 * baseRate)) });
  }
  return { method: 'base_rate_by_week', pooledBaseRate: r4(pooled), weeks };
}

/** The band of a probability at a week of programme; the nearest earlier week when this one was never seen. */
export function bandAtWeek(probability: number, step: number, bands: WeeklyBands): RiskBand {
  const w = [...bands.weeks].reverse().find((x) => x.week <= step) ?? bands.weeks[0];
  if (!w) return 'low';
  if (probability >= w.high) return 'high';
  if (probability >= w.medium) return 'medium';
  return 'low';
}

/** Reliability diagram (5 equal-width bins) per week of programme, on held-out predictions. */
export function reliabilityByWeek(d: SequenceDataset, p: Float32Array, bins = 5): WeekReliability[] {
  const out: WeekReliability[] = [];
  for (let s = 0; s < d.steps; s++) {
    const w = labelsAt(d, s, p);
    if (!w.y.length) continue;
    const r = reliability(w.y, w.p, bins);
    out.push({ week: s, n: w.y.length, positives: w.y.reduce((a, b) => a + b, 0), ece: r4(r.ece), bins: r.bins.map((b) => ({ from: b.from, to: b.to, count: b.count, meanPredicted: r4(b.meanPredicted), observedRate: r4(b.observedRate) })) });
  }
  return out;
}
