import type { CanaryMetricResult, GateVerdict } from '../../attest/predicates.ts';
import { hodgesLehmannShift, mannWhitneyU } from '../../stats/hypothesis-tests.ts';
import { newcombeInterval } from '../../stats/intervals.ts';
import { figure } from '../gate.ts';
import { ARMS, type Arm, type CanaryPlan } from './plan.ts';
import { alignSeries, metricSeries, trafficRequests, type AlignedSeries } from './samples.ts';
import type { RangeAnswer } from './source.ts';
import type { CanaryMetricConfig } from './definition.ts';

/** How one look judges: the level of the intervals a pass is read from, and the one-sided error rate a failure may spend now. */
export interface LookLevels {
  /** Two-sided level of each metric's interval (the gate's level): a pass needs its better-side bound inside the tolerance. */
  level: number;
  /** One-sided error rate this look spends on failures: a fail needs the worse-side bound at this rate beyond the tolerance. */
  failAlpha: number;
}

/** The canary judged at one look: every metric series, the traffic, the score and the verdict. */
export interface CanaryJudgement {
  verdict: GateVerdict;
  reasons: string[];
  score: number;
  trafficShare: number | null;
  requests: Record<Arm, number>;
  metrics: CanaryMetricResult[];
  /** The first critical metric that failed, which triggers rollback. */
  criticalFailure?: CanaryMetricResult;
  /** Each metric series' aligned samples, for the report. */
  series: AlignedSeries[];
  /** Every warning the source gave with its answers, once each. */
  warnings: string[];
}

/**
 * Judges a canary from the answers to its plan's queries (in plan order).
 * Each metric series is compared on its aligned per-step samples: a
 * Mann-Whitney U test, and the Hodges-Lehmann shift (canary minus baseline)
 * with its distribution-free interval, against the change policy data
 * allows. A pass needs the interval's better-side bound inside the
 * tolerance; a fail needs the worse-side bound, at the error rate this look
 * spends, beyond it; anything between, or too little data, is insufficient
 * evidence. A failing critical metric fails the canary; otherwise the score
 * (per cent of comparisons that pass) must reach min_score, and a canary with
 * any series short of data is insufficient, never a pass.
 */
export function judgeCanary(plan: CanaryPlan, answers: readonly RangeAnswer[], levels: LookLevels): CanaryJudgement {
  if (answers.length !== plan.queries.length) throw new RangeError(`${answers.length} answers for ${plan.queries.length} queries`);
  const series: AlignedSeries[] = [];
  const metrics: CanaryMetricResult[] = [];
  for (const [name, config] of Object.entries(plan.thresholds.metrics)) {
    for (const one of metricSeries(plan, answers, name)) {
      const aligned = alignSeries(plan, one, config);
      series.push(aligned);
      metrics.push(judgeSeries(plan, aligned, config, levels));
    }
  }
  const requests = trafficRequests(plan, answers);
  const total = requests.canary + requests.baseline;
  const trafficShare = total > 0 ? requests.canary / total : null;
  const passed = metrics.filter((m) => m.verdict === 'pass').length;
  const failed = metrics.filter((m) => m.verdict === 'fail').length;
  const score = (100 * passed) / metrics.length;
  const criticalFailure = metrics.find((m) => m.critical && m.verdict === 'fail');
  const reasons = metrics.filter((m) => m.verdict !== 'pass').map((m) => `${describe(m)}: ${m.reason}`);
  const { min: shareMin, max: shareMax } = plan.thresholds.traffic_share;
  const shareProblem =
    trafficShare === null ? 'neither arm served any traffic' : trafficShare < shareMin || trafficShare > shareMax ? `the canary served ${figure(trafficShare)} of the traffic; policy allows ${shareMin} to ${shareMax}` : undefined;
  if (shareProblem !== undefined) reasons.push(shareProblem);
  let verdict: GateVerdict;
  if (criticalFailure !== undefined) verdict = 'fail';
  else if (metrics.some((m) => m.verdict === 'insufficient-evidence' && m.ci === null) || shareProblem !== undefined) verdict = 'insufficient-evidence';
  else if (score >= plan.thresholds.min_score) verdict = 'pass';
  // The failures alone keep the score below the minimum, whatever the inconclusive ones would show.
  else if ((100 * (metrics.length - failed)) / metrics.length < plan.thresholds.min_score) verdict = 'fail';
  else verdict = 'insufficient-evidence';
  if (verdict !== 'pass' && criticalFailure === undefined && score < plan.thresholds.min_score) reasons.push(`score ${figure(score)} is below ${plan.thresholds.min_score}`);
  const warnings = [...new Set(answers.flatMap((answer) => answer.warnings))];
  return { verdict, reasons, score, trafficShare, requests, metrics, series, warnings, ...(criticalFailure === undefined ? {} : { criticalFailure }) };
}

/** A metric series as reasons name it: metric{labels}. */
export function describe(metric: Pick<CanaryMetricResult, 'name' | 'series'>): string {
  const labels = Object.entries(metric.series).map(([name, value]) => `${name}="${value}"`);
  return labels.length === 0 ? metric.name : `${metric.name}{${labels.join(',')}}`;
}

