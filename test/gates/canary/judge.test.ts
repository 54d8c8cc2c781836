import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../../src/demo/canary-traffic.ts';
import { askAll } from '../../../src/gates/canary/index.ts';
import { judgeCanary } from '../../../src/gates/canary/judge.ts';
import { canaryPlan } from '../../../src/gates/canary/plan.ts';
import { histogramQuantile } from '../../../src/gates/canary/samples.ts';
import { hodgesLehmannShift } from '../../../src/stats/hypothesis-tests.ts';
import { newcombeInterval } from '../../../src/stats/intervals.ts';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import { ROOT } from '../../helpers.ts';
import { InputError } from '../../../src/error.ts';
import { classifyError } from '../../../src/error-classification.ts';

const thresholds = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;
const quiet: ArmTruth = { requestsPerSecond: 20, errorRate: 0, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.002 };

async function judge(canary: ArmTruth, baseline: ArmTruth, seed: number, policy: CanaryThresholds = thresholds) {
  const start = 1_800_000_000;
  const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed, arms: { canary, baseline } });
  const plan = canaryPlan(policy, start, start + 1800);
  return judgeCanary(plan, await askAll(simulatedSource(traffic, plan), plan), { level: 0.95, failAlpha: 0.025 });
}

describe('judgeCanary', () => {
  describe("how the metrics' verdicts make the canary's", () => {
    // The baseline serves three times the canary's traffic (a share of about 0.25).
    const baseline: ArmTruth = { ...quiet, requestsPerSecond: 60 };
    const slowTail: ArmTruth = { ...quiet, latency: { ...quiet.latency, tailShare: 0.05, tailFactor: 6 } };
    // Positive feedback down by 3 points against a tolerance of 5%: an interval that straddles it at this seed.
    const slightlyWorseFeedback: ArmTruth = { ...quiet, positiveRate: 0.77 };
    const verdicts = (judgement: Awaited<ReturnType<typeof judge>>) => Object.fromEntries(judgement.metrics.map((m) => [m.name, m.verdict]));

    it('passes a healthy canary, with a score of 100 and no reason', async () => {
      const judgement = await judge(quiet, baseline, 1);
      expect([judgement.verdict, judgement.score, judgement.reasons]).toEqual(['pass', 100, []]);
      expect(judgement.trafficShare).toBeCloseTo(0.25, 1);
    });

    it('fails on a failing critical metric, which it names for rollback, with no score reason', async () => {
      const judgement = await judge({ ...quiet, errorRate: 0.05 }, { ...baseline, errorRate: 0.01 }, 1);
      expect(verdicts(judgement)).toEqual({ error_rate: 'fail', latency_p99: 'pass', positive_feedback_rate: 'pass', safety_flag_rate: 'pass' });
      expect([judgement.verdict, judgement.criticalFailure?.name, judgement.reasons.length]).toEqual(['fail', 'error_rate', 1]);
      expect(judgement.reasons[0]).toMatch(/^error_rate: changed by /);
    });

    it('fails when the failures alone keep the score below min_score, saying so', async () => {
      const judgement = await judge(slowTail, baseline, 1);
      expect(verdicts(judgement)).toEqual({ error_rate: 'pass', latency_p99: 'fail', positive_feedback_rate: 'pass', safety_flag_rate: 'pass' });
      expect([judgement.verdict, judgement.score, judgement.criticalFailure]).toEqual(['fail', 75, undefined]);
      expect(judgement.reasons.at(-1)).toBe('score 75 is below 80');
    });

    it('is insufficient evidence when only an inconclusive metric keeps the score below min_score', async () => {
      const judgement = await judge(slightlyWorseFeedback, baseline, 1);
      expect(verdicts(judgement)).toEqual({ error_rate: 'pass', latency_p99: 'pass', positive_feedback_rate: 'insufficient-evidence', safety_flag_rate: 'pass' });
      expect([judgement.verdict, judgement.score]).toEqual(['insufficient-evidence', 75]);
      expect(judgement.reasons).toEqual([expect.stringMatching(/^positive_feedback_rate: .*: the interval straddles the tolerance$/), 'score 75 is below 80']);
    });

    it('passes at exactly min_score, and fails or is inconclusive by whether the failures alone reach it', async () => {
      expect((await judge(slightlyWorseFeedback, baseline, 1, { ...thresholds, min_score: 75 })).verdict).toBe('pass');
      // One failure and one inconclusive metric of four: a score of 50, 75 without the inconclusive one.
      const both: ArmTruth = { ...slowTail, positiveRate: 0.77 };
      const atFailuresAlone = await judge(both, baseline, 1, { ...thresholds, min_score: 75 });
      expect(verdicts(atFailuresAlone)).toEqual({ error_rate: 'pass', latency_p99: 'fail', positive_feedback_rate: 'insufficient-evidence', safety_flag_rate: 'pass' });
      expect([atFailuresAlone.verdict, atFailuresAlone.score]).toEqual(['insufficient-evidence', 50]);
      expect((await judge(both, baseline, 1, { ...thresholds, min_score: 76 })).verdict).toBe('fail');
      // A non-critical failure does not block a canary whose score reaches the minimum.
      expect((await judge(both, baseline, 1, { ...thresholds, min_score: 50 })).verdict).toBe('pass');
    });

    it('is insufficient evidence when the canary served a share of traffic outside the policy, though every metric passed', async () => {
      const judgement = await judge({ ...quiet, requestsPerSecond: 80 }, quiet, 1);
      expect(judgement.metrics.every((m) => m.verdict === 'pass')).toBe(true);
      expect(judgement.verdict).toBe('insufficient-evidence');
      expect(judgement.reasons).toEqual([`the canary served ${judgement.trafficShare!.toPrecision(4)} of the traffic; policy allows 0.01 to 0.5`]);
      // The share's bounds are inclusive.
      const share = judgement.trafficShare!;
      expect((await judge({ ...quiet, requestsPerSecond: 80 }, quiet, 1, { ...thresholds, traffic_share: { min: 0.01, max: share } })).verdict).toBe('pass');
      expect((await judge({ ...quiet, requestsPerSecond: 80 }, quiet, 1, { ...thresholds, traffic_share: { min: share, max: 0.9 } })).verdict).toBe('pass');
      expect((await judge(quiet, baseline, 1, { ...thresholds, traffic_share: { min: 0.3, max: 0.5 } })).reasons).toEqual([expect.stringMatching(/^the canary served 0\.2\d+ of the traffic; policy allows 0\.3 to 0\.5$/)]);
      // A failing critical metric fails the canary all the same.
      expect((await judge({ ...quiet, requestsPerSecond: 80, errorRate: 0.05 }, { ...quiet, errorRate: 0.01 }, 1)).verdict).toBe('fail');
    });
  });

  describe('when errors are sparse, so most per-step error ratios are 0', () => {
    it('does not pass a canary whose error rate rose beyond the tolerance, though the Hodges-Lehmann interval collapses onto 0', async () => {
      // 1 request a second at 0.6% errors: about 70% of the canary's steps have no error at all.
      const judgement = await judge({ ...quiet, requestsPerSecond: 1, errorRate: 0.006 }, quiet, 3);
      const errors = judgement.metrics.find((m) => m.name === 'error_rate')!;
      expect(errors.delta).toBe(0);
      expect(errors.pooled!.delta).toBeGreaterThan(errors.allowed!);
      expect(errors.verdict).not.toBe('pass');
      expect(errors.ci!.high).toBeGreaterThan(errors.allowed!);
    });
  });

  it("reads a ratio's failure from the worse-side bounds of both its intervals, each at half the look's error rate", async () => {
    const judgement = await judge({ ...quiet, errorRate: 0.05, positiveRate: 0.6 }, { ...quiet, requestsPerSecond: 60, errorRate: 0.01 }, 1);
    for (const [name, worse] of [['error_rate', 'low'], ['positive_feedback_rate', 'high']] as const) {
      const index = judgement.metrics.findIndex((m) => m.name === name);
      const { values, hits, events } = judgement.series[index]!;
      const whole = (arm: 'canary' | 'baseline') => [Math.min(Math.round(events![arm]), Math.round(hits![arm])), Math.round(events![arm])] as const;
      // failAlpha 0.025 split between the two: each interval two-sided at 1 - 2 × 0.0125.
      const shift = hodgesLehmannShift(values.baseline, values.canary, 0.975).ci;
      const pooled = newcombeInterval(...whole('canary'), ...whole('baseline'), 0.975);
      const bound = worse === 'low' ? Math.max(shift.low, pooled.low) : Math.min(shift.high, pooled.high);
      expect([name, judgement.metrics[index]!.verdict, judgement.metrics[index]!.failBound]).toEqual([name, 'fail', bound]);
    }
  });

  it('keeps the warnings the source gave, once each', async () => {
    const start = 1_800_000_000;
    const plan = canaryPlan(thresholds, start, start + 1800);
    const simulated = simulatedSource(simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1, arms: { canary: quiet, baseline: quiet } }), plan);
    const warning = 'info: PromQL info: metric might not be a counter';
    const source = { ...simulated, queryRange: async (query: Parameters<typeof simulated.queryRange>[0]) => ({ ...(await simulated.queryRange(query)), warnings: [warning] }) };
    expect(judgeCanary(plan, await askAll(source, plan), { level: 0.95, failAlpha: 0.025 }).warnings).toEqual([warning]);
  });

  it('refuses, as policy data to fix (exit 2), a histogram query whose answer has no le label', async () => {
    const start = 1_800_000_000;
    const plan = canaryPlan(thresholds, start, start + 1800);
    const simulated = simulatedSource(simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1, arms: { canary: quiet, baseline: quiet } }), plan);
    // As if the template summed the buckets without by (le).
    const source = { ...simulated, queryRange: async (query: Parameters<typeof simulated.queryRange>[0]) => {
      const answer = await simulated.queryRange(query);
      return query.query.includes('_bucket') ? { ...answer, series: answer.series.slice(0, 1).map((s) => ({ ...s, labels: {} })) } : answer;
    } };
    const answers = await askAll(source, plan);
    const refused = (() => { try { judgeCanary(plan, answers, { level: 0.95, failAlpha: 0.025 }); } catch (error) { return error; } })();
    expect(refused).toBeInstanceOf(InputError);
    expect(classifyError(refused).exitCode).toBe(2);
    expect((refused as Error).message).toMatch(/thresholds\.canary\.metrics\.latency_p99, canary arm: a histogram_quantile query must answer bucket series with an le label/);
  });

  describe('histogramQuantile', () => {
    it('interpolates within the bucket holding the rank, as Prometheus does, and reads no traffic and NaN apart', () => {
      const buckets = [{ le: 0.1, count: 50 }, { le: 0.5, count: 90 }, { le: 1, count: 100 }, { le: Infinity, count: 100 }];
      expect(histogramQuantile(0.5, buckets)).toEqual({ value: 0.1, events: 100 });
      expect(histogramQuantile(0.7, buckets)).toEqual({ value: 0.1 + 0.4 * (20 / 40), events: 100 });
      expect(histogramQuantile(0.99, [{ le: 0.1, count: 50 }, { le: Infinity, count: 100 }])).toEqual({ value: 0.1, events: 100 });
      expect(histogramQuantile(0.99, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }])).toBe('no-traffic');
      expect(histogramQuantile(0.99, [{ le: 0.1, count: Number.NaN }, { le: Infinity, count: 3 }])).toBe('not-a-number');
    });
  });
});
