import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/canonical/json.ts';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import { canaryPlan, type PlannedQuery } from '../../../src/gates/canary/plan.ts';
import { alignSeries, metricSeries, samplesDocument, type MetricSeries, type StepSample } from '../../../src/gates/canary/samples.ts';
import type { RangeAnswer, RangeSeries } from '../../../src/gates/canary/source.ts';

// Three metrics, one of each kind, over five 60 s steps; every answer below is written by hand.
const THRESHOLDS: CanaryThresholds = {
  step_seconds: 60,
  min_window_seconds: 300,
  min_samples: 2,
  min_coverage: 0.5,
  min_score: 80,
  arms: { label: 'track', canary: 'canary', baseline: 'baseline' },
  traffic: 'sum(increase(requests_total{{{arm}}}[{{step}}]))',
  traffic_share: { min: 0.01, max: 0.5 },
  metrics: {
    errors: { kind: 'ratio', numerator: 'sum by (region) (increase(errors_total{{{arm}}}[{{step}}]))', denominator: 'sum by (region) (increase(requests_total{{{arm}}}[{{step}}]))', direction: 'lower', scale: 'relative', tolerance: 0.5, critical: true },
    latency: { kind: 'histogram_quantile', quantile: 0.5, query: 'sum by (le, region) (increase(latency_bucket{{{arm}}}[{{step}}]))', direction: 'lower', scale: 'relative', tolerance: 0.1, critical: false },
    depth: { kind: 'value', query: 'avg by (region) (queue_depth{{{arm}}})', direction: 'lower', scale: 'absolute', tolerance: 1, critical: false },
  },
};
const START = 1_800_000_000;
const PLAN = canaryPlan(THRESHOLDS, START, START + 300);
// The five step times: START + 60 … START + 300.
const T = [1, 2, 3, 4, 5].map((k) => START + 60 * k);

const series = (labels: Record<string, string>, values: readonly string[], times: readonly number[] = T): RangeSeries => ({ labels, points: values.map((value, i) => [times[i]!, value] as const) });
// Every planned query answered by `answer` (no series where it gives none).
const answersOf = (answer: (query: PlannedQuery) => RangeSeries[] | undefined): RangeAnswer[] => PLAN.queries.map((query) => ({ query: query.range, series: answer(query) ?? [], warnings: [] }));
const figures = (steps: Map<number, StepSample>) => [...steps.entries()];

describe('samplesDocument', () => {
  it("holds each planned query's range with its answer's series, in plan order, as canonical JSON", () => {
    const answers = answersOf((query) => [series({ track: query.arm, role: query.role }, ['1', '2'])]);
    const document = samplesDocument(PLAN, answers);
    expect(JSON.parse(document)).toEqual(PLAN.queries.map((query, i) => ({ query: query.range, series: answers[i]!.series })));
    expect(canonicalize(JSON.parse(document))).toBe(document);
    expect(document.startsWith(`[{"query":{"end":${START + 300},"query":${JSON.stringify(PLAN.queries[0]!.range.query)},"start":${START + 60},"step":60},"series":[{"labels":{"role":"traffic","track":"canary"},"points":[[${T[0]},"1"],`)).toBe(true);
  });
});

