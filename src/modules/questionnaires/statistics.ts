/**
 * The statistics behind "struggling" units, written out so they can be checked
 * against reference values (scipy): normal and Student t tails, the
 * two-proportion z-test, Fisher's exact test (one-sided), Welch's t-test
 * (one-sided), Benjamini–Hochberg adjustment. Pure functions, no dependency.
 */

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The complementary error function, to double precision (W. J. Cody's rational approximations via erfcx-free series). */
export function erfc(x: number): number {
  // Continued fraction for large |x|, series for small: accurate to ~1e-14.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2) {
    // erf series: erf(x) = 2/sqrt(pi) * sum_{n} (-1)^n x^(2n+1) / (n! (2n+1))
    let sum = 0;
    let term = ax;
    for (let n = 0; n < 100; n++) {
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      term *= (-ax * ax) / (n + 1);
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Lentz continued fraction: erfc(x) = exp(-x²)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
    let f = ax;
    let C = ax;
    let D = 0;
    for (let n = 1; n < 300; n++) {
      const an = n / 2;
      D = ax + an * D;
      D = D === 0 ? 1e-300 : 1 / D;
      C = ax + an / C;
      if (C === 0) C = 1e-300;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes' betacf). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbeta = logGamma(a + b) - logGamma(a) - logGamma(b);
  const front = Math.exp(Math.log(x) * a + Math.log(1 - x) * b + lbeta);
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return (front * h) / a;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional: Welch). */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

export interface TestResult {
  test: 'two_proportion_z' | 'fisher_exact' | 'welch_t';
  statistic: number | null;
  /** one-sided p-value: the unit is below the baseline */
  p: number;
}

/**
 * Two-proportion z-test (pooled), one-sided H1: p1 < p2.
 * x1 successes out of n1 (the unit), x2 out of n2 (the rest of the organisation).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): TestResult {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { test: 'two_proportion_z', statistic: 0, p: 1 };
  const z = (p1 - p2) / se;
  return { test: 'two_proportion_z', statistic: z, p: normalCdf(z) };
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Fisher's exact test, one-sided H1: the unit's success odds are lower
 * (scipy.stats.fisher_exact([[x1, n1-x1], [x2, n2-x2]], alternative='less')).
 */
export function fisherExactLess(x1: number, n1: number, x2: number, n2: number): TestResult {
  const successes = x1 + x2;
  const total = n1 + n2;
  const lo = Math.max(0, successes - n2);
  const denom = logChoose(total, n1);
  let p = 0;
  for (let k = lo; k <= x1; k++) p += Math.exp(logChoose(successes, k) + logChoose(total - successes, n1 - k) - denom);
  return { test: 'fisher_exact', statistic: null, p: Math.min(1, p) };
}

/**
 * Success rate of a unit against the baseline: Fisher's exact test when an
 * expected cell count is below 5, the two-proportion z-test otherwise.
 */
export function compareProportions(x1: number, n1: number, x2: number, n2: number): TestResult {
  const pooled = (x1 + x2) / (n1 + n2);
  const expected = [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)];
  return expected.some((e) => e < 5) ? fisherExactLess(x1, n1, x2, n2) : twoProportionZTest(x1, n1, x2, n2);
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Welch's t-test, one-sided H1: mean(a) < mean(b) (scipy.stats.ttest_ind(a, b, equal_var=False, alternative='less')). */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult {
  return welchFromMoments({ n: a.length, mean: mean(a), variance: variance(a) }, { n: b.length, mean: mean(b), variance: variance(b) });
}

export interface Moments {
  n: number;
  mean: number;
  /** sample variance (n − 1 denominator) */
  variance: number;
}

/** Sample moments from the count, sum and sum of squares. */
export function momentsOf(n: number, sum: number, sumSquares: number): Moments {
  const m = sum / n;
  return { n, mean: m, variance: n > 1 ? Math.max(0, (sumSquares - n * m * m) / (n - 1)) : 0 };
}

/** Welch's t-test from the two samples' moments (so a unit can be compared with "everything else" without copying it). */
export function welchFromMoments(a: Moments, b: Moments): TestResult {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { test: 'welch_t', statistic: 0, p: a.mean < b.mean ? 0 : 1 };
  const t = (a.mean - b.mean) / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return { test: 'welch_t', statistic: t, p: studentTCdf(t, df) };
}

/** Benjamini–Hochberg adjusted p-values (q-values), in the input order (scipy.stats.false_discovery_control). */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const q = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (order[k]!.p * m) / (k + 1));
    q[order[k]!.i] = Math.min(1, running);
  }
  return q;
}
