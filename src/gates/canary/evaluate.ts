import type { CanaryPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { toRFC3339 } from '../../time.ts';
import { judgedBase, type JudgedConfig } from '../gate.ts';
import { describe, judgeCanary, type CanaryJudgement, type LookLevels } from './judge.ts';
import { armMatcher, type CanaryPlan } from './plan.ts';
import { samplesDocument } from './samples.ts';
import type { RangeAnswer, SourceDescription } from './source.ts';

/** How latency quantiles are read from histograms, as the attestation states it. */
export const QUANTILE_METHOD = 'per step, from the bucket counts over the step: linear interpolation within the bucket holding the rank (as Prometheus histogram_quantile)';

/** One look at the canary: when, how far through its duration, and the one-sided error rate it spends on failures. */
export interface CanaryLook {
  at: Date;
  fraction: number;
  alpha: number;
}

/** Everything one canary evaluation records besides the answers: what was judged, against what, and how the looks spent their error rate. */
export interface CanaryEvaluation {
  plan: CanaryPlan;
  source: SourceDescription;
  deployed: ArtifactDigest;
  /** Every look so far; the last is this one. */
  looks: CanaryLook[];
  /** How the looks' error rates were chosen, as recorded. */
  sequential: string;
  level: number;
  config: Omit<JudgedConfig, 'thresholds'>;
}

/** The full canary report beside the attestation: the judgement and every aligned sample it was made from. */
export interface CanaryReport {
  predicate: CanaryPredicate;
  samplesDigest: string;
  series: Array<{ metric: string; labels: Record<string, string>; canary: number[]; baseline: number[] }>;
}

/**
 * Judges the answers to a canary plan at its latest look and builds the
 * predicate: the window and step, the exact PromQL per arm, n and events per
 * arm, the samples' digest, the traffic share, each metric's test and result,
 * the looks with the error rate each spent, and the verdict.
 */
export function evaluateCanary(evaluation: CanaryEvaluation, answers: readonly RangeAnswer[]): { judgement: CanaryJudgement; report: CanaryReport } {
  const { plan } = evaluation;
  const look = evaluation.looks.at(-1)!;
  const levels: LookLevels = { level: evaluation.level, failAlpha: look.alpha };
  const judgement = judgeCanary(plan, answers, levels);
  const samplesDigest = `sha256:${sha256Hex(samplesDocument(plan, answers))}`;
  const source: CanaryPredicate['source'] = evaluation.source.kind === 'prometheus' ? { kind: 'prometheus', url: evaluation.source.url } : { kind: 'export', digest: evaluation.source.digest };
  const trafficQueries = (arm: 'canary' | 'baseline') => plan.queries.filter((q) => q.role === 'traffic' && q.arm === arm).map((q) => q.range.query);
  const predicate: CanaryPredicate = {
    ...judgedBase('canary', judgement.verdict, judgement.reasons, { ...evaluation.config, thresholds: plan.thresholds }),
    evidence: [{ role: 'samples', digest: samplesDigest }, ...(evaluation.source.kind === 'export' ? [{ role: 'metrics-export', digest: evaluation.source.digest }] : [])],
    baseline: { digest: evaluation.deployed },
    window: { start: toRFC3339(new Date(plan.start * 1000)), end: toRFC3339(new Date(plan.end * 1000)) },
    step: plan.step,
    source,
    arms: { canary: armMatcher(plan.thresholds, 'canary'), baseline: armMatcher(plan.thresholds, 'baseline') },
    trafficShare: judgement.trafficShare,
    traffic: { queries: { canary: trafficQueries('canary'), baseline: trafficQueries('baseline') }, requests: judgement.requests },
    method: { test: 'mann-whitney-u', shift: 'hodges-lehmann', quantiles: QUANTILE_METHOD, sequential: evaluation.sequential },
    looks: evaluation.looks.map((l) => ({ at: toRFC3339(l.at), fraction: l.fraction, alpha: l.alpha })),
    score: judgement.score,
    ...(judgement.warnings.length === 0 ? {} : { warnings: judgement.warnings }),
    metrics: judgement.metrics,
  };
  const series = judgement.series.map((s) => ({ metric: describe({ name: s.metric, series: s.labels }), labels: s.labels, canary: s.values.canary, baseline: s.values.baseline }));
  return { judgement, report: { predicate, samplesDigest, series } };
}
