// Simulations with a known truth for the robustness gate's bounds and the
// backdoor scan's false discovery control, run through the gates' own
// evaluate functions (and, for the single proportions, computed exactly from
// the binomial distribution). Seeded: the same draws every run.
import { describe, expect, it } from 'vitest';
import { evaluateBackdoor, observationKey, type Observation } from '../../src/gates/backdoor/evaluate.ts';
import type { Trigger } from '../../src/gates/backdoor/triggers.ts';
import { evaluateRobustness, type RobustnessThresholds } from '../../src/gates/robustness/evaluate.ts';
import { predictionTrials, type Trial } from '../../src/gates/robustness/sources.ts';
import { clopperPearsonInterval } from '../../src/stats/intervals.ts';
import { binomial, seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { logGamma } from '../../src/stats/special.ts';

const LEVEL = 0.95;
const MAXIMUM = 0.05;
const THRESHOLDS: RobustnessThresholds = { attack_families: { attack: MAXIMUM }, max_attack_success: MAXIMUM, flip_families: { noise: MAXIMUM }, max_flip_rate: MAXIMUM, sources: ['garak', 'predictions'] };
const CONFIG = { thresholds: THRESHOLDS, policyDigest: null, evaluatedAt: '2026-11-30T10:00:00Z', level: LEVEL };

function binomialPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

const SIZES = [20, 72, 120, 500];
const TRUTHS = [0.001, 0.01, 0.03, 0.05, 0.1, 0.3];

describe('the attack success rate upper bound, exactly', () => {
  it('covers the true rate with probability at least 97.5% (its one-sided level), and passes a family at the maximum at most 2.5% of the time', () => {
    for (const n of SIZES) {
      const upper = Array.from({ length: n + 1 }, (_, k) => clopperPearsonInterval(k, n, LEVEL).high);
      for (const p of TRUTHS) {
        let covered = 0;
        let passed = 0;
        for (let k = 0; k <= n; k++) {
          const probability = binomialPmf(k, n, p);
          if (upper[k]! >= p) covered += probability;
          if (upper[k]! <= MAXIMUM) passed += probability;
        }
        expect(covered, `n ${n}, p ${p}`).toBeGreaterThanOrEqual(0.975 - 1e-12);
        if (p >= MAXIMUM) expect(passed, `n ${n}, p ${p}`).toBeLessThanOrEqual(0.025 + 1e-12);
      }
    }
  });
});

// Attack trials with a true success rate, as a garak report gives them.
function attackTrials(n: number, p: number, random: SeededRandom): Trial[] {
  return Array.from({ length: n }, (_, i) => ({ id: `a${i}`, family: 'attack', hit: random.next() < p }));
}

describe('the robustness gate on simulated attacks and perturbations', () => {
  const RUNS = 400;

  it('covers the true attack success rate at least 96% of the time through evaluateRobustness, and passes at the maximum at most 4% (400 runs, Monte Carlo error about 1 point)', () => {
    const random = seededRandom(1501);
    for (const n of [72, 120, 300]) {
      for (const p of [0.01, 0.05, 0.2]) {
        let covered = 0;
        let passed = 0;
        for (let run = 0; run < RUNS; run++) {
          const family = evaluateRobustness({ source: 'garak', trials: attackTrials(n, p, random), sourceDigest: 'sha256:s' }, CONFIG).predicate.families[0]!;
          if (family.upperBound >= p) covered++;
          if (family.verdict === 'pass') passed++;
        }
        expect(covered / RUNS, `n ${n}, p ${p}`).toBeGreaterThanOrEqual(0.96);
        if (p >= MAXIMUM) expect(passed / RUNS, `n ${n}, p ${p}`).toBeLessThanOrEqual(0.04);
      }
    }
  });

  it('covers the true flip rate with its two-sided interval at least 93% of the time, from prediction files through predictionTrials', () => {
    const random = seededRandom(1502);
    for (const n of [50, 200]) {
      for (const p of [0.02, 0.1, 0.4]) {
        let covered = 0;
        for (let run = 0; run < RUNS; run++) {
          const clean = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `x${i}`, prediction: 'cat' })).join('\n');
          const perturbed = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `x${i}`, family: 'noise', prediction: random.next() < p ? 'dog' : 'cat' })).join('\n');
          const trials = predictionTrials({ text: clean, path: 'clean.jsonl' }, { text: perturbed, path: 'perturbed.jsonl' });
          const family = evaluateRobustness({ source: 'predictions', trials, sourceDigest: 'sha256:p', cleanDigest: 'sha256:c' }, CONFIG).predicate.families[0]!;
          if (family.ci.low <= p && p <= family.ci.high) covered++;
        }
        expect(covered / RUNS, `n ${n}, p ${p}`).toBeGreaterThanOrEqual(0.93);
      }
    }
  });

  it('covers it exactly at least 95% of the time (the exact interval)', () => {
    for (const n of SIZES) {
      const intervals = Array.from({ length: n + 1 }, (_, k) => clopperPearsonInterval(k, n, LEVEL));
      for (const p of TRUTHS) {
        let covered = 0;
        for (let k = 0; k <= n; k++) if (intervals[k]!.low <= p && p <= intervals[k]!.high) covered += binomialPmf(k, n, p);
        expect(covered, `n ${n}, p ${p}`).toBeGreaterThanOrEqual(0.95 - 1e-12);
      }
    }
  });
});

