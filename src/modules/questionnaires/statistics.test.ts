import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { benjaminiHochberg, compareProportions, fisherExactLess, median, momentsOf, normalCdf, studentTCdf, twoProportionZTest, welchFromMoments, welchTTest } from './statistics.ts';

/** Expected values computed with scipy 1.17 (commands in the comments), hard-coded. */
const close = (actual: number, expected: number, rel = 1e-6, label = '') => assert.ok(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-12), `${label} ${actual} vs ${expected}`);

describe('statistics against scipy reference values', () => {
  test('normal and Student t distribution functions', () => {
    close(normalCdf(-1.96), 0.024997895148220435, 1e-9, 'norm.cdf(-1.96)');
    close(normalCdf(-3.5), 0.00023262907903552502, 1e-9, 'norm.cdf(-3.5)');
    close(normalCdf(0.3), 0.6179114221889526, 1e-9, 'norm.cdf(0.3)');
    close(studentTCdf(-2.1, 7.3), 0.0361233567124267, 1e-8, 't.cdf(-2.1, 7.3)');
    close(studentTCdf(1.3, 30), 0.8982495207309416, 1e-8, 't.cdf(1.3, 30)');
  });

  test('two-proportion z-test (pooled, one-sided less)', () => {
    // z = (p1 − p2) / sqrt(p(1−p)(1/n1 + 1/n2)); p = norm.cdf(z)
    const r = twoProportionZTest(12, 26, 142, 200);
    close(r.statistic!, -2.557928806280537, 1e-9, 'z');
    close(r.p, 0.005264882362613585, 1e-8, 'p');
    close(twoProportionZTest(40, 50, 70, 100).p, 0.9041526989740561, 1e-8, 'p above baseline');
  });

  test("Fisher's exact test (alternative='less') and its use for small expected counts", () => {
    close(fisherExactLess(2, 8, 30, 40).p, 0.011530222868435684, 1e-8, 'fisher_exact([[2,6],[30,10]])');
    close(fisherExactLess(1, 10, 15, 20).p, 0.0010994502748625685, 1e-8, 'fisher_exact([[1,9],[15,5]])');
    assert.equal(compareProportions(2, 8, 30, 40).test, 'fisher_exact');
    assert.equal(compareProportions(12, 26, 142, 200).test, 'two_proportion_z');
  });

  test("Welch's t-test (equal_var=False, alternative='less')", () => {
    const a = [3.2, 3.8, 2.9, 3.5, 3.1, 2.7, 3.0, 3.4, 2.8];
    const b = [4.1, 3.9, 4.4, 3.7, 4.2, 4.0, 3.6, 4.5, 4.3, 3.8, 4.1, 3.9];
    const r = welchTTest(a, b);
    close(r.statistic!, -6.169246594981613, 1e-9, 't');
    close(r.p, 9.826113724983266e-6, 1e-6, 'p');
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    const sq = (xs: number[]) => xs.reduce((x, y) => x + y * y, 0);
    const fromMoments = welchFromMoments(momentsOf(a.length, sum(a), sq(a)), momentsOf(b.length, sum(b), sq(b)));
    close(fromMoments.p, 9.826113724983266e-6, 1e-6, 'p from moments');
  });

  test('Benjamini–Hochberg (false_discovery_control) and median', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2, 0.5]);
    [0.05, 0.06666666666666667, 0.06666666666666667, 0.25, 0.5].forEach((e, i) => close(q[i]!, e, 1e-12, `q${i}`));
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});
