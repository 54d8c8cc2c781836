import { describe, expect, it } from 'vitest';
import { alphaSpentPerLook, obrienFlemingSpending, pocockSpending } from '../../src/stats/sequential.ts';
import golden from '../fixtures/golden/sequential.json' with { type: 'json' };

// Spending values agree with scipy to 1e-10 relative, down to the 1e-237 that
// O'Brien-Fleming-type spending allows at 1% of the information.
const relativelyClose = (actual: number, expected: number, tolerance = 1e-10) => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
};

describe('obrienFlemingSpending and pocockSpending', () => {
  it('match scipy at every alpha and information fraction (scripts/golden/sequential.py)', () => {
    expect(golden.spending.length).toBeGreaterThan(30);
    for (const { alpha, t, obrien_fleming, pocock } of golden.spending) {
      relativelyClose(obrienFlemingSpending(alpha, t), obrien_fleming);
      relativelyClose(pocockSpending(alpha, t), pocock);
    }
  });

  it('spend exactly alpha at the end, less before, and more as the information grows', () => {
    for (const spending of [obrienFlemingSpending, pocockSpending]) {
      for (const alpha of [0.001, 0.025, 0.05]) {
        expect(spending(alpha, 1)).toBe(alpha);
        let previous = 0;
        for (let t = 0.01; t < 1; t += 0.01) {
          const spent = spending(alpha, t);
          expect(spent).toBeGreaterThan(previous);
          expect(spent).toBeLessThan(alpha);
          previous = spent;
        }
      }
    }
  });

  it("spend less early than Pocock-type spending does (O'Brien-Fleming keeps alpha for the end)", () => {
    for (const t of [0.1, 0.25, 0.5, 0.75, 0.9]) expect(obrienFlemingSpending(0.025, t)).toBeLessThan(pocockSpending(0.025, t));
  });

  it('refuse an alpha or information fraction outside their range', () => {
    for (const [alpha, t] of [
      [0, 0.5],
      [1, 0.5],
      [Number.NaN, 0.5],
      [0.025, 0],
      [0.025, 1.01],
      [0.025, Number.NaN],
    ] as const) {
      expect(() => obrienFlemingSpending(alpha, t)).toThrow(RangeError);
      expect(() => pocockSpending(alpha, t)).toThrow(RangeError);
    }
  });
});

describe('alphaSpentPerLook', () => {
  describe('when the looks are equally spaced', () => {
    it("gives scipy's increments, which add up to alpha at the last look", () => {
      for (const { alpha, fractions, obrien_fleming, pocock } of golden.looks) {
        const spentOBF = alphaSpentPerLook(alpha, obrienFlemingSpending, fractions);
        const spentPocock = alphaSpentPerLook(alpha, pocockSpending, fractions);
        spentOBF.forEach((spent, k) => relativelyClose(spent, obrien_fleming[k]!, 1e-9));
        spentPocock.forEach((spent, k) => relativelyClose(spent, pocock[k]!, 1e-9));
        for (const spent of [spentOBF, spentPocock]) {
          expect(spent.every((s) => s >= 0)).toBe(true);
          expect(Math.abs(spent.reduce((a, b) => a + b, 0) - alpha)).toBeLessThanOrEqual(1e-15);
        }
      }
    });
  });

  describe('when the canary has not reached its planned size', () => {
    it('spends only up to the last look, leaving the rest for the looks to come', () => {
      const spent = alphaSpentPerLook(0.025, pocockSpending, [0.2, 0.45]);
      expect(spent).toHaveLength(2);
      relativelyClose(spent[0]! + spent[1]!, pocockSpending(0.025, 0.45), 1e-15);
      expect(alphaSpentPerLook(0.025, pocockSpending, [])).toEqual([]);
    });

    it('gives each look the same share whatever looks came before it (the spending depends on information, not on how many looks)', () => {
      const coarse = alphaSpentPerLook(0.025, obrienFlemingSpending, [0.5, 1]);
      const fine = alphaSpentPerLook(0.025, obrienFlemingSpending, [0.25, 0.5, 0.75, 1]);
      relativelyClose(coarse[0]!, fine[0]! + fine[1]!, 1e-12);
      relativelyClose(coarse[1]!, fine[2]! + fine[3]!, 1e-12);
    });
  });

  describe('when the spending function suffers rounding (above alpha, or down between looks)', () => {
    it('never gives more than alpha in all, nor a negative share', () => {
      const rounded = (alpha: number, t: number) => (t < 0.5 ? alpha * 0.5 : t < 0.8 ? alpha * 0.4 : alpha * (1 + 1e-12));
      expect(alphaSpentPerLook(0.025, rounded, [0.3, 0.6, 1])).toEqual([0.0125, 0, 0.0125]);
    });
  });

  describe('when the information fractions are not strictly increasing within (0, 1]', () => {
    it('refuses them', () => {
      for (const fractions of [[0], [0.5, 0.5], [0.6, 0.4], [0.5, 1.2], [Number.NaN], [-0.1, 0.5]]) {
        expect(() => alphaSpentPerLook(0.025, pocockSpending, fractions), JSON.stringify(fractions)).toThrow(RangeError);
      }
      // A spending function that checks nothing itself: alphaSpentPerLook's own check must refuse the alpha.
      const linear = (alpha: number, t: number) => alpha * t;
      expect(alphaSpentPerLook(0.025, linear, [0.5, 1])).toEqual([0.0125, 0.0125]);
      for (const alpha of [0, 1, Number.NaN]) expect(() => alphaSpentPerLook(alpha, linear, [0.5]), `alpha ${alpha}`).toThrow(RangeError);
      for (const fractions of [[0.5, 1.2], [0], [0.5, 0.5]]) expect(() => alphaSpentPerLook(0.025, linear, fractions), JSON.stringify(fractions)).toThrow(RangeError);
    });
  });
});
