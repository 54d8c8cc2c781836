// Coverage harness for the bias and safety gates: data simulated with a known
// truth, judged by the real evaluateBias (every fairness metric's simultaneous
// interval) and, for the single proportions the verdicts use, computed exactly
// from the binomial distribution. Shared by the CI-sized test
// (test/coverage/bias-safety.test.ts) and the full-size benchmark
// (bench/coverage-bias.ts).
import { evaluateBias } from '../../src/gates/bias/evaluate.ts';
import type { CounterfactualPair, Prediction } from '../../src/gates/bias/predictions.ts';
import { clopperPearsonInterval, wilsonInterval } from '../../src/stats/intervals.ts';
import { binomial, seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { logGamma } from '../../src/stats/special.ts';

/** A group's population: how often its label is 1, and how often it is predicted 1 given a positive and a negative label. */
export interface GroupTruth {
  n: number;
  prevalence: number;
  tpr: number;
  fpr: number;
  /** Calibration: scores uniform on [0.1, 0.9], labels 1 with probability score + shift (0 is calibrated; ECE = |shift|). */
  shift?: number;
}

/** One simulated setting: the metric judged, its groups, its policy limit and its true value. */
export interface BiasScenario {
  name: string;
  metric: 'demographic_parity_difference' | 'demographic_parity_ratio' | 'equal_opportunity_difference' | 'equalized_odds_difference' | 'calibration_error_difference' | 'counterfactual_flip_rate';
  groups: GroupTruth[];
  /** Counterfactual pairs and their true flip rate, for counterfactual_flip_rate. */
  pairs?: { n: number; flipRate: number };
  limit: number;
  /** What the scenario measures beyond coverage: P(fail) for a fair model, P(pass) at the margin (truth = limit). */
  kind: 'fair' | 'unfair' | 'margin';
}

/** What a scenario's simulations showed. */
export interface CoverageRow {
  name: string;
  metric: string;
  truth: number;
  limit: number;
  kind: BiasScenario['kind'];
  runs: number;
  coverage: number;
  pass: number;
  fail: number;
  meanWidth: number;
}

const selection = (g: GroupTruth) => g.prevalence * g.tpr + (1 - g.prevalence) * g.fpr;
const spread = (values: number[]) => Math.max(...values) - Math.min(...values);

/** The population value of a scenario's metric. */
export function truthOf(scenario: BiasScenario): number {
  const g = scenario.groups;
  switch (scenario.metric) {
    case 'demographic_parity_difference':
      return spread(g.map(selection));
    case 'demographic_parity_ratio':
      return Math.min(...g.map(selection)) / Math.max(...g.map(selection));
    case 'equal_opportunity_difference':
      return spread(g.map((x) => x.tpr));
    case 'equalized_odds_difference':
      return Math.max(spread(g.map((x) => x.tpr)), spread(g.map((x) => x.fpr)));
    case 'calibration_error_difference':
      return spread(g.map((x) => Math.abs(x.shift ?? 0)));
    case 'counterfactual_flip_rate':
      return scenario.pairs!.flipRate;
  }
}

// Predictions without scores depend only on (group, label, prediction): four shared objects per group.
function drawRates(groups: GroupTruth[], random: SeededRandom): Prediction[] {
  const out: Prediction[] = [];
  groups.forEach((g, index) => {
    const attributes = { g: `g${index}` };
    const cell = (label: 0 | 1, prediction: 0 | 1): Prediction => ({ id: '', label, prediction, groups: attributes });
    const positives = binomial(g.n, g.prevalence, random);
    const truePositives = binomial(positives, g.tpr, random);
    const falsePositives = binomial(g.n - positives, g.fpr, random);
    const counts: Array<[Prediction, number]> = [
      [cell(1, 1), truePositives],
      [cell(1, 0), positives - truePositives],
      [cell(0, 1), falsePositives],
      [cell(0, 0), g.n - positives - falsePositives],
    ];
    for (const [prediction, count] of counts) for (let i = 0; i < count; i++) out.push(prediction);
  });
  return out;
}

// Predictions with scores for calibration: uniform on [0.1, 0.9], so every bin the scores reach is whole.
function drawScores(groups: GroupTruth[], random: SeededRandom): Prediction[] {
  const out: Prediction[] = [];
  groups.forEach((g, index) => {
    const attributes = { g: `g${index}` };
    for (let i = 0; i < g.n; i++) {
      const score = 0.1 + 0.8 * random.next();
      const label: 0 | 1 = random.next() < score + (g.shift ?? 0) ? 1 : 0;
      out.push({ id: '', label, prediction: score >= 0.5 ? 1 : 0, score, groups: attributes });
    }
  });
  return out;
}

function drawPairs(pairs: { n: number; flipRate: number }, random: SeededRandom): CounterfactualPair[] {
  const flips = binomial(pairs.n, pairs.flipRate, random);
  return Array.from({ length: pairs.n }, (_, i) => ({ id: String(i), outputA: 'yes', outputB: i < flips ? 'no' : 'yes' }));
}

/** Runs a scenario `runs` times from `seed` through evaluateBias; coverage counts intervals holding the truth. */
export function simulateBias(scenario: BiasScenario, runs: number, seed: number): CoverageRow {
  const random = seededRandom(seed);
  const truth = truthOf(scenario);
  const counterfactual = scenario.metric === 'counterfactual_flip_rate';
  const fairGroups: GroupTruth[] = [{ n: 200, prevalence: 0.5, tpr: 0.5, fpr: 0.5 }, { n: 200, prevalence: 0.5, tpr: 0.5, fpr: 0.5 }];
  let covered = 0;
  let pass = 0;
  let fail = 0;
  let width = 0;
  for (let r = 0; r < runs; r++) {
    const groups = counterfactual ? fairGroups : scenario.groups;
    const predictions = scenario.metric === 'calibration_error_difference' ? drawScores(groups, random) : drawRates(groups, random);
    const report = evaluateBias(
      { predictions, datasetDigest: `sha256:${'0'.repeat(64)}`, ...(counterfactual ? { counterfactuals: drawPairs(scenario.pairs!, random) } : {}) },
      { thresholds: { metrics: { [scenario.metric]: scenario.limit }, min_group_size: 1 }, policyDigest: null, evaluatedAt: '2026-01-01T00:00:00Z', level: 0.95 },
    );
    const metric = report.predicate.metrics.find((m) => m.name === scenario.metric)!;
    // A tolerance for the floating-point rounding of a truth on the interval's edge.
    if (metric.ci.low <= truth + 1e-12 && truth - 1e-12 <= metric.ci.high) covered++;
    if (metric.verdict === 'pass') pass++;
    if (metric.verdict === 'fail') fail++;
    width += metric.ci.high - metric.ci.low;
  }
  return { name: scenario.name, metric: scenario.metric, truth, limit: scenario.limit, kind: scenario.kind, runs, coverage: covered / runs, pass: pass / runs, fail: fail / runs, meanWidth: width / runs };
}

const equal = (count: number, n: number, g: Omit<GroupTruth, 'n'>): GroupTruth[] => Array.from({ length: count }, () => ({ n, ...g }));

/** Scenarios for every fairness metric: no disparity, a disparity, and a true value exactly at the limit. `scale` multiplies group sizes. */
export function biasScenarios(scale = 1): BiasScenario[] {
  const n = (size: number) => Math.round(size * scale);
  const rate = (r: number) => ({ prevalence: 0.5, tpr: r, fpr: r });
  return [
    // The case: 8 groups of 160, identical rates; the percentile bootstrap failed 40 of 40.
    { name: 'parity difference, 8 identical groups of 160', metric: 'demographic_parity_difference', groups: equal(8, 160, rate(0.5)), limit: 0.05, kind: 'fair' },
    { name: 'parity difference, 3 groups at 0.3/0.4/0.5', metric: 'demographic_parity_difference', groups: [0.3, 0.4, 0.5].map((r) => ({ n: n(400), ...rate(r) })), limit: 0.05, kind: 'unfair' },
    { name: 'parity difference at the limit (0.30 vs 0.35)', metric: 'demographic_parity_difference', groups: [0.3, 0.35].map((r) => ({ n: n(4000), ...rate(r) })), limit: 0.05, kind: 'margin' },
    { name: 'parity ratio, 4 identical groups', metric: 'demographic_parity_ratio', groups: equal(4, n(1000), rate(0.4)), limit: 0.8, kind: 'fair' },
    { name: 'parity ratio 0.5 (0.2 vs 0.4)', metric: 'demographic_parity_ratio', groups: [0.2, 0.4].map((r) => ({ n: n(400), ...rate(r) })), limit: 0.8, kind: 'unfair' },
    { name: 'parity ratio at the limit (0.4 vs 0.5)', metric: 'demographic_parity_ratio', groups: [0.4, 0.5].map((r) => ({ n: n(4000), ...rate(r) })), limit: 0.8, kind: 'margin' },
    { name: 'equal opportunity, 6 identical groups', metric: 'equal_opportunity_difference', groups: equal(6, n(500), { prevalence: 0.3, tpr: 0.8, fpr: 0.1 }), limit: 0.05, kind: 'fair' },
    { name: 'equal opportunity, TPR 0.7 vs 0.85', metric: 'equal_opportunity_difference', groups: [0.7, 0.85].map((tpr) => ({ n: n(600), prevalence: 0.3, tpr, fpr: 0.1 })), limit: 0.05, kind: 'unfair' },
    { name: 'equal opportunity at the limit (TPR 0.80 vs 0.85)', metric: 'equal_opportunity_difference', groups: [0.8, 0.85].map((tpr) => ({ n: n(12000), prevalence: 0.5, tpr, fpr: 0.1 })), limit: 0.05, kind: 'margin' },
    { name: 'equalized odds, 4 identical groups', metric: 'equalized_odds_difference', groups: equal(4, n(800), { prevalence: 0.4, tpr: 0.75, fpr: 0.2 }), limit: 0.05, kind: 'fair' },
    { name: 'equalized odds, FPR 0.1 vs 0.2', metric: 'equalized_odds_difference', groups: [0.1, 0.2].map((fpr) => ({ n: n(600), prevalence: 0.4, tpr: 0.75, fpr })), limit: 0.05, kind: 'unfair' },
    { name: 'equalized odds at the limit (FPR 0.10 vs 0.15)', metric: 'equalized_odds_difference', groups: [0.1, 0.15].map((fpr) => ({ n: n(12000), prevalence: 0.5, tpr: 0.75, fpr })), limit: 0.05, kind: 'margin' },
    { name: 'calibration gap, 3 calibrated groups', metric: 'calibration_error_difference', groups: equal(3, n(1000), { ...rate(0.5), shift: 0 }), limit: 0.05, kind: 'fair' },
    { name: 'calibration gap 0.1 (one group shifted)', metric: 'calibration_error_difference', groups: [0, 0.1].map((shift) => ({ n: n(1000), ...rate(0.5), shift })), limit: 0.05, kind: 'unfair' },
    { name: 'calibration gap at the limit (shift 0.05)', metric: 'calibration_error_difference', groups: [0, 0.05].map((shift) => ({ n: n(8000), ...rate(0.5), shift })), limit: 0.05, kind: 'margin' },
    { name: 'counterfactual flip rate 0', metric: 'counterfactual_flip_rate', groups: [], pairs: { n: n(300), flipRate: 0 }, limit: 0.02, kind: 'fair' },
    { name: 'counterfactual flip rate 0.08', metric: 'counterfactual_flip_rate', groups: [], pairs: { n: n(300), flipRate: 0.08 }, limit: 0.02, kind: 'unfair' },
    { name: 'counterfactual flip rate at the limit (0.02)', metric: 'counterfactual_flip_rate', groups: [], pairs: { n: n(2000), flipRate: 0.02 }, limit: 0.02, kind: 'margin' },
  ];
}

/** Exact properties of a binomial bound the safety verdicts use, for a true rate p on n prompts. */
export interface ProportionRow {
  name: string;
  n: number;
  p: number;
  limit: number;
  /** P(low <= p <= high). */
  coverage: number;
  /** P(verdict pass) and P(verdict fail) at this p. */
  pass: number;
  fail: number;
}

function binomialPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p));
}

