// The special functions under every interval and test, against scipy at points
// chosen to reach each branch of src/stats/special.ts and its far tails
// (scripts/golden/special.py writes the goldens). Tolerances are relative to
// the value: what each function holds across the whole table.
import { describe, expect, it } from 'vitest';
import { betaQuantile, erfc, incompleteBeta, logBeta, logGamma, normalCdf, normalQuantile, studentTCdf, studentTQuantile, tailQuantileByBeta, tailQuantileByNewton } from '../../src/stats/special.ts';
import golden from '../fixtures/golden/special.json' with { type: 'json' };

const within = (actual: number, expected: number, relative: number, what: string) => {
  if (actual === expected) return;
  expect(Math.abs(actual - expected), `${what}: ${actual} vs scipy ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected));
};

describe('special functions against scipy', () => {
  it('erfc on both sides of 2 (series and continued fraction) and for negative x, to 1e-13', () => {
    for (const { x, erfc: expected } of golden.erfc) within(erfc(x), expected, 1e-13, `erfc(${x})`);
  });

  it('the normal CDF into the far tails (to 5e-308), to 2e-13', () => {
    for (const { z, cdf } of golden.normal_cdf) within(normalCdf(z), cdf, 2e-13, `normalCdf(${z})`);
  });

  it("the normal quantile in each region of Wichura's AS 241, down to 1e-300, to 2e-15", () => {
    for (const { p, ppf } of golden.normal_quantile) within(normalQuantile(p), ppf, 2e-15, `normalQuantile(${p})`);
  });

  it('log-gamma below 1/2 (reflection) and up to 1e8, to 1e-14 (absolute below 1)', () => {
    for (const { x, gammaln } of golden.log_gamma) {
      const actual = logGamma(x);
      expect(Math.abs(actual - gammaln), `logGamma(${x}): ${actual} vs ${gammaln}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(gammaln)));
    }
  });

  // Absolute error is what the incomplete beta's front factor exp(... - log B) carries
  // into every interval: at most 1e-15 of |log B| (a few ulps; 1e-14 below 10).
  // Taking log Γ(p) directly once both arguments pass 10 is 9 ulps off at a million.
  it('log-beta with either argument up to a million, against mpmath, to 1e-15 of max(10, |log B|)', () => {
    for (const { a, b, betaln } of golden.log_beta) {
      const actual = logBeta(a, b);
      expect(Math.abs(actual - betaln), `logBeta(${a}, ${b}): ${actual} vs ${betaln}`).toBeLessThanOrEqual(1e-15 * Math.max(10, Math.abs(betaln)));
    }
  });

  it('the regularised incomplete beta function either side of its symmetry switch, and at a million, to 1e-12', () => {
    for (const { x, a, b, betainc } of golden.incomplete_beta) within(incompleteBeta(x, a, b), betainc, 1e-12, `I_${x}(${a}, ${b})`);
    expect([incompleteBeta(0, 2, 3), incompleteBeta(-1, 2, 3), incompleteBeta(1, 2, 3), incompleteBeta(2, 2, 3)]).toEqual([0, 0, 1, 1]);
  });

  // At a million (the Clopper-Pearson bounds of one failure in 10^6) the inverse amplifies the
  // incomplete beta's rounding: 1e-11 there, 1e-12 elsewhere.
  it('the beta quantile with full relative precision near 0, to 1e-12, and to 2e-11 at a million', () => {
    for (const { p, a, b, ppf } of golden.beta_quantile) within(betaQuantile(p, a, b), ppf, Math.max(a, b) >= 1e5 ? 2e-11 : 1e-12, `betaQuantile(${p}, ${a}, ${b})`);
    expect([betaQuantile(0, 2, 3), betaQuantile(-1, 2, 3), betaQuantile(1, 2, 3), betaQuantile(2, 2, 3)]).toEqual([0, 0, 1, 1]);
  });

  it('the beta quantile is the smallest double x with I_x(a, b) >= p, also when p is a value I takes exactly', () => {
    const below = (x: number) => {
      const bits = new BigInt64Array(Float64Array.of(x).buffer);
      bits[0]! -= 1n;
      return new Float64Array(bits.buffer)[0]!;
    };
    for (const [x0, a, b] of [[0.25, 1, 1], [0.3, 2, 5], [1e-6, 0.5, 0.5], [0.9, 3, 2], [0.01, 200, 800], [0.2, 200, 800]] as const) {
      const p = incompleteBeta(x0, a, b);
      const q = betaQuantile(p, a, b);
      expect(incompleteBeta(q, a, b), `I at betaQuantile(I_${x0}(${a}, ${b}))`).toBeGreaterThanOrEqual(p);
      expect(incompleteBeta(below(q), a, b), `I one double below`).toBeLessThan(p);
    }
  });

  it("Student's t CDF near 0 at large df and far into the tails, to 1e-9", () => {
    for (const { t, df, cdf } of golden.t_cdf) within(studentTCdf(t, df), cdf, 1e-9, `studentTCdf(${t}, ${df})`);
    expect([studentTCdf(Infinity, 3), studentTCdf(-Infinity, 3)]).toEqual([1, 0]);
    for (const df of [0, -1, Number.NaN]) expect(() => studentTCdf(1, df)).toThrow(`Student t needs df > 0, got ${df}`);
  });

  // Above 10^4 degrees of freedom the Cornish-Fisher expansion is the answer; its terms hold 1e-12 there.
  it("Student's t quantile for tiny tails on either side, every df from 1/2 to 10^5, to 1e-12", () => {
    for (const { p, df, ppf } of golden.t_quantile) within(studentTQuantile(p, df), ppf, 1e-12, `studentTQuantile(${p}, ${df})`);
    expect([studentTQuantile(0, 3), studentTQuantile(1, 3), studentTQuantile(0.5, 3)]).toEqual([-Infinity, Infinity, 0]);
    for (const p of [1.5, -0.2, Number.NaN]) expect(() => studentTQuantile(p, 3)).toThrow(`t quantile needs 0 <= p <= 1, got ${p}`);
    for (const df of [0, -1, Number.NaN]) expect(() => studentTQuantile(0.5, df)).toThrow(`Student t needs df > 0, got ${df}`);
  });

  // studentTQuantile takes Newton's method and falls back to the beta inversion, so
  // either alone could break unseen behind the other: each is held to the goldens.
  const tails = golden.t_quantile.filter(({ p, df }) => p !== 0.5 && df > 2 && df <= 1e4).map(({ p, df, ppf }) => ({ tail: Math.min(p, 1 - p), df, t: Math.abs(ppf), what: `p ${p}, df ${df}` }));

  it("Newton's method on the t tail converges from the normal quantile to 1e-14, for df from 3 to 10^4", () => {
    expect(tails.length).toBeGreaterThan(40);
    for (const { tail, df, t, what } of tails) {
      const newton = tailQuantileByNewton(tail, df, -normalQuantile(tail));
      expect(newton, what).toBeDefined();
      within(newton!, t, 1e-14, `Newton, ${what}`);
    }
  });

  it("Newton's method gives up (undefined) when a step leaves the upper half-line, rather than return where it stopped", () => {
    // From far out a step overshoots past 0 (at df 3 the tail's density falls as t^-4).
    expect(tailQuantileByNewton(0.3, 3, 1e6)).toBeUndefined();
    expect(tailQuantileByNewton(0.3, 3, Number.NaN)).toBeUndefined();
  });

  it('the beta inversion of the t tail, to 1e-12 for df from 3 to 10^4', () => {
    for (const { tail, df, t, what } of tails) within(tailQuantileByBeta(tail, df), t, 1e-12, `by beta, ${what}`);
  });

  it('the normal quantile of 0 and 1 is infinite, and of anything outside [0, 1] refused', () => {
    expect([normalQuantile(0), normalQuantile(1)]).toEqual([-Infinity, Infinity]);
    for (const p of [1.5, -0.2, Number.NaN]) expect(() => normalQuantile(p)).toThrow(`normal quantile needs 0 <= p <= 1, got ${p}`);
  });
});