describe('metricSeries', () => {
  describe('for a value metric', () => {
    const depth = (query: PlannedQuery) =>
      query.metric !== 'depth'
        ? undefined
        : query.arm === 'canary'
          ? // Out of label order, each with the arm label; "west" only in the canary.
            [series({ region: 'west', track: 'canary' }, ['4', '4']), series({ region: 'east', track: 'canary' }, ['1', '-Inf', 'NaN', '+Inf', '2.5'])]
          : [series({ track: 'baseline', region: 'east' }, ['1', '1', '1', '1', '1']), series({ track: 'baseline', region: 'north' }, ['7'])];

    it('keeps each series apart by its labels without the arm label, in label order, and reads any infinite or NaN value as no figure', () => {
      const read = metricSeries(PLAN, answersOf(depth), 'depth');
      expect(read.map((one) => [one.labels, one.missing])).toEqual([
        [{ region: 'east' }, []],
        [{ region: 'north' }, ['canary']],
        [{ region: 'west' }, ['baseline']],
      ]);
      expect(figures(read[0]!.steps.canary)).toEqual([
        [T[0], { value: 1, events: null }],
        [T[1], 'not-a-number'],
        [T[2], 'not-a-number'],
        [T[3], 'not-a-number'],
        [T[4], { value: 2.5, events: null }],
      ]);
      expect(figures(read[1]!.steps.baseline)).toEqual([[T[0], { value: 7, events: null }]]);
      expect([read[1]!.steps.canary.size, read[2]!.steps.baseline.size]).toEqual([0, 0]);
    });

    it('is aligned with no events or hits, only its figures', () => {
      const [east] = metricSeries(PLAN, answersOf(depth), 'depth');
      const aligned = alignSeries(PLAN, east!, THRESHOLDS.metrics['depth']!);
      expect([aligned.values, aligned.events, aligned.hits, aligned.notANumber]).toEqual([{ canary: [1, 2.5], baseline: [1, 1, 1, 1, 1] }, null, null, { canary: 3, baseline: 0 }]);
    });

    it('refuses, naming the metric and the arm, two series that differ only in the arm label', () => {
      const twice = (query: PlannedQuery) => (query.metric === 'depth' && query.arm === 'baseline' ? [series({ track: 'baseline' }, ['1']), series({ track: 'other' }, ['1'])] : undefined);
      expect(() => metricSeries(PLAN, answersOf(twice), 'depth')).toThrow(/^policy data thresholds\.canary\.metrics\.depth, baseline arm: two series answer with the labels \{\}/);
    });
  });

  describe('for a ratio metric', () => {
    // Requests and errors per region, each series carrying its arm label; "south" has errors but no request series.
    const errors = (query: PlannedQuery) => {
      if (query.metric !== 'errors') return undefined;
      const arm = { track: query.arm };
      return query.role === 'denominator'
        ? [series({ ...arm, region: 'north' }, ['100', '0', '50', '100', '200'])]
        : [series({ ...arm, region: 'north' }, ['1', '0', '5', '2', '4']), series({ ...arm, region: 'south' }, ['3', '3', '3', '3', '3'])];
    };

    it('matches numerator and denominator without the arm label, and keeps a numerator without a denominator as a series with nothing to judge', () => {
      const read = metricSeries(PLAN, answersOf(errors), 'errors');
      expect(read.map((one) => [one.labels, one.missing, one.steps.canary.size, one.steps.baseline.size])).toEqual([
        [{ region: 'north' }, [], 5, 5],
        [{ region: 'south' }, [], 0, 0],
      ]);
      expect(figures(read[0]!.steps.canary)).toEqual([
        [T[0], { value: 0.01, events: 100 }],
        [T[1], 'no-traffic'],
        [T[2], { value: 0.1, events: 50 }],
        [T[3], { value: 0.02, events: 100 }],
        [T[4], { value: 0.02, events: 200 }],
      ]);
      const aligned = alignSeries(PLAN, read[0]!, THRESHOLDS.metrics['errors']!);
      expect([aligned.events, aligned.hits, aligned.noTraffic]).toEqual([{ canary: 450, baseline: 450 }, { canary: 12, baseline: 12 }, { canary: 1, baseline: 1 }]);
    });
  });

  describe('for a histogram_quantile metric', () => {
    // Bucket series per region: the median is 0.5 in the east, 2 in the west (a 0/1/2/4/+Inf ladder).
    const buckets = (region: string, arm: string, counts: readonly number[]) =>
      ['1', '2', '4', '+Inf'].map((le, i) => series({ le, region, track: arm }, T.map(() => String(counts[i])), T));
    const latency = (query: PlannedQuery) => (query.metric === 'latency' ? [...buckets('west', query.arm, [2, 5, 8, 10]), ...buckets('east', query.arm, [10, 10, 10, 10])] : undefined);

    it('groups bucket series by their labels without the arm label and le, and reads each group’s quantile', () => {
      const read = metricSeries(PLAN, answersOf(latency), 'latency');
      expect(read.map((one) => one.labels)).toEqual([{ region: 'east' }, { region: 'west' }]);
      expect(read.map((one) => [...one.steps.canary.values()][0])).toEqual([
        { value: 0.5, events: 10 },
        { value: 1 + (5 - 2) / (5 - 2), events: 10 },
      ]);
      expect(read.every((one) => one.missing.length === 0 && one.steps.baseline.size === 5)).toBe(true);
    });

    it('refuses, naming the metric and the arm, a bucket bound that is no number or +Inf', () => {
      for (const le of ['', 'NaN', '-Inf', 'Inf', '0x1', ' 1']) {
        const odd = (query: PlannedQuery) => (query.metric === 'latency' ? [...buckets('east', query.arm, [1, 2, 3, 4]), ...(query.arm === 'baseline' ? [series({ le, region: 'east', track: 'baseline' }, ['0'])] : [])] : undefined);
        expect(() => metricSeries(PLAN, answersOf(odd), 'latency')).toThrow(`policy data thresholds.canary.metrics.latency, baseline arm: a bucket series has le=${JSON.stringify(le)}, which is no bucket bound`);
      }
      // Negative and exponent bounds are bounds.
      const negative = (query: PlannedQuery) => (query.metric === 'latency' ? ['-1', '1e0', '+Inf'].map((le, i) => series({ le, track: query.arm }, T.map(() => String(2 * i + 2)))) : undefined);
      expect([...metricSeries(PLAN, answersOf(negative), 'latency')[0]!.steps.canary.values()][0]).toEqual({ value: -1 + 2 * ((3 - 2) / 2), events: 6 });
    });
  });
});

describe('alignSeries', () => {
  it('gives each arm its figures in time order, whatever order its steps were read in', () => {
    const steps = (values: Array<[number, number]>) => new Map<number, StepSample>(values.map(([t, value]) => [t, { value, events: 10 }]));
    const read: MetricSeries = { metric: 'latency', labels: {}, steps: { canary: steps([[T[2]!, 3], [T[0]!, 1], [T[1]!, 2]]), baseline: steps([[T[1]!, 20], [T[2]!, 30], [T[0]!, 10]]) }, missing: [] };
    const aligned = alignSeries(PLAN, read, THRESHOLDS.metrics['latency']!);
    expect(aligned.values).toEqual({ canary: [1, 2, 3], baseline: [10, 20, 30] });
    expect([aligned.events, aligned.hits, aligned.coverage]).toEqual([{ canary: 30, baseline: 30 }, null, 3 / 5]);
  });
});
