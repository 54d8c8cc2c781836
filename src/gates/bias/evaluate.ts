import type { BiasPredicate, GateVerdict } from '../../attest/predicates.ts';
import { compareCodeUnits } from '../../canonical/compare.ts';
import { clopperPearsonInterval } from '../../stats/intervals.ts';
import { bonferroniLevel, halfNormalSumBound, pairsOf, ratioBounds, sidakLevel, spreadBounds, type ExtremeBounds, type RateCounts } from '../../stats/simultaneous.ts';
import { figure, judgedBase } from '../gate.ts';
import type { CounterfactualPair, Prediction } from './predictions.ts';
import { COUNTERFACTUAL_METRIC, type FairnessMetricName } from './definition.ts';

/** What the policy's data.gatehouse.thresholds.bias holds: each metric's limit, the smallest group judged, and the operating point. */
export interface BiasThresholds {
  metrics: Record<string, number>;
  min_group_size?: number;
  /** Scores at or above this are a positive decision, for rows the predictions file gives no decision (default 0.5). */
  score_threshold?: number;
}

/** The smallest group judged when policy data sets none. */
export const DEFAULT_MIN_GROUP_SIZE = 100;
/** The operating point when policy data sets none. */
export const DEFAULT_SCORE_THRESHOLD = 0.5;

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
  /** Predictions joined with the pinned dataset's rows (labels and groups from the dataset). */
  predictions: Prediction[];
  /** Ids of dataset rows no prediction answered. */
  unanswered?: string[];
  counterfactuals?: CounterfactualPair[];
  /** The labelled evaluation data (what policy data pins). */
  datasetDigest: string;
  /** The predictions file judged. */
  predictionsDigest?: string;
  /** The counterfactual pairs file judged. */
  counterfactualsDigest?: string;
}

export interface BiasConfig {
  thresholds: BiasThresholds;
  policyDigest: string | null;
  evaluatedAt: string;
  level: number;
}

export interface BiasReport {
  predicate: BiasPredicate;
  /** Figures for the intersectional groups (every group attribute combined) and for each attribute alone. */
  groups: { intersectional: GroupFigures[]; byAttribute: Record<string, GroupFigures[]> };
  /** Dataset rows without a prediction (the first 1,000). */
  unanswered: string[];
}

const BINS = 10;

/** One group's counts: everything every metric needs, gathered in one pass. */
export interface GroupCounts {
  name: string;
  n: number;
  selected: number;
  positives: number;
  truePositives: number;
  falsePositives: number;
  /** Per calibration bin: sum of (score - label), sum of (score - label)^2, sum of score (1 - score); null without scores. */
  calibration: { gaps: Float64Array; squares: Float64Array; nullVariances: Float64Array; brier: number } | null;
}

/** How a fairness metric is judged: its direction, its interval method, and its estimate with simultaneous bounds over the groups. */
export interface FairnessMetric {
  /** A maximum (gaps) or a minimum (ratios) in policy data. */
  limit: 'maximum' | 'minimum';
  method: string;
  /** The estimate and bounds holding together at `level` over `groups`; null when the metric needs what the predictions lack (scores). */
  bounds(groups: readonly GroupCounts[], level: number): ExtremeBounds | null;
}

const selection = (g: GroupCounts): RateCounts => ({ successes: g.selected, n: g.n });
const truePositive = (g: GroupCounts): RateCounts => ({ successes: g.truePositives, n: g.positives });
const falsePositive = (g: GroupCounts): RateCounts => ({ successes: g.falsePositives, n: g.n - g.positives });

/**
 * The fairness metrics, as fairlearn defines them over the groups: max - min
 * of a rate (demographic parity, equal opportunity), the larger of the TPR and
 * FPR gaps (equalized odds), min / max of selection rates (parity ratio), and
 * max - min of the groups' calibration errors. Bounds hold for all groups at
 * once: Bonferroni over every pair of groups (over both rates for equalized
 * odds), Šidák over independent groups for calibration.
 */