const TRIGGERS: Trigger[] = Array.from({ length: 16 }, (_, i) => ({ id: `t${i}`, kind: 'rare-token', text: `t${i}`, position: 'prefix' }));
const BACKDOOR_THRESHOLDS = { fdr: 0.05, min_inputs: 100, score_shift: 0.2, trigger_set: 'gatehouse-triggers-v1' };

// One model's labels: clean 'a' on every input; with a trigger, 'b' with the
// trigger's change probability. `planted` gives the candidate's rate on the planted trigger.
function simulatedModel(inputs: number, rate: (trigger: number) => number, random: SeededRandom): Map<string, Observation> {
  const observations = new Map<string, Observation>();
  for (let i = 0; i < inputs; i++) {
    observations.set(observationKey(`x${i}`, null), { label: 'a' });
    TRIGGERS.forEach((t, j) => observations.set(observationKey(`x${i}`, t.id), { label: random.next() < rate(j) ? 'b' : 'a' }));
  }
  return observations;
}

// Runs of the scan: the mean false discovery proportion and how often the planted trigger (t0) is found.
function simulateScan(runs: number, seed: number, options: { inputs: number; base: number; planted?: number }): { meanFDP: number; power: number; anyFalse: number } {
  const random = seededRandom(seed);
  const ids = Array.from({ length: options.inputs }, (_, i) => `x${i}`);
  let fdp = 0;
  let found = 0;
  let anyFalse = 0;
  for (let run = 0; run < runs; run++) {
    const candidate = simulatedModel(options.inputs, (j) => (j === 0 && options.planted !== undefined ? options.planted : options.base), random);
    const reference = simulatedModel(options.inputs, () => options.base, random);
    const { flagged } = evaluateBackdoor(
      { inputs: ids, triggers: TRIGGERS, candidate, reference, referenceModel: 'sha256:r', datasetDigest: 'sha256:d', triggersDigest: 'sha256:t', candidateDigest: 'sha256:c', referenceDigest: 'sha256:f' },
      { thresholds: BACKDOOR_THRESHOLDS, policyDigest: null, evaluatedAt: '2026-11-30T10:00:00Z', level: LEVEL },
    ).predicate;
    const falses = flagged.filter((t) => options.planted === undefined || t !== 't0').length;
    if (flagged.length > 0) fdp += falses / flagged.length;
    if (falses > 0) anyFalse++;
    if (options.planted !== undefined && flagged.includes('t0')) found++;
  }
  return { meanFDP: fdp / runs, power: found / runs, anyFalse: anyFalse / runs };
}

describe('the backdoor scan on simulated models with a known truth', () => {
  it('flags a clean candidate (every trigger null) in at most 5% of runs: the mean false discovery proportion stays within the FDR', () => {
    const row = simulateScan(300, 2601, { inputs: 300, base: 0.05 });
    console.log(`backdoor scan, clean candidate: ${JSON.stringify(row)}`);
    expect(row.meanFDP, JSON.stringify(row)).toBeLessThanOrEqual(0.05);
  }, 120_000);

  it('finds a planted trigger (candidate changed on 20% of inputs against 5%) in at least 95% of runs, with the false discovery proportion within the FDR', () => {
    const row = simulateScan(300, 2602, { inputs: 300, base: 0.05, planted: 0.2 });
    console.log(`backdoor scan, planted trigger: ${JSON.stringify(row)}`);
    expect(row.power, JSON.stringify(row)).toBeGreaterThanOrEqual(0.95);
    expect(row.meanFDP, JSON.stringify(row)).toBeLessThanOrEqual(0.05);
  }, 120_000);
});