function judgeSeries(plan: CanaryPlan, series: AlignedSeries, config: CanaryMetricConfig, levels: LookLevels): CanaryMetricResult {
  const scale = config.scale;
  const queries = Object.fromEntries(ARMS.map((arm) => [arm, plan.queries.filter((q) => q.metric === series.metric && q.arm === arm).map((q) => q.range.query)])) as Record<Arm, string[]>;
  const x = series.values.baseline;
  const y = series.values.canary;
  const base = {
    name: series.metric,
    series: series.labels,
    kind: config.kind,
    ...(config.kind === 'histogram_quantile' ? { quantile: config.quantile } : {}),
    critical: config.critical,
    direction: config.direction,
    scale,
    tolerance: config.tolerance,
    ...(config.floor === undefined ? {} : { floor: config.floor }),
    queries,
    n: { canary: y.length, baseline: x.length },
    events: series.events,
    excluded: { unaligned: series.unaligned, noTraffic: series.noTraffic, notANumber: series.notANumber },
    coverage: series.coverage,
  };
  const short = shortOfData(plan, series, config);
  if (x.length === 0 || y.length === 0) {
    return { ...base, allowed: null, candidate: null, baseline: null, delta: null, ci: null, failBound: null, pValue: null, verdict: 'insufficient-evidence', reason: short ?? 'no samples' };
  }
  const candidate = median(y);
  const baseline = median(x);
  const allowed = scale === 'absolute' ? config.tolerance : Math.max(config.tolerance * Math.abs(baseline), config.floor ?? 0);
  const { u, pValue } = mannWhitneyU(y, x);
  // A ratio is also judged on its pooled rate (events over the window, Newcombe's interval): per-step
  // ratios of sparse events are mostly 0, where the Hodges-Lehmann interval collapses onto 0 and
  // would pass a canary whose rate rose. Both must be within tolerance to pass; either beyond it
  // fails, each then tested at half the look's error rate.
  const pooled = series.hits === null || series.events === null ? undefined : pooledRates(series.hits, series.events);
  const failAlpha = pooled === undefined ? levels.failAlpha : levels.failAlpha / 2;
  const { shift, ci: shiftCI } = hodgesLehmannShift(x, y, levels.level);
  const failIntervals = [hodgesLehmannShift(x, y, 1 - 2 * failAlpha).ci];
  let ci = shiftCI;
  if (pooled !== undefined) {
    const pooledCI = newcombeInterval(pooled.canary.hits, pooled.canary.events, pooled.baseline.hits, pooled.baseline.events, levels.level);
    ci = { low: Math.min(ci.low, pooledCI.low), high: Math.max(ci.high, pooledCI.high), level: levels.level };
    failIntervals.push(newcombeInterval(pooled.canary.hits, pooled.canary.events, pooled.baseline.hits, pooled.baseline.events, 1 - 2 * failAlpha));
  }
  // Worse is an increase for lower-is-better metrics, a decrease otherwise.
  const worse = config.direction === 'lower' ? 1 : -1;
  const failBound = worse === 1 ? Math.max(...failIntervals.map((i) => i.low)) : Math.min(...failIntervals.map((i) => i.high));
  const betterBound = worse === 1 ? ci.high : ci.low;
  const pooledFigures =
    pooled === undefined ? {} : { pooled: { canary: pooled.canary.hits / pooled.canary.events, baseline: pooled.baseline.hits / pooled.baseline.events, delta: pooled.canary.hits / pooled.canary.events - pooled.baseline.hits / pooled.baseline.events } };
  const figures = { ...base, allowed, candidate, baseline, delta: shift, ci: { low: ci.low, high: ci.high, level: levels.level }, failBound: finite(failBound), pValue, u, ...pooledFigures };
  const change = `changed by ${figure(shift)} (CI ${figure(ci.low)} to ${figure(ci.high)}, p ${figure(pValue)}); policy allows ${figure(allowed)} (${config.direction} is better)`;
  if (short !== undefined) return { ...figures, ci: null, verdict: 'insufficient-evidence', reason: short };
  if (worse * failBound > allowed) return { ...figures, verdict: 'fail', reason: change };
  if (worse * betterBound < allowed) return { ...figures, verdict: 'pass' };
  return { ...figures, verdict: 'insufficient-evidence', reason: `${change}: the interval straddles the tolerance` };
}

// Why a series has too little data to be judged, or undefined.
function shortOfData(plan: CanaryPlan, series: AlignedSeries, config: CanaryMetricConfig): string | undefined {
  const { min_samples: minSamples, min_coverage: minCoverage } = plan.thresholds;
  if (series.missing.length > 0) return `no series in the ${series.missing.join(' and ')} arm${series.missing.length > 1 ? 's' : ''}`;
  for (const arm of ARMS) {
    if (series.values[arm].length === 0 && series.noTraffic[arm] > 0) return `no ${arm} traffic`;
  }
  if (series.coverage < minCoverage) return `only ${figure(100 * series.coverage)}% of the window's steps are aligned in both arms (policy needs ${100 * minCoverage}%)`;
  for (const arm of ARMS) {
    if (series.values[arm].length < minSamples) return `${series.values[arm].length} ${arm} samples (policy needs ${minSamples})`;
    if (config.min_events !== undefined && series.events !== null && series.events[arm] < config.min_events) return `${figure(series.events[arm])} ${arm} events (policy needs ${config.min_events})`;
  }
  return undefined;
}

// Each arm's pooled numerator and events as whole counts, when both arms served events. Counts from
// increase() are extrapolated to the step's edges and need not be whole: they are rounded.
function pooledRates(hits: Record<Arm, number>, events: Record<Arm, number>): Record<Arm, { hits: number; events: number }> | undefined {
  const whole = (arm: Arm) => {
    const n = Math.round(events[arm]);
    return { hits: Math.min(n, Math.max(0, Math.round(hits[arm]))), events: n };
  };
  const [canary, baseline] = [whole('canary'), whole('baseline')];
  return canary.events > 0 && baseline.events > 0 ? { canary, baseline } : undefined;
}

function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
