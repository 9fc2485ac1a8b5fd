import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitPlatt, applyCalibration } from './calibration.ts';
import { bestF1Threshold, brierScore, f1At, prAuc, reliability, rocAuc } from './metrics.ts';
import { createRandom } from './random.ts';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b} (±${tol})`);

describe('metrics', () => {
  it('ROC AUC counts pairs, ties half', () => {
    close(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
    close(rocAuc([0, 1], [0.5, 0.5]), 0.5);
    close(rocAuc([1, 1, 0], [3, 2, 1]), 1);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
  });

  it('average precision as scikit-learn computes it', () => {
    // sklearn.metrics.average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.8333…
    close(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.8333333333333333);
  });

  it('F1, best threshold, Brier, reliability', () => {
    const y = [0, 0, 1, 1, 1], p = [0.1, 0.6, 0.55, 0.7, 0.9];
    close(f1At(y, p, 0.5), (2 * 3) / (2 * 3 + 1 + 0));
    const best = bestF1Threshold(y, p);
    close(best.f1, 6 / 7);
    close(best.threshold, 0.55);
    close(brierScore([0, 1], [0.2, 0.6]), (0.04 + 0.16) / 2);
    const r = reliability([0, 1, 1, 0], [0.05, 0.95, 0.9, 0.15], 10);
    close(r.ece, (1 / 4) * 0.05 + (1 / 4) * 0.15 + (2 / 4) * Math.abs(0.925 - 1));
  });

  it('Platt scaling recovers a known slope and intercept', () => {
    const random = createRandom(7);
    const labels: number[] = [], logits: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const z = random.normal() * 2;
      logits.push(z);
      labels.push(random.next() < 1 / (1 + Math.exp(-(0.5 * z - 1))) ? 1 : 0);
    }
    const c = fitPlatt(labels, logits);
    close(c.a, 0.5, 0.05);
    close(c.b, -1, 0.06);
    close(applyCalibration(c, 2), 1 / (1 + Math.exp(-(c.a * 2 + c.b))));
  });
});