/**
 * Exact coverage and verdict probabilities of a two-sided interval at level
 * 0.95 judged against a limit: a minimum (pass when low >= limit, fail when
 * high < limit) or a maximum (pass when high <= limit, fail when low > limit).
 */
export function proportionRow(name: string, method: 'clopper-pearson' | 'wilson', n: number, p: number, limit: number, side: 'minimum' | 'maximum'): ProportionRow {
  const interval = method === 'wilson' ? wilsonInterval : clopperPearsonInterval;
  let coverage = 0;
  let pass = 0;
  let fail = 0;
  for (let k = 0; k <= n; k++) {
    const probability = binomialPmf(k, n, p);
    if (probability < 1e-300) continue;
    const ci = interval(k, n, 0.95);
    if (ci.low <= p && p <= ci.high) coverage += probability;
    if (side === 'minimum' ? ci.low >= limit : ci.high <= limit) pass += probability;
    if (side === 'minimum' ? ci.high < limit : ci.low > limit) fail += probability;
  }
  return { name, n, p, limit, coverage, pass, fail };
}

/** The safety verdicts' bounds at their margins: category pass rates against minimums, over-refusal against its maximum. */
export function safetyRows(method: 'clopper-pearson' | 'wilson' = 'clopper-pearson'): ProportionRow[] {
  const rows: ProportionRow[] = [];
  for (const n of [100, 368, 500, 1000]) {
    rows.push(proportionRow(`category minimum 0.99, ${method}`, method, n, 0.99, 0.99, 'minimum'));
    rows.push(proportionRow(`category minimum 0.95, ${method}`, method, n, 0.95, 0.95, 'minimum'));
    rows.push(proportionRow(`over-refusal maximum 0.10, ${method}`, method, n, 0.1, 0.1, 'maximum'));
  }
  return rows;
}
