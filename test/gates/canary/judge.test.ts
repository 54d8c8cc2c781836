import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../../src/demo/canary-traffic.ts';
import { askAll } from '../../../src/gates/canary/index.ts';
import { describe as describeSeries, judgeCanary } from '../../../src/gates/canary/judge.ts';
import { canaryPlan, type CanaryPlan, type PlannedQuery } from '../../../src/gates/canary/plan.ts';
import { histogramQuantile, trafficRequests } from '../../../src/gates/canary/samples.ts';
import type { RangeAnswer } from '../../../src/gates/canary/source.ts';
import { figure } from '../../../src/gates/gate.ts';
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
      expect(judgement).not.toHaveProperty('criticalFailure');
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

    it('interpolates the first bucket from 0 when its bound is positive, and reads its bound when it is not; one bucket alone gives nothing', () => {
      expect(histogramQuantile(0.25, [{ le: 0.1, count: 50 }, { le: 0.5, count: 100 }, { le: Infinity, count: 100 }])).toEqual({ value: 0.1 * (25 / 50), events: 100 });
      const negative = [{ le: -1, count: 10 }, { le: 1, count: 20 }, { le: Infinity, count: 20 }];
      expect(histogramQuantile(0.25, negative)).toEqual({ value: -1, events: 20 });
      expect(histogramQuantile(0.75, negative)).toEqual({ value: -1 + 2 * (5 / 10), events: 20 });
      expect(histogramQuantile(0.5, [{ le: Infinity, count: 7 }])).toBe('not-a-number');
    });
  });

  describe('each series: short of data, or judged on its medians', () => {
    const LEVELS = { level: 0.95, failAlpha: 0.025 };
    // The plan and the answers of simulated traffic over `seconds`, each answer as `edit` leaves it.
    async function answered(canary: ArmTruth, baseline: ArmTruth, policy: CanaryThresholds = thresholds, seconds = 1800, edit: (query: PlannedQuery, answer: RangeAnswer) => RangeAnswer = (_, answer) => answer): Promise<{ plan: CanaryPlan; answers: RangeAnswer[] }> {
      const start = 1_800_000_000;
      const plan = canaryPlan(policy, start, start + seconds);
      const answers = await askAll(simulatedSource(simulateTraffic({ start, end: start + seconds, scrapeSeconds: 15, seed: 1, arms: { canary, baseline } }), plan), plan);
      return { plan, answers: answers.map((answer, i) => edit(plan.queries[i]!, answer)) };
    }
    // The baseline serves three times the canary's traffic: a share of about 0.25.
    const busy: ArmTruth = { ...quiet, requestsPerSecond: 60 };
    const judged = ({ plan, answers }: { plan: CanaryPlan; answers: RangeAnswer[] }) => judgeCanary(plan, answers, LEVELS);
    const metric = (judgement: ReturnType<typeof judged>, name: string) => judgement.metrics.find((m) => m.name === name)!;
    // An independent median: the middle value, or the mean of the middle two.
    const median = (values: readonly number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const half = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
    };

    it('refuses answers that are not one for each query', async () => {
      const { plan, answers } = await answered(quiet, busy);
      expect(() => judgeCanary(plan, answers.slice(1), LEVELS)).toThrow(new RangeError(`${answers.length - 1} answers for ${answers.length} queries`));
    });

    it("judges each series on its arms' medians, odd or even in number, and a ratio also on its pooled rates", async () => {
      for (const seconds of [1800, 1860]) {
        const judgement = judged(await answered(quiet, busy, thresholds, seconds));
        judgement.metrics.forEach((m, i) => {
          const { values, hits, events } = judgement.series[i]!;
          expect(values.canary.length).toBe(seconds / 60);
          expect([m.name, m.candidate, m.baseline]).toEqual([m.name, median(values.canary), median(values.baseline)]);
          if (m.kind !== 'ratio') return expect(m).not.toHaveProperty('pooled');
          const rate = (arm: 'canary' | 'baseline') => Math.min(Math.round(events![arm]), Math.round(hits![arm])) / Math.round(events![arm]);
          expect(m.pooled).toEqual({ canary: rate('canary'), baseline: rate('baseline'), delta: rate('canary') - rate('baseline') });
        });
      }
    });

    it('records the quantile of a histogram metric and the floor of a metric that has one, and neither otherwise', async () => {
      const judgement = judged(await answered(quiet, busy));
      expect(metric(judgement, 'latency_p99')).toMatchObject({ kind: 'histogram_quantile', quantile: 0.99 });
      expect(metric(judgement, 'latency_p99')).not.toHaveProperty('floor');
      expect(metric(judgement, 'error_rate')).toMatchObject({ kind: 'ratio', floor: 0.002 });
      expect(metric(judgement, 'error_rate')).not.toHaveProperty('quantile');
    });

    it('is short of data with no series in an arm or both, and then insufficient though the score reaches min_score', async () => {
      const without = (arms: string[]) => (query: PlannedQuery, answer: RangeAnswer) => (query.metric === 'latency_p99' && arms.includes(query.arm) ? { ...answer, series: [] } : answer);
      for (const [arms, reason] of [[['canary'], 'no series in the canary arm'], [['baseline'], 'no series in the baseline arm'], [['canary', 'baseline'], 'no series in the canary and baseline arms']] as const) {
        const judgement = judged(await answered(quiet, busy, { ...thresholds, min_score: 75 }, 1800, without([...arms])));
        expect(metric(judgement, 'latency_p99')).toMatchObject({ verdict: 'insufficient-evidence', reason, ci: null, candidate: null, baseline: null, delta: null });
        expect([judgement.verdict, judgement.score, judgement.reasons]).toEqual(['insufficient-evidence', 75, [`latency_p99: ${reason}`]]);
      }
    });

    it('is short of data in an arm that served no traffic; with none in either, the traffic share is unknown', async () => {
      const idle = { ...quiet, requestsPerSecond: 0 };
      const oneIdle = judged(await answered(idle, busy));
      expect(oneIdle.metrics.map((m) => [m.name, m.verdict, m.reason])).toEqual(['error_rate', 'latency_p99', 'positive_feedback_rate', 'safety_flag_rate'].map((name) => [name, 'insufficient-evidence', 'no canary traffic']));
      expect([oneIdle.trafficShare, oneIdle.reasons.at(-2), oneIdle.reasons.at(-1)]).toEqual([0, 'the canary served 0 of the traffic; policy allows 0.01 to 0.5', 'score 0 is below 80']);
      const bothIdle = judged(await answered(idle, idle));
      expect(bothIdle.metrics.every((m) => m.reason === 'no canary traffic')).toBe(true);
      expect([bothIdle.verdict, bothIdle.trafficShare, bothIdle.requests, bothIdle.reasons.at(-2)]).toEqual(['insufficient-evidence', null, { canary: 0, baseline: 0 }, 'neither arm served any traffic']);
    });

    it('is short of data below min_coverage, min_samples or min_events, and not at them', async () => {
      // Every third step of the canary's latency lost: 20 of 30 steps aligned.
      const gappy = (query: PlannedQuery, answer: RangeAnswer) =>
        query.metric === 'latency_p99' && query.arm === 'canary' ? { ...answer, series: answer.series.map((one) => ({ ...one, points: one.points.filter((_, i) => i % 3 !== 0) })) } : answer;
      const coverage = metric(judged(await answered(quiet, busy, thresholds, 1800, gappy)), 'latency_p99');
      expect(coverage.coverage).toBeCloseTo(2 / 3, 12);
      expect([coverage.verdict, coverage.ci, coverage.reason]).toEqual(['insufficient-evidence', null, `only ${figure(100 * coverage.coverage)}% of the window's steps are aligned in both arms (policy needs 90%)`]);
      expect(metric(judged(await answered(quiet, busy, { ...thresholds, min_coverage: coverage.coverage }, 1800, gappy)), 'latency_p99').verdict).toBe('pass');

      const samples = (min: number) => answered(quiet, busy, { ...thresholds, min_samples: min });
      expect(metric(judged(await samples(31)), 'latency_p99')).toMatchObject({ verdict: 'insufficient-evidence', ci: null, reason: '30 canary samples (policy needs 31)' });
      expect(judged(await samples(30)).verdict).toBe('pass');

      const events = metric(judged(await answered(quiet, busy)), 'latency_p99').events!;
      const needing = (min: number) => answered(quiet, busy, { ...thresholds, metrics: { ...thresholds.metrics, latency_p99: { ...thresholds.metrics['latency_p99']!, min_events: min } } });
      const fewest = Math.min(events.canary, events.baseline);
      const arm = events.canary <= events.baseline ? 'canary' : 'baseline';
      expect(metric(judged(await needing(Math.floor(fewest) + 1)), 'latency_p99')).toMatchObject({ verdict: 'insufficient-evidence', reason: `${figure(events[arm])} ${arm} events (policy needs ${Math.floor(fewest) + 1})` });
      expect(metric(judged(await needing(Math.floor(fewest))), 'latency_p99').verdict).toBe('pass');
    });
  });

  describe('the bounds each verdict is read from', () => {
    const LEVELS = { level: 0.95, failAlpha: 0.025 };
    const run = async (canary: ArmTruth, policy: CanaryThresholds = thresholds) => {
      const start = 1_800_000_000;
      const plan = canaryPlan(policy, start, start + 1800);
      const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1, arms: { canary, baseline: { ...quiet, requestsPerSecond: 60 } } });
      return judgeCanary(plan, await askAll(simulatedSource(traffic, plan), plan), LEVELS);
    };

    it("reads a metric's interval at the gate's level, a ratio's as the hull of its shift and pooled intervals, and a non-ratio's failure at the whole look's error rate", async () => {
      const judgement = await run(quiet);
      judgement.metrics.forEach((m, i) => {
        const { values, hits, events } = judgement.series[i]!;
        const shift = hodgesLehmannShift(values.baseline, values.canary, 0.95).ci;
        if (m.kind !== 'ratio') {
          expect([m.name, m.ci, m.failBound]).toEqual([m.name, { low: shift.low, high: shift.high, level: 0.95 }, hodgesLehmannShift(values.baseline, values.canary, 1 - 2 * 0.025).ci.low]);
          return;
        }
        const whole = (arm: 'canary' | 'baseline') => [Math.min(Math.round(events![arm]), Math.round(hits![arm])), Math.round(events![arm])] as const;
        const pooled = newcombeInterval(...whole('canary'), ...whole('baseline'), 0.95);
        expect([m.name, m.ci]).toEqual([m.name, { low: Math.min(shift.low, pooled.low), high: Math.max(shift.high, pooled.high), level: 0.95 }]);
      });
    });

    it('passes a lower-is-better metric only when the upper bound is inside the tolerance', async () => {
      // A heavier latency tail: the interval straddles the allowed change at this seed.
      const latency = (await run({ ...quiet, latency: { ...quiet.latency, tailShare: 0.02, tailFactor: 4 } })).metrics.find((m) => m.name === 'latency_p99')!;
      expect(latency.ci!.low).toBeLessThan(latency.allowed!);
      expect(latency.ci!.high).toBeGreaterThan(latency.allowed!);
      expect([latency.verdict, latency.reason]).toEqual(['insufficient-evidence', expect.stringMatching(/: the interval straddles the tolerance$/)]);
    });

    it('allows an absolute change in the metric\'s unit, a relative one scaled by the baseline and floored', async () => {
      const absolute = { ...thresholds, metrics: { ...thresholds.metrics, latency_p99: { ...thresholds.metrics['latency_p99']!, scale: 'absolute' as const, tolerance: 0.07 } } };
      expect((await run(quiet, absolute)).metrics.find((m) => m.name === 'latency_p99')!.allowed).toBe(0.07);
      const relative = await run(quiet);
      const latency = relative.metrics.find((m) => m.name === 'latency_p99')!;
      expect(latency.allowed).toBe(0.1 * Math.abs(latency.baseline!));
      // error_rate's baseline is 0: its floor is what is allowed.
      expect(relative.metrics.find((m) => m.name === 'error_rate')!.allowed).toBe(0.002);
    });
  });

  describe('steps without traffic or figures', () => {
    const start = 1_800_000_000;
    async function judgedWith(edit: (query: PlannedQuery, answer: RangeAnswer) => RangeAnswer, name = 'latency_p99') {
      const plan = canaryPlan(thresholds, start, start + 1800);
      const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1, arms: { canary: quiet, baseline: { ...quiet, requestsPerSecond: 60 } } });
      const answers = (await askAll(simulatedSource(traffic, plan), plan)).map((answer, i) => edit(plan.queries[i]!, answer));
      return judgeCanary(plan, answers, { level: 0.95, failAlpha: 0.025 }).metrics.find((m) => m.name === name)!;
    }
    // The canary's latency buckets with `value` at the steps `at` picks.
    const canaryLatency = (at: (i: number) => boolean, value: string) => (query: PlannedQuery, answer: RangeAnswer) =>
      query.metric === 'latency_p99' && query.arm === 'canary' ? { ...answer, series: answer.series.map((one) => ({ ...one, points: one.points.map(([t, v], i) => [t, at(i) ? value : v] as const) })) } : answer;

    it('judges a series with a few steps that served no traffic on the rest', async () => {
      const latency = await judgedWith(canaryLatency((i) => i < 2, '0'));
      expect(latency.excluded.noTraffic).toEqual({ canary: 2, baseline: 0 });
      expect([latency.n.canary, latency.verdict]).toEqual([28, 'pass']);
    });

    it.each(['canary', 'baseline'] as const)('pools no rate when the %s arm\'s events round to none, though each step has a ratio', async (arm) => {
      // A hundredth of a request a step, none of them errors: 0.3 requests over the window.
      const trickle = (query: PlannedQuery, answer: RangeAnswer) =>
        query.metric === 'error_rate' && query.arm === arm ? { ...answer, series: answer.series.map((one) => ({ ...one, points: one.points.map(([t]) => [t, query.role === 'denominator' ? '0.01' : '0'] as const) })) } : answer;
      const errors = await judgedWith(trickle, 'error_rate');
      expect(errors.n[arm]).toBe(30);
      expect(errors.events![arm]).toBeCloseTo(0.3, 12);
      expect(errors).not.toHaveProperty('pooled');
      expect([errors.verdict, errors.reason]).toEqual(['insufficient-evidence', `0.3 ${arm} events (policy needs 1000)`]);
    });

    // The answers of one metric's queries for one arm, edited series by series.
    const editSeries = (metric: string, arm: string, edit: (series: RangeAnswer['series'], query: PlannedQuery) => RangeAnswer['series']) => (query: PlannedQuery, answer: RangeAnswer) =>
      query.metric === metric && query.arm === arm ? { ...answer, series: edit(answer.series, query) } : answer;

    it("counts each arm's steps the other arm lacks as unaligned", async () => {
      const latency = await judgedWith(editSeries('latency_p99', 'canary', (series) => series.map((one) => ({ ...one, points: one.points.slice(2) }))));
      expect([latency.excluded.unaligned, latency.n]).toEqual([{ canary: 0, baseline: 2 }, { canary: 28, baseline: 28 }]);
      const errors = await judgedWith(editSeries('error_rate', 'baseline', (series) => series.map((one) => ({ ...one, points: one.points.slice(0, -3) }))), 'error_rate');
      expect([errors.excluded.unaligned, errors.n]).toEqual([{ canary: 3, baseline: 0 }, { canary: 27, baseline: 27 }]);
    });

    it('reads a ratio step with an infinite or NaN part as no figure', async () => {
      const errors = await judgedWith(editSeries('error_rate', 'canary', (series, query) => (query.role === 'numerator' ? series.map((one) => ({ ...one, points: one.points.map(([t, v], i) => [t, i === 0 ? '+Inf' : i === 1 ? 'NaN' : v] as const) })) : series)), 'error_rate');
      expect([errors.excluded.notANumber, errors.n.canary]).toEqual([{ canary: 2, baseline: 0 }, 28]);
    });

    it('reads bucket series in any order, skips a step missing a bucket or the +Inf bucket, and refuses two buckets with one le', async () => {
      const judged = await judgedWith((_, answer) => answer);
      expect(await judgedWith(editSeries('latency_p99', 'canary', (series) => [...series].reverse()))).toEqual(judged);
      const gap = await judgedWith(editSeries('latency_p99', 'canary', (series) => series.map((one, i) => (i === 0 ? { ...one, points: one.points.slice(1) } : one))));
      expect([gap.n.canary, gap.excluded.unaligned.baseline]).toEqual([29, 1]);
      const noInf = await judgedWith(editSeries('latency_p99', 'canary', (series) => series.filter((one) => one.labels['le'] !== '+Inf')));
      expect([noInf.n.canary, noInf.verdict]).toEqual([0, 'insufficient-evidence']);
      await expect(judgedWith(editSeries('latency_p99', 'canary', (series) => [...series, series[0]!]))).rejects.toThrow(/latency_p99, canary arm: two bucket series with the same le answer/);
    });

    it("matches series across arms without the arm label, and refuses two series that differ only in it", async () => {
      const labelled = (query: PlannedQuery, answer: RangeAnswer) => ({ ...answer, series: answer.series.map((one) => ({ ...one, labels: { ...one.labels, track: query.arm } })) });
      for (const name of ['error_rate', 'latency_p99']) expect(await judgedWith(labelled, name)).toEqual(await judgedWith((_, answer) => answer, name));
      const twice = editSeries('error_rate', 'canary', (series, query) => (query.role === 'denominator' ? [...series.map((one) => ({ ...one, labels: { track: 'canary' } })), ...series.map((one) => ({ ...one, labels: { track: 'canary-2' } }))] : series));
      await expect(judgedWith(twice, 'error_rate')).rejects.toThrow(/error_rate, canary arm: two series answer with the labels \{\}: the query must aggregate over the arm label/);
    });

    it("sums each arm's traffic over its finite, positive steps", async () => {
      const plan = canaryPlan(thresholds, start, start + 1800);
      const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed: 1, arms: { canary: quiet, baseline: { ...quiet, requestsPerSecond: 60 } } });
      const answers = await askAll(simulatedSource(traffic, plan), plan);
      const requests = trafficRequests(plan, answers);
      expect(requests.baseline / requests.canary).toBeCloseTo(3, 1);
      const index = plan.queries.findIndex((q) => q.role === 'traffic' && q.arm === 'canary');
      const points = answers[index]!.series[0]!.points;
      const dropped = points.slice(0, 3).reduce((sum, [, v]) => sum + Number(v), 0);
      const edited = answers.map((answer, i) => (i === index ? { ...answer, series: [{ ...answer.series[0]!, points: points.map(([t, v], j) => [t, ['NaN', '-5', '+Inf'][j] ?? v] as const) }] } : answer));
      const after = trafficRequests(plan, edited);
      expect(after.canary).toBeCloseTo(requests.canary - dropped, 6);
      expect(after.baseline).toBe(requests.baseline);
    });

    it('says how few samples there were, not that there was no traffic, when every step is NaN', async () => {
      const latency = await judgedWith(canaryLatency(() => true, 'NaN'));
      expect(latency.excluded.noTraffic).toEqual({ canary: 0, baseline: 0 });
      expect(latency.excluded.notANumber.canary).toBe(30);
      expect([latency.verdict, latency.reason]).toEqual(['insufficient-evidence', '0 canary samples (policy needs 20)']);
    });
  });

  it('names a series by its metric and its labels, in their order', () => {
    expect(describeSeries({ name: 'latency_p99', series: {} })).toBe('latency_p99');
    expect(describeSeries({ name: 'error_rate', series: { region: 'eu', pod: 'a-1' } })).toBe('error_rate{region="eu",pod="a-1"}');
  });
});