export const FAIRNESS_METRICS: Readonly<Record<FairnessMetricName, FairnessMetric>> & Readonly<Record<string, FairnessMetric | undefined>> = {
  demographic_parity_difference: {
    limit: 'maximum',
    method: 'newcombe-pairwise-bonferroni',
    bounds: (groups, level) => spreadBounds(groups.map(selection), bonferroniLevel(level, pairsOf(groups.length))),
  },
  demographic_parity_ratio: {
    limit: 'minimum',
    method: 'koopman-pairwise-bonferroni',
    bounds: (groups, level) => ratioBounds(groups.map(selection), bonferroniLevel(level, pairsOf(groups.length))),
  },
  equal_opportunity_difference: {
    limit: 'maximum',
    method: 'newcombe-pairwise-bonferroni',
    bounds: (groups, level) => spreadBounds(groups.map(truePositive), bonferroniLevel(level, pairsOf(groups.length))),
  },
  equalized_odds_difference: {
    limit: 'maximum',
    method: 'newcombe-pairwise-bonferroni',
    bounds: (groups, level) => {
      const pairLevel = bonferroniLevel(level, 2 * pairsOf(groups.length));
      const tpr = spreadBounds(groups.map(truePositive), pairLevel);
      const fpr = spreadBounds(groups.map(falsePositive), pairLevel);
      return {
        estimate: tpr.estimate === null || fpr.estimate === null ? null : Math.max(tpr.estimate, fpr.estimate),
        low: Math.max(tpr.low, fpr.low),
        high: Math.max(tpr.high, fpr.high),
        undefinedGroups: groups.filter((g) => g.positives === 0 || g.positives === g.n).length,
      };
    },
  },
  calibration_error_difference: {
    limit: 'maximum',
    method: 'ece-l1-bound-sidak',
    bounds: calibrationBounds,
  },
};

const COUNTERFACTUAL = COUNTERFACTUAL_METRIC;

/** Judges an interval against a policy limit: pass when the whole interval is on the fair side, fail when it is wholly beyond. */
function judge(limit: 'maximum' | 'minimum', low: number, high: number, threshold: number): GateVerdict {
  if (limit === 'minimum') return low >= threshold ? 'pass' : high < threshold ? 'fail' : 'insufficient-evidence';
  return high <= threshold ? 'pass' : low > threshold ? 'fail' : 'insufficient-evidence';
}

/**
 * Judges fairness on the intersectional groups of at least the minimum size.
 * Each metric policy data sets passes when its simultaneous interval (at the
 * gate's level, 95%) lies wholly on the fair side of the limit (at or below a
 * maximum, at or above a minimum), fails when it lies wholly beyond, and is
 * insufficient evidence otherwise. The verdict is fail when any metric fails; otherwise it is pass
 * only when every metric passes, every group reaches the minimum size, every
 * dataset row was answered and every metric set could be judged. Groups below
 * the minimum are reported, never judged: they cannot make a fail.
 */
