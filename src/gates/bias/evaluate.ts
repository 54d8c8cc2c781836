import type { BiasPredicate, GateVerdict, Interval } from '../../attest/predicates.ts';
import { quantileOfSorted } from '../../stats/bootstrap.ts';
import { wilsonInterval } from '../../stats/intervals.ts';
import { binomial, seededRandom, type SeededRandom } from '../../stats/random.ts';
import { normalQuantile } from '../../stats/special.ts';
import { figure, judgedBase } from '../gate.ts';
import type { CounterfactualPair, Prediction } from './predictions.ts';

/** What the policy's data.gatehouse.thresholds.bias holds: the largest gap each metric may show, and the smallest group judged. */
export interface BiasThresholds {
  metrics: Record<string, number>;
  min_group_size?: number;
}

/** Per-group figures. */
export interface GroupFigures {
  name: string;
  n: number;
  selectionRate: number;
  truePositiveRate: number | null;
  falsePositiveRate: number | null;
  /** Expected calibration error (10 equal-width bins) and Brier score; null without scores. */
  calibrationError: number | null;
  brier: number | null;
}

export interface BiasInputs {
  predictions: Prediction[];
  counterfactuals?: CounterfactualPair[];
  /** The labelled evaluation data. */
  datasetDigest: string;
  /** The predictions file, when judged from one. */
  predictionsDigest?: string;
}

export interface BiasConfig {
  thresholds: BiasThresholds;
  policyDigest: string | null;
  evaluatedAt: string;
  seed: number;
  resamples: number;
  level: number;
}

export interface BiasReport {
  predicate: BiasPredicate;
  /** Figures for the intersectional groups (every group attribute combined) and for each attribute alone. */
  groups: { intersectional: GroupFigures[]; byAttribute: Record<string, GroupFigures[]> };
}

const DEFAULT_MIN_GROUP = 100;
const BINS = 10;

/** Fairness metrics over per-group figures, as fairlearn defines them (max - min across groups). */
export const FAIRNESS_METRICS: Record<string, (groups: GroupFigures[]) => number | null> = {
  demographic_parity_difference: (g) => spread(g.map((x) => x.selectionRate)),
  demographic_parity_ratio: (g) => {
    const rates = g.map((x) => x.selectionRate);
    return Math.max(...rates) === 0 ? null : Math.min(...rates) / Math.max(...rates);
  },
  equal_opportunity_difference: (g) => spreadOrNull(g.map((x) => x.truePositiveRate)),
  equalized_odds_difference: (g) => {
    const tpr = spreadOrNull(g.map((x) => x.truePositiveRate));
    const fpr = spreadOrNull(g.map((x) => x.falsePositiveRate));
    return tpr === null || fpr === null ? null : Math.max(tpr, fpr);
  },
  calibration_error_difference: (g) => spreadOrNull(g.map((x) => x.calibrationError)),
};

/** Metrics where higher is fairer: their policy threshold is a minimum, not a maximum. */
const AT_LEAST = new Set(['demographic_parity_ratio']);

/** Judges an interval against a policy threshold: pass only when the whole interval is on the fair side. */
function judge(name: string, ci: Interval, threshold: number): GateVerdict {
  if (AT_LEAST.has(name)) return ci.low >= threshold ? 'pass' : ci.high < threshold ? 'fail' : 'insufficient-evidence';
  return ci.high <= threshold ? 'pass' : ci.low > threshold ? 'fail' : 'insufficient-evidence';
}

const COUNTERFACTUAL = 'counterfactual_flip_rate';

/**
 * Judges fairness on the intersectional groups: every metric with a policy
 * threshold passes when its stratified-bootstrap interval lies wholly on the
 * fair side of the threshold (at or below a maximum; at or above a minimum for
 * a ratio), fails when it lies wholly on the other side, and is insufficient
 * evidence otherwise. A metric the policy sets that cannot be judged (no
 * counterfactual pairs, no positives) is never a pass. A group smaller than the minimum makes the gate insufficient
 * evidence unless a metric already fails: too little data is never a pass.
 */
