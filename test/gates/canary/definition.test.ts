// The canary thresholds' schema, which the gate registry checks policy data
// with: the shipped thresholds pass, and each constraint refuses what it
// names, one field at a time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canaryDefinition, canaryThresholdsSchema } from '../../../src/gates/canary/definition.ts';
import { compileSchema } from '../../../src/schema/validator.ts';
import { ROOT } from '../../helpers.ts';

const shipped = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: Record<string, unknown> } }).thresholds.canary;
const validator = compileSchema(canaryThresholdsSchema as { $id: string });
const metrics = shipped['metrics'] as Record<string, Record<string, unknown>>;
const ratio = metrics['error_rate']!;
const histogram = metrics['latency_p99']!;
const value = { kind: 'value', query: 'avg(gpu_utilisation{{{arm}}})', direction: 'lower', scale: 'absolute', tolerance: 0.1, critical: false };
const withMetric = (metric: object) => ({ ...shipped, metrics: { m: metric } });
const accepted = (thresholds: unknown) => validator.problem(thresholds) === undefined;

describe('canaryThresholdsSchema', () => {
  it('accepts the shipped thresholds, and a metric of each kind', () => {
    expect(validator.problem(shipped)).toBeUndefined();
    for (const metric of [ratio, histogram, value]) expect(accepted(withMetric(metric)), JSON.stringify(metric)).toBe(true);
  });

  it('refuses each required field missing, and a field it does not know', () => {
    for (const field of ['step_seconds', 'min_window_seconds', 'min_samples', 'min_coverage', 'min_score', 'arms', 'traffic', 'traffic_share', 'metrics']) {
      const { [field]: _, ...without } = shipped;
      expect(accepted(without), `${field} missing`).toBe(false);
    }
    expect(accepted({ ...shipped, window: 60 })).toBe(false);
  });

  it('holds each number to its range, at the edges', () => {
    const cases: Array<[string, unknown, boolean]> = [
      ['step_seconds', 1, true], ['step_seconds', 0, false], ['step_seconds', 86400, true], ['step_seconds', 86401, false], ['step_seconds', 1.5, false],
      ['min_window_seconds', 1, true], ['min_window_seconds', 0, false], ['min_window_seconds', 2.5, false],
      ['min_samples', 2, true], ['min_samples', 1, false], ['min_samples', 2.5, false],
      ['min_coverage', 1, true], ['min_coverage', 0, false], ['min_coverage', 1.01, false], ['min_coverage', 'all', false],
      ['min_score', 0, true], ['min_score', 100, true], ['min_score', 100.5, false], ['min_score', -1, false], ['min_score', '80', false],
    ];
    for (const [field, fieldValue, ok] of cases) expect(accepted({ ...shipped, [field]: fieldValue }), `${field} ${fieldValue}`).toBe(ok);
  });

  it('requires the arms (a label name, two non-empty values, nothing else) and a traffic share with 0 < min, max <= 1', () => {
    const arms = shipped['arms'] as Record<string, string>;
    for (const field of ['label', 'canary', 'baseline']) {
      const { [field]: _, ...without } = arms;
      expect(accepted({ ...shipped, arms: without }), `arms.${field} missing`).toBe(false);
    }
    expect(accepted({ ...shipped, arms: { ...arms, canary: '' } })).toBe(false);
    expect(accepted({ ...shipped, arms: { ...arms, baseline: '' } })).toBe(false);
    expect(accepted({ ...shipped, arms: { ...arms, label: '1track' } })).toBe(false);
    expect(accepted({ ...shipped, arms: { ...arms, label: 'Track_2' } })).toBe(true);
    expect(accepted({ ...shipped, arms: { ...arms, weight: 1 } })).toBe(false);
    expect(accepted({ ...shipped, traffic_share: { min: 0, max: 0.5 } })).toBe(false);
    expect(accepted({ ...shipped, traffic_share: { min: 0.01, max: 1 } })).toBe(true);
    expect(accepted({ ...shipped, traffic_share: { min: 0.01, max: 1.5 } })).toBe(false);
    expect(accepted({ ...shipped, traffic_share: { min: 0.01 } })).toBe(false);
    expect(accepted({ ...shipped, traffic_share: { max: 0.5 } })).toBe(false);
    expect(accepted({ ...shipped, traffic_share: { min: 0.01, max: 0.5, target: 0.1 } })).toBe(false);
  });

  it('requires every query template to name the arm', () => {
    expect(accepted({ ...shipped, traffic: 'sum(increase(http_requests_total[1m]))' })).toBe(false);
    expect(accepted({ ...shipped, traffic: '' })).toBe(false);
    for (const field of ['numerator', 'denominator']) expect(accepted(withMetric({ ...ratio, [field]: 'sum(x)' })), field).toBe(false);
    expect(accepted(withMetric({ ...histogram, query: 'sum(x)' }))).toBe(false);
  });

  it('requires at least one metric, named in lower-case snake form, each with its kind, direction, scale, tolerance and criticality', () => {
    expect(accepted({ ...shipped, metrics: {} })).toBe(false);
    expect(accepted({ ...shipped, metrics: { ErrorRate: ratio } })).toBe(false);
    expect(accepted({ ...shipped, metrics: { error_rate_2: ratio } })).toBe(true);
    for (const field of ['kind', 'direction', 'scale', 'tolerance', 'critical']) {
      const { [field]: _, ...without } = ratio;
      expect(accepted(withMetric(without)), `${field} missing`).toBe(false);
    }
    const fields: Array<[string, unknown, boolean]> = [
      ['kind', 'counter', false], ['direction', 'up', false], ['scale', 'log', false], ['tolerance', -0.1, false], ['tolerance', 0, true],
      ['floor', -1, false], ['floor', 0, true], ['critical', 'yes', false], ['min_events', -1, false], ['min_events', 0, true], ['owner', 'sre', false],
      ['direction', 'higher', true], ['scale', 'absolute', true],
    ];
    for (const [field, fieldValue, ok] of fields) expect(accepted(withMetric({ ...ratio, [field]: fieldValue })), `${field} ${fieldValue}`).toBe(ok);
  });

  it('asks each kind for exactly its queries: a ratio its numerator and denominator, a quantile its query and quantile, a value its query', () => {
    const { numerator: _n, ...ratioWithoutNumerator } = ratio;
    const { denominator: _d, ...ratioWithoutDenominator } = ratio;
    expect(accepted(withMetric(ratioWithoutNumerator))).toBe(false);
    expect(accepted(withMetric(ratioWithoutDenominator))).toBe(false);
    expect(accepted(withMetric({ ...ratio, query: histogram['query'] }))).toBe(false);
    expect(accepted(withMetric({ ...ratio, quantile: 0.5 }))).toBe(false);
    const { query: _q, ...histogramWithoutQuery } = histogram;
    const { quantile: _p, ...histogramWithoutQuantile } = histogram;
    expect(accepted(withMetric(histogramWithoutQuery))).toBe(false);
    expect(accepted(withMetric(histogramWithoutQuantile))).toBe(false);
    expect(accepted(withMetric({ ...histogram, numerator: ratio['numerator'] }))).toBe(false);
    expect(accepted(withMetric({ ...histogram, denominator: ratio['denominator'] }))).toBe(false);
    for (const quantile of [0, 1]) expect(accepted(withMetric({ ...histogram, quantile })), `quantile ${quantile}`).toBe(false);
    const { query: _v, ...valueWithoutQuery } = value;
    expect(accepted(withMetric(valueWithoutQuery))).toBe(false);
    for (const extra of [{ numerator: ratio['numerator'] }, { denominator: ratio['denominator'] }, { quantile: 0.5 }]) expect(accepted(withMetric({ ...value, ...extra })), JSON.stringify(extra)).toBe(false);
  });
});

describe('canaryDefinition', () => {
  it('is bound to the policy, compares with the deployed model, follows approval, and checks thresholds with this schema', () => {
    expect(canaryDefinition).toMatchObject({ name: 'canary', predicateType: 'https://gatehouse.dev/attestations/canary/v2', policyBound: true, comparesWithDeployed: true, followsApproval: true });
    expect(canaryDefinition.thresholdsSchema).toBe(canaryThresholdsSchema);
  });
});