export function evaluateBias(inputs: BiasInputs, config: BiasConfig): BiasReport {
  // Attributes in the order the caller named them (gender & age, as fairlearn names intersections).
  const attributes = Object.keys(inputs.predictions[0]?.groups ?? {});
  const intersectional = countGroups(inputs.predictions, (p) => attributes.map((a) => p.groups[a]).join('&'));
  const byAttribute = Object.fromEntries(attributes.map((a) => [a, countGroups(inputs.predictions, (p) => p.groups[a]!).map(figuresOf)]));
  const minGroupSize = config.thresholds.min_group_size ?? DEFAULT_MIN_GROUP_SIZE;
  const unanswered = inputs.unanswered ?? [];
  const reasons: string[] = [];
  if (unanswered.length > 0) reasons.push(`${unanswered.length} of ${inputs.predictions.length + unanswered.length} dataset rows have no prediction (first: ${unanswered.slice(0, 5).join(', ')})`);
  const judged = intersectional.filter((g) => g.n >= minGroupSize);
  const small = intersectional.filter((g) => g.n < minGroupSize);
  if (small.length > 0) reasons.push(`groups below the minimum size ${minGroupSize} are not judged: ${small.map((g) => `${g.name} (n = ${g.n})`).join(', ')}`);

  const metrics: BiasPredicate['metrics'] = [];
  let unjudged = 0;
  for (const [name, threshold] of Object.entries(config.thresholds.metrics).sort(([a], [b]) => compareCodeUnits(a, b))) {
    if (name === COUNTERFACTUAL) continue;
    const metric = FAIRNESS_METRICS[name];
    const bounds = metric?.bounds(judged, config.level) ?? null;
    if (metric === undefined || bounds === null || bounds.estimate === null) {
      unjudged++;
      reasons.push(`${name} cannot be computed on these predictions${metric === undefined ? ' (unknown metric)' : judged.length < 2 ? ' (fewer than two groups of the minimum size)' : bounds === null ? ' (no scores)' : ' (defined in fewer than two groups)'}`);
      continue;
    }
    const verdict = judge(metric.limit, bounds.low, bounds.high, threshold);
    if (verdict !== 'pass') reasons.push(`${name} is ${figure(bounds.estimate)} (${figure(config.level * 100)}% simultaneous interval ${figure(bounds.low)} to ${figure(bounds.high)}) against a ${metric.limit} of ${threshold}: ${verdict}`);
    if (bounds.undefinedGroups > 0) reasons.push(`${name}: undefined in ${bounds.undefinedGroups} group(s) (no positives or no negatives), which may lie anywhere from 0 to 1`);
    metrics.push({ name, value: bounds.estimate, ci: { low: bounds.low, high: bounds.high, level: config.level }, verdict, method: metric.method, undefinedGroups: bounds.undefinedGroups });
  }

  let counterfactual: BiasPredicate['counterfactual'];
  const maximum = config.thresholds.metrics[COUNTERFACTUAL];
  if (inputs.counterfactuals !== undefined) {
    const flips = inputs.counterfactuals.filter((pair) => pair.outputA !== pair.outputB).length;
    const pairs = inputs.counterfactuals.length;
    counterfactual = { pairs, flips, flipRate: flips / pairs };
    if (maximum !== undefined) {
      const ci = clopperPearsonInterval(flips, pairs, config.level);
      const verdict = judge('maximum', ci.low, ci.high, maximum);
      if (verdict !== 'pass') reasons.push(`counterfactual flip rate ${figure(flips / pairs)} (${flips}/${pairs}; exact ${figure(config.level * 100)}% interval ${figure(ci.low)} to ${figure(ci.high)}) against a maximum of ${maximum}: ${verdict}`);
      metrics.push({ name: COUNTERFACTUAL, value: flips / pairs, ci, verdict, method: 'clopper-pearson', undefinedGroups: 0 });
    }
  } else if (maximum !== undefined) {
    unjudged++;
    reasons.push(`${COUNTERFACTUAL}: the policy sets a maximum but no counterfactual pairs were given`);
  }

  const verdict: GateVerdict = metrics.some((m) => m.verdict === 'fail')
    ? 'fail'
    : unjudged > 0 || small.length > 0 || unanswered.length > 0 || metrics.some((m) => m.verdict !== 'pass')
      ? 'insufficient-evidence'
      : 'pass';
  const predicate: BiasPredicate = {
    ...judgedBase('bias', verdict, reasons, config),
    evidence: [
      { role: 'dataset', digest: inputs.datasetDigest },
      ...(inputs.predictionsDigest === undefined ? [] : [{ role: 'predictions', digest: inputs.predictionsDigest }]),
      ...(inputs.counterfactualsDigest === undefined ? [] : [{ role: 'counterfactuals', digest: inputs.counterfactualsDigest }]),
    ],
    dataset: { digest: inputs.datasetDigest, rows: inputs.predictions.length + unanswered.length },
    answered: inputs.predictions.length,
    scoreThreshold: config.thresholds.score_threshold ?? DEFAULT_SCORE_THRESHOLD,
    metrics,
    groups: intersectional.map((g) => ({ name: g.name, n: g.n })),
    minGroupSize,
    ...(counterfactual === undefined ? {} : { counterfactual }),
  };
  return { predicate, groups: { intersectional: intersectional.map(figuresOf), byAttribute }, unanswered: unanswered.slice(0, 1000) };
}

