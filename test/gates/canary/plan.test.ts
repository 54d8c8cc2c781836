// The canary's query plan on its own: which range queries a window asks, in
// which order, and the PromQL each template becomes (the arm's label matcher,
// its value escaped as a PromQL string, and the step); the checks on canary
// thresholds a schema cannot state; the error rate each look spends.
import { describe, expect, it } from 'vitest';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import { armMatcher, canaryPlan, expandTemplate, expectedSteps, metricTemplates } from '../../../src/gates/canary/plan.ts';
import { spentAlphas } from '../../../src/gates/canary/sequential.ts';
import { canaryThresholdsFrom, canaryThresholdsProblem } from '../../../src/gates/canary/thresholds.ts';
import type { VerifiedPolicyBundle } from '../../../src/policy/bundle.ts';

const THRESHOLDS: CanaryThresholds = {
  step_seconds: 60,
  min_window_seconds: 300,
  min_samples: 2,
  min_coverage: 0.5,
  min_score: 80,
  arms: { label: 'track', canary: 'canary', baseline: 'stable' },
  traffic: 'sum(increase(requests_total{{{arm}}}[{{step}}]))',
  traffic_share: { min: 0.01, max: 0.5 },
  metrics: {
    errors: { kind: 'ratio', numerator: 'sum(increase(errors_total{{{arm}}}[{{step}}]))', denominator: 'sum(increase(requests_total{{{arm}}}[{{step}}]))', direction: 'lower', scale: 'relative', tolerance: 0.5, critical: true },
    depth: { kind: 'value', query: 'avg(queue_depth{{{arm}}})', direction: 'lower', scale: 'absolute', tolerance: 1, critical: false },
  },
};
const START = 1_800_000_000;

describe('canaryPlan', () => {
  it('asks the traffic of each arm, then each metric by arm and role, every query over the steps after the start', () => {
    const plan = canaryPlan(THRESHOLDS, START, START + 300);
    expect([plan.start, plan.end, plan.step, plan.thresholds]).toEqual([START, START + 300, 60, THRESHOLDS]);
    expect(plan.queries.map((q) => [q.metric, q.role, q.arm, q.range.query])).toEqual([
      [undefined, 'traffic', 'canary', 'sum(increase(requests_total{track="canary"}[60s]))'],
      [undefined, 'traffic', 'baseline', 'sum(increase(requests_total{track="stable"}[60s]))'],
      ['errors', 'numerator', 'canary', 'sum(increase(errors_total{track="canary"}[60s]))'],
      ['errors', 'denominator', 'canary', 'sum(increase(requests_total{track="canary"}[60s]))'],
      ['errors', 'numerator', 'baseline', 'sum(increase(errors_total{track="stable"}[60s]))'],
      ['errors', 'denominator', 'baseline', 'sum(increase(requests_total{track="stable"}[60s]))'],
      ['depth', 'query', 'canary', 'avg(queue_depth{track="canary"})'],
      ['depth', 'query', 'baseline', 'avg(queue_depth{track="stable"})'],
    ]);
    for (const query of plan.queries) expect(query.range).toEqual({ query: query.range.query, start: START + 60, end: START + 300, step: 60 });
    expect('metric' in plan.queries[0]!).toBe(false);
  });

  it('refuses a window shorter than one step, and takes one exactly a step long', () => {
    expect(() => canaryPlan(THRESHOLDS, START, START + 59)).toThrow(new RangeError('a canary window of 59 s holds no 60 s step'));
    expect(() => canaryPlan(THRESHOLDS, START, START - 60)).toThrow(RangeError);
    expect(() => canaryPlan(THRESHOLDS, START, Number.NaN)).toThrow(RangeError);
    expect(canaryPlan(THRESHOLDS, START, START + 60).queries[0]!.range).toMatchObject({ start: START + 60, end: START + 60 });
  });
});

describe('expectedSteps', () => {
  it('counts the whole steps in the window', () => {
    expect([300, 301, 359, 360, 60].map((seconds) => expectedSteps({ start: START, end: START + seconds, step: 60 }))).toEqual([5, 5, 5, 6, 1]);
  });
});