export function evaluateBias(inputs: BiasInputs, config: BiasConfig): BiasReport {
  // Attributes in the order the caller named them (gender & age, as fairlearn names intersections).
  const attributes = Object.keys(inputs.predictions[0]?.groups ?? {});
  const partition = (keyOf: (p: Prediction) => string) => {
    const groups = new Map<string, Prediction[]>();
    for (const p of inputs.predictions) {
      const key = keyOf(p);
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [p]);
      else list.push(p);
    }
    return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  const intersectional = partition((p) => attributes.map((a) => p.groups[a]).join('&'));
  const figures = intersectional.map(([name, members]) => figuresOf(name, members));
  const byAttribute = Object.fromEntries(attributes.map((a) => [a, partition((p) => p.groups[a]!).map(([name, members]) => figuresOf(name, members))]));
  const minGroupSize = config.thresholds.min_group_size ?? DEFAULT_MIN_GROUP;
  const reasons: string[] = [];
  const small = figures.filter((g) => g.n < minGroupSize);
  if (small.length > 0) reasons.push(`groups below the minimum size ${minGroupSize}: ${small.map((g) => `${g.name} (n = ${g.n})`).join(', ')}`);

  const distributions = stratifiedBootstrap(intersectional.map(([, members]) => members), Object.keys(config.thresholds.metrics), config);
  const metrics: BiasPredicate['metrics'] = [];
  for (const [name, threshold] of Object.entries(config.thresholds.metrics).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === COUNTERFACTUAL) continue;
    const compute = FAIRNESS_METRICS[name];
    const value = compute?.(figures) ?? null;
    const distribution = distributions.get(name);
    if (compute === undefined || value === null || distribution === undefined || distribution.length === 0) {
      reasons.push(`${name} cannot be computed on these predictions`);
      continue;
    }
    const ci = percentileInterval(distribution, config.level);
    const verdict = judge(name, ci, threshold);
    if (verdict !== 'pass') reasons.push(`${name} is ${figure(value)} (CI ${figure(ci.low)} to ${figure(ci.high)}) against a ${AT_LEAST.has(name) ? 'minimum' : 'maximum'} of ${threshold}: ${verdict}`);
    metrics.push({ name, value, ci, verdict });
  }

  let counterfactual: BiasPredicate['counterfactual'];
  if (inputs.counterfactuals !== undefined) {
    const flips = inputs.counterfactuals.filter((pair) => pair.outputA !== pair.outputB).length;
    const pairs = inputs.counterfactuals.length;
    counterfactual = { pairs, flipRate: flips / pairs };
    const maximum = config.thresholds.metrics[COUNTERFACTUAL];
    if (maximum !== undefined) {
      const ci = wilsonInterval(flips, pairs, config.level);
      const verdict = judge(COUNTERFACTUAL, ci, maximum);
      if (verdict !== 'pass') reasons.push(`counterfactual flip rate ${figure(flips / pairs)} (CI ${figure(ci.low)} to ${figure(ci.high)}) against a maximum of ${maximum}: ${verdict}`);
      metrics.push({ name: COUNTERFACTUAL, value: flips / pairs, ci, verdict });
    }
  } else if (config.thresholds.metrics[COUNTERFACTUAL] !== undefined) {
    reasons.push(`${COUNTERFACTUAL}: the policy sets a maximum but no counterfactual pairs were given`);
  }

  // Every metric the policy sets must have been judged: one that could not be is never a pass.
  const verdict: GateVerdict = metrics.some((m) => m.verdict === 'fail')
    ? 'fail'
    : small.length > 0 || metrics.some((m) => m.verdict !== 'pass') || metrics.length < Object.keys(config.thresholds.metrics).length
      ? 'insufficient-evidence'
      : 'pass';
  const predicate: BiasPredicate = {
    ...judgedBase('bias', verdict, reasons, config),
    evidence: [{ role: 'dataset', digest: inputs.datasetDigest }, ...(inputs.predictionsDigest === undefined ? [] : [{ role: 'predictions', digest: inputs.predictionsDigest }])],
    dataset: { digest: inputs.datasetDigest },
    metrics,
    groups: figures.map((g) => ({ name: g.name, n: g.n })),
    minGroupSize,
    ...(counterfactual === undefined ? {} : { counterfactual }),
  };
  return { predicate, groups: { intersectional: figures, byAttribute } };
}

/** Figures of one group of predictions, in one pass. */
export function figuresOf(name: string, members: Prediction[]): GroupFigures {
  const n = members.length;
  const hasScores = members.every((p) => p.score !== undefined);
  let selected = 0;
  let positives = 0;
  let truePositives = 0;
  let falsePositives = 0;
  let brier = 0;
  const binScore = new Float64Array(BINS);
  const binLabel = new Float64Array(BINS);
  for (const p of members) {
    selected += p.prediction;
    positives += p.label;
    truePositives += p.prediction & p.label;
    falsePositives += p.prediction & (1 - p.label);
    if (hasScores) {
      const score = p.score!;
      brier += (score - p.label) ** 2;
      const bin = Math.min(BINS - 1, Math.floor(score * BINS));
      binScore[bin]! += score;
      binLabel[bin]! += p.label;
    }
  }
  let calibrationError: number | null = null;
  if (hasScores) {
    calibrationError = 0;
    for (let bin = 0; bin < BINS; bin++) calibrationError += Math.abs(binScore[bin]! - binLabel[bin]!) / n;
  }
  const negatives = n - positives;
  return {
    name,
    n,
    selectionRate: selected / n,
    truePositiveRate: positives === 0 ? null : truePositives / positives,
    falsePositiveRate: negatives === 0 ? null : falsePositives / negatives,
    calibrationError,
    brier: hasScores ? brier / n : null,
  };
}