/** Groups of predictions by key, sorted by name, counted in one pass. */
function countGroups(predictions: readonly Prediction[], keyOf: (p: Prediction) => string): GroupCounts[] {
  const groups = new Map<string, GroupCounts>();
  // Rows of one group usually share their groups object (parseBiasDataset
  // interns them), so each object's key is computed once; the cache stays
  // small when callers build one object per row.
  const byObject = new Map<object, GroupCounts>();
  const hasScores = predictions.every((p) => p.score !== undefined);
  for (const p of predictions) {
    let g = byObject.get(p.groups);
    if (g === undefined) {
      const key = keyOf(p);
      g = groups.get(key) ?? newGroup(key, hasScores);
      groups.set(key, g);
      if (byObject.size < 4096) byObject.set(p.groups, g);
    }
    g.n++;
    g.selected += p.prediction;
    g.positives += p.label;
    g.truePositives += p.prediction & p.label;
    g.falsePositives += p.prediction & (1 - p.label);
    if (g.calibration !== null) {
      const score = p.score!;
      const gap = score - p.label;
      const bin = Math.min(BINS - 1, Math.floor(score * BINS));
      g.calibration.gaps[bin]! += gap;
      g.calibration.squares[bin]! += gap * gap;
      g.calibration.nullVariances[bin]! += score * (1 - score);
      g.calibration.brier += gap * gap;
    }
  }
  return [...groups.values()].sort((a, b) => compareCodeUnits(a.name, b.name));
}

function newGroup(name: string, hasScores: boolean): GroupCounts {
  return {
    name,
    n: 0,
    selected: 0,
    positives: 0,
    truePositives: 0,
    falsePositives: 0,
    calibration: hasScores ? { gaps: new Float64Array(BINS), squares: new Float64Array(BINS), nullVariances: new Float64Array(BINS), brier: 0 } : null,
  };
}

/** A group's expected calibration error: sum over bins of |sum(score - label)| / n. */
function calibrationError(g: GroupCounts): number | null {
  if (g.calibration === null) return null;
  let total = 0;
  for (let bin = 0; bin < BINS; bin++) total += Math.abs(g.calibration.gaps[bin]!);
  return total / g.n;
}

/** Figures of one group, from its counts. */
function figuresOf(g: GroupCounts): GroupFigures {
  const negatives = g.n - g.positives;
  return {
    name: g.name,
    n: g.n,
    selectionRate: g.selected / g.n,
    truePositiveRate: g.positives === 0 ? null : g.truePositives / g.positives,
    falsePositiveRate: negatives === 0 ? null : g.falsePositives / negatives,
    calibrationError: calibrationError(g),
    brier: g.calibration === null ? null : g.calibration.brier / g.n,
  };
}

/**
 * Bounds on the calibration error gap, max - min of the groups' binned ECE.
 * A group's ECE is the L1 norm of its per-bin mean gaps; its sampling error
 * is at most the L1 norm of their errors, bounded (at the group's Šidák share
 * of the level) by halfNormalSumBound with each bin's variance taken as the
 * larger of its observed second moment and the variance a calibrated model
 * would have there. So ECE - c <= true ECE <= ECE + c for every group at once:
 * the small-sample upward bias of ECE can widen the interval, never make a fail.
 */
function calibrationBounds(groups: readonly GroupCounts[], level: number): ExtremeBounds | null {
  if (groups.some((g) => g.calibration === null)) return null;
  const alpha = 1 - sidakLevel(level, groups.length);
  const intervals = groups.map((g) => {
    const estimate = calibrationError(g)!;
    const scales = Array.from({ length: BINS }, (_, bin) => Math.sqrt(Math.max(g.calibration!.squares[bin]!, g.calibration!.nullVariances[bin]!)) / g.n);
    const c = halfNormalSumBound(scales, alpha);
    return { estimate, low: Math.max(0, estimate - c), high: Math.min(1, estimate + c) };
  });
  const estimates = intervals.map((i) => i.estimate);
  return {
    estimate: groups.length < 2 ? null : Math.max(...estimates) - Math.min(...estimates),
    low: Math.max(0, Math.max(...intervals.map((i) => i.low)) - Math.min(...intervals.map((i) => i.high))),
    high: Math.min(1, Math.max(...intervals.map((i) => i.high)) - Math.min(...intervals.map((i) => i.low))),
    undefinedGroups: 0,
  };
}