describe('metricTemplates', () => {
  it('gives a ratio its numerator and denominator, and any other kind its query', () => {
    expect(metricTemplates(THRESHOLDS.metrics['errors']!)).toEqual([['numerator', 'sum(increase(errors_total{{{arm}}}[{{step}}]))'], ['denominator', 'sum(increase(requests_total{{{arm}}}[{{step}}]))']]);
    expect(metricTemplates(THRESHOLDS.metrics['depth']!)).toEqual([['query', 'avg(queue_depth{{{arm}}})']]);
    expect(metricTemplates({ kind: 'histogram_quantile', quantile: 0.9, query: 'q{{{arm}}}', direction: 'lower', scale: 'relative', tolerance: 0.1, critical: false })).toEqual([['query', 'q{{{arm}}}']]);
  });
});

describe('armMatcher and expandTemplate', () => {
  it("write the arm's value as a PromQL string: a backslash, a quote or a newline cannot end it", () => {
    const hostile = { ...THRESHOLDS, arms: { label: 'track', canary: 'a"} or vector(1) #\\', baseline: 'line\nbreak' } };
    expect(armMatcher(hostile, 'canary')).toBe('track="a\\"} or vector(1) #\\\\"');
    expect(armMatcher(hostile, 'baseline')).toBe('track="line\\nbreak"');
    expect(armMatcher({ ...THRESHOLDS, arms: { ...THRESHOLDS.arms, canary: 'a\\"b\\"' } }, 'canary')).toBe('track="a\\\\\\"b\\\\\\""');
  });

  it('fill every {{arm}} and {{step}}, and nothing else', () => {
    expect(expandTemplate('x{{{arm}}} / y{{{arm}}} [{{step}}] [{{step}}] {{other}}', THRESHOLDS, 'baseline')).toBe('x{track="stable"} / y{track="stable"} [60s] [60s] {{other}}');
  });
});

describe('canaryThresholdsProblem and canaryThresholdsFrom', () => {
  const policy = (canary: unknown) => ({ data: { gatehouse: { thresholds: { canary } } }, source: 'policy.tar.gz', digest: 'ab'.repeat(32) }) as unknown as VerifiedPolicyBundle;

  it('accept thresholds at each limit', () => {
    expect(canaryThresholdsProblem(THRESHOLDS)).toBeUndefined();
    expect(canaryThresholdsProblem({ ...THRESHOLDS, traffic_share: { min: 0.2, max: 0.2 } })).toBeUndefined();
    expect(canaryThresholdsProblem({ ...THRESHOLDS, min_window_seconds: 120, min_samples: 2 })).toBeUndefined();
    expect(canaryThresholdsFrom(policy(THRESHOLDS))).toBe(THRESHOLDS);
  });

  it('refuse what a schema cannot state: a share minimum above its maximum, one value for both arms, a window too short for the samples', () => {
    expect(canaryThresholdsProblem({ ...THRESHOLDS, traffic_share: { min: 0.3, max: 0.2 } })).toBe('traffic_share.min 0.3 is above max 0.2');
    expect(canaryThresholdsProblem({ ...THRESHOLDS, arms: { label: 'track', canary: 'v2', baseline: 'v2' } })).toBe('both arms select track="v2"');
    expect(canaryThresholdsProblem({ ...THRESHOLDS, min_window_seconds: 119, min_samples: 2 })).toBe('min_window_seconds 119 cannot hold min_samples 2 steps of 60 s');
    for (const [bad, message] of [
      [{ ...THRESHOLDS, arms: { label: 'track', canary: 'v2', baseline: 'v2' } }, 'canary thresholds: both arms select track="v2"'],
      [{ ...THRESHOLDS, step_seconds: 0 }, 'canary thresholds'],
    ] as const) {
      expect(() => canaryThresholdsFrom(policy(bad))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringContaining(message) }));
    }
    try {
      canaryThresholdsFrom(policy({ ...THRESHOLDS, traffic_share: { min: 0.3, max: 0.2 } }));
      expect.unreachable();
    } catch (error) {
      expect((error as { path?: string }).path).toBe('policy.tar.gz:data.json');
    }
  });
});

describe('spentAlphas', () => {
  it('spends exactly (1 - level) / 2 over looks ending at the full duration, more at later looks', () => {
    expect(spentAlphas([1], 0.95)).toEqual([0.025]);
    const alphas = spentAlphas([0.25, 0.5, 0.75, 1], 0.95);
    expect(alphas).toHaveLength(4);
    expect(alphas.reduce((sum, alpha) => sum + alpha, 0)).toBeCloseTo(0.025, 12);
    for (let i = 1; i < alphas.length; i++) expect(alphas[i]!).toBeGreaterThan(alphas[i - 1]!);
    expect(spentAlphas([0.5], 0.9)[0]).toBeLessThan(0.05);
  });
});
