import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeFairness } from './fairness-metrics.ts';

describe('fairness metrics', () => {
  it('computes per-group rates and disparity ratios', () => {
    // Group A: 4 positives, 4 negatives; flagged: 3 positives, 1 negative.
    // Group B: 4 positives, 4 negatives; flagged: 1 positive, 0 negative.
    const labels = [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0];
    const probs = [0.9, 0.8, 0.7, 0.2, 0.6, 0.1, 0.1, 0.1, 0.9, 0.3, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1];
    const groups = [...Array(8).fill('A'), ...Array(8).fill('B')];
    const r = computeFairness('gender', labels, probs, groups, 0.5, { minGroupSize: 5 });
    const a = r.groups.find((g) => g.group === 'A')!, b = r.groups.find((g) => g.group === 'B')!;
    assert.equal(a.tpr, 0.75);
    assert.equal(a.fpr, 0.25);
    assert.equal(b.tpr, 0.25);
    assert.equal(b.fpr, 0);
    assert.equal(a.selectionRate, 0.5);
    assert.equal(b.selectionRate, 0.125);
    assert.equal(r.disparity.tprRatio, 0.25 / 0.75);
    assert.equal(r.disparity.selectionRateRatio, 0.125 / 0.5);
    assert.equal(r.disparity.fprRatio, 0);
    assert.equal(r.disparity.belowFourFifths, true);
    assert.ok(Math.abs(a.calibrationGap - (a.meanPredicted - 0.5)) < 1e-12);
    assert.ok(a.auc! > b.auc! - 1 && r.disparity.aucGap !== null);
  });

  it('leaves small groups out of the disparities and reports them', () => {
    const r = computeFairness('disability', [1, 0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2, 0.1], ['N', 'N', 'N', 'N', 'Y'], 0.5, { minGroupSize: 3 });
    assert.deepEqual(r.smallGroups, ['Y']);
    assert.equal(r.disparity.tprRatio, null);
    assert.equal(r.disparity.belowFourFifths, false);
  });

  it('refuses inputs of different lengths', () => {
    assert.throws(() => computeFairness('x', [1], [0.5, 0.2], ['a'], 0.5), /differ in length/);
  });
});
