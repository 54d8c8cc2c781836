import { describe, expect, it } from 'vitest';
import { biasScenarios, safetyRows, simulateBias } from './bias-safety-scenarios.ts';

// CI-sized: 600 simulated runs per scenario at half the group sizes of the
// full benchmark (bench/coverage-bias.ts), 150 for calibration, whose bound is
// conservative and slower to simulate. Tolerances allow for Monte Carlo error
// (a standard error of 0.9 points at 600 runs): a 95% interval must cover the
// truth in at least 93% of runs; a model exactly at the limit may pass in at
// most 5%; a fair model may fail in at most 5%; a clearly unfair one never passes.
const runs = (metric: string) => (metric === 'calibration_error_difference' ? 150 : 600);

describe('bias gate intervals, simulated with a known truth', () => {
  biasScenarios(0.5).forEach((scenario, index) => {
    it(`${scenario.name}: covers the truth, and ${scenario.kind === 'margin' ? 'rarely passes at the limit' : scenario.kind === 'fair' ? 'rarely fails a fair model' : 'fails or stays unsure of an unfair one'}`, () => {
      const row = simulateBias(scenario, runs(scenario.metric), 1000 + index);
      expect(row.coverage, JSON.stringify(row)).toBeGreaterThanOrEqual(0.93);
      if (scenario.kind === 'fair') expect(row.fail, JSON.stringify(row)).toBeLessThanOrEqual(0.05);
      if (scenario.kind === 'margin') expect(row.pass, JSON.stringify(row)).toBeLessThanOrEqual(0.05);
      if (scenario.kind === 'unfair') expect(row.pass, JSON.stringify(row)).toBe(0);
    });
  });
});

describe('safety gate bounds, exactly', () => {
  it('cover the true rate at 95% and pass or fail at the limit at most 2.5% of the time', () => {
    for (const row of safetyRows()) {
      expect(row.coverage, JSON.stringify(row)).toBeGreaterThanOrEqual(0.95);
      expect(row.pass, JSON.stringify(row)).toBeLessThanOrEqual(0.025);
      expect(row.fail, JSON.stringify(row)).toBeLessThanOrEqual(0.025);
    }
  });
});