// A group summarised as cells (calibration bin x label x prediction): how many
// predictions fall in each and the sum and sum of squares of their scores.
interface GroupCells {
  n: number;
  counts: Float64Array;
  scoreSums: Float64Array;
  scoreSquares: Float64Array;
  hasScores: boolean;
}

const CELLS = BINS * 4;

function toCells(members: Prediction[]): GroupCells {
  const hasScores = members.every((p) => p.score !== undefined);
  const cells: GroupCells = { n: members.length, counts: new Float64Array(CELLS), scoreSums: new Float64Array(CELLS), scoreSquares: new Float64Array(CELLS), hasScores };
  for (const p of members) {
    const bin = hasScores ? Math.min(BINS - 1, Math.floor(p.score! * BINS)) : 0;
    const cell = bin * 4 + p.label * 2 + p.prediction;
    cells.counts[cell]!++;
    if (hasScores) {
      cells.scoreSums[cell]! += p.score!;
      cells.scoreSquares[cell]! += p.score! ** 2;
    }
  }
  return cells;
}

/**
 * Stratified bootstrap (group sizes fixed), drawn per group as a multinomial
 * over its cells: exact for selection rates, TPR and FPR, since they depend on
 * the cell counts alone. Calibration also needs each bin's resampled score
 * sum, drawn from its normal limit given the bin's resampled count (scores in
 * one bin lie within a tenth of each other). O(cells) per group per resample.
 */
function stratifiedBootstrap(groups: Prediction[][], metricNames: string[], config: BiasConfig): Map<string, Float64Array> {
  const random = seededRandom(config.seed);
  const prepared = groups.map(toCells);
  const names = metricNames.filter((name) => name in FAIRNESS_METRICS);
  const out = new Map(names.map((name) => [name, [] as number[]]));
  const drawn = new Float64Array(CELLS);
  for (let b = 0; b < config.resamples; b++) {
    const figures = prepared.map((cells, g) => resampledFigures(cells, String(g), drawn, random));
    for (const name of names) {
      const value = FAIRNESS_METRICS[name]!(figures);
      if (value !== null) out.get(name)!.push(value);
    }
  }
  return new Map([...out].map(([name, values]) => [name, Float64Array.from(values)]));
}

function resampledFigures(cells: GroupCells, name: string, drawn: Float64Array, random: SeededRandom): GroupFigures {
  let left = cells.n;
  let share = 1;
  for (let c = 0; c < CELLS; c++) {
    const p = cells.counts[c]! / cells.n;
    drawn[c] = p === 0 || left === 0 ? 0 : share - p <= 1e-12 ? left : binomial(left, Math.min(1, p / share), random);
    left -= drawn[c]!;
    share -= p;
  }
  let selected = 0;
  let positives = 0;
  let truePositives = 0;
  let falsePositives = 0;
  let calibration = 0;
  for (let bin = 0; bin < BINS; bin++) {
    let count = 0;
    let labels = 0;
    let scores = 0;
    for (let k = 0; k < 4; k++) {
      const cell = bin * 4 + k;
      const draws = drawn[cell]!;
      if (draws === 0) continue;
      const label = k >> 1;
      const prediction = k & 1;
      count += draws;
      labels += label * draws;
      selected += prediction * draws;
      positives += label * draws;
      truePositives += label * prediction * draws;
      falsePositives += (1 - label) * prediction * draws;
      if (cells.hasScores) {
        const m = cells.counts[cell]!;
        const mean = cells.scoreSums[cell]! / m;
        const variance = Math.max(0, cells.scoreSquares[cell]! / m - mean * mean);
        scores += draws * mean + Math.sqrt(draws * variance) * normalQuantile((random.next() * 4294967295 + 0.5) / 4294967296);
      }
    }
    if (count > 0) calibration += Math.abs(scores - labels);
  }
  const negatives = cells.n - positives;
  return {
    name,
    n: cells.n,
    selectionRate: selected / cells.n,
    truePositiveRate: positives === 0 ? null : truePositives / positives,
    falsePositiveRate: negatives === 0 ? null : falsePositives / negatives,
    calibrationError: cells.hasScores ? calibration / cells.n : null,
    brier: null,
  };
}

function percentileInterval(distribution: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(distribution).sort();
  return { low: quantileOfSorted(sorted, (1 - level) / 2), high: quantileOfSorted(sorted, 1 - (1 - level) / 2), level };
}

function spread(values: number[]): number {
  return Math.max(...values) - Math.min(...values);
}

function spreadOrNull(values: Array<number | null>): number | null {
  return values.some((v) => v === null) ? null : spread(values as number[]);
}
