import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../../src/demo/canary-traffic.ts';
import { askAll } from '../../../src/gates/canary/index.ts';
import { judgeCanary } from '../../../src/gates/canary/judge.ts';
import { canaryPlan } from '../../../src/gates/canary/plan.ts';
import { histogramQuantile } from '../../../src/gates/canary/samples.ts';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import { ROOT } from '../../helpers.ts';
import { InputError } from '../../../src/error.ts';
import { classifyError } from '../../../src/error-classification.ts';

const thresholds = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;
const quiet: ArmTruth = { requestsPerSecond: 20, errorRate: 0, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.002 };

async function judge(canary: ArmTruth, baseline: ArmTruth, seed: number) {
  const start = 1_800_000_000;
  const traffic = simulateTraffic({ start, end: start + 1800, scrapeSeconds: 15, seed, arms: { canary, baseline } });
  const plan = canaryPlan(thresholds, start, start + 1800);
  return judgeCanary(plan, await askAll(simulatedSource(traffic, plan), plan), { level: 0.95, failAlpha: 0.025 });
}

describe('judgeCanary', () => {
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
