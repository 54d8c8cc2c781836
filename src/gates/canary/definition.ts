import schema from '../../attest/schemas/canary.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/**
 * How one canary metric is asked of Prometheus and judged. Every query is a
 * PromQL template in which `{{arm}}` becomes the arm's label matcher and
 * `{{step}}` the step (e.g. `60s`); each must answer per-step figures: counts
 * over the step for `ratio` (numerator / denominator) and `histogram_quantile`
 * (cumulative bucket counts by `le`), the value itself for `value`.
 */
export type CanaryMetricConfig = {
  direction: 'higher' | 'lower';
  /** Allowed change, relative to the baseline's median (`scale: relative`, the default) or in the metric's unit. */
  tolerance: number;
  scale: 'relative' | 'absolute';
  /** With a relative tolerance, the least change allowed in the metric's unit (a baseline median of 0 allows nothing else). */
  floor?: number;
  /** A critical metric vetoes the canary on its own, and in --watch triggers rollback at its first decisive failure. */
  critical: boolean;
  /** Fewest events (denominator, or histogram count) each arm must have served in the window. */
  min_events?: number;
} & ({ kind: 'ratio'; numerator: string; denominator: string } | { kind: 'histogram_quantile'; quantile: number; query: string } | { kind: 'value'; query: string });

/** The canary gate's part of policy data (data.gatehouse.thresholds.canary). */
export interface CanaryThresholds {
  /** Seconds between samples: the query step. */
  step_seconds: number;
  /** Shortest window the canary must have run. */
  min_window_seconds: number;
  /** Fewest aligned per-step samples each arm must have for each metric. */
  min_samples: number;
  /** Least share of the window's steps that must be aligned in both arms. */
  min_coverage: number;
  /** Least score (per cent of metric comparisons that pass) for the canary to pass. */
  min_score: number;
  /** How the arms are told apart: the label, and its value on each arm. */
  arms: { label: string; canary: string; baseline: string };
  /** Per-step request counts, for the canary's share of traffic. */
  traffic: string;
  /** Bounds on the canary's share of traffic: canary / (canary + baseline). */
  traffic_share: { min: number; max: number };
  metrics: Record<string, CanaryMetricConfig>;
}

const template = { type: 'string', minLength: 1, pattern: '\\{\\{arm\\}\\}' };
const unit = { type: 'number', minimum: 0, maximum: 1 };

/** JSON Schema of CanaryThresholds, as the gate registry checks policy data with it. */
export const canaryThresholdsSchema: Record<string, unknown> = {
  $id: 'https://gatehouse.dev/schemas/canary/thresholds.json',
  type: 'object',
  required: ['step_seconds', 'min_window_seconds', 'min_samples', 'min_coverage', 'min_score', 'arms', 'traffic', 'traffic_share', 'metrics'],
  additionalProperties: false,
  properties: {
    step_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
    min_window_seconds: { type: 'integer', minimum: 1 },
    min_samples: { type: 'integer', minimum: 2 },
    min_coverage: { ...unit, exclusiveMinimum: 0 },
    min_score: { type: 'number', minimum: 0, maximum: 100 },
    arms: {
      type: 'object',
      required: ['label', 'canary', 'baseline'],
      additionalProperties: false,
      properties: { label: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, canary: { type: 'string', minLength: 1 }, baseline: { type: 'string', minLength: 1 } },
    },
    traffic: template,
    traffic_share: { type: 'object', required: ['min', 'max'], additionalProperties: false, properties: { min: { ...unit, exclusiveMinimum: 0 }, max: unit } },
    metrics: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        required: ['kind', 'direction', 'scale', 'tolerance', 'critical'],
        properties: {
          kind: { enum: ['ratio', 'histogram_quantile', 'value'] },
          direction: { enum: ['higher', 'lower'] },
          tolerance: { type: 'number', minimum: 0 },
          scale: { enum: ['relative', 'absolute'] },
          floor: { type: 'number', minimum: 0 },
          critical: { type: 'boolean' },
          min_events: { type: 'number', minimum: 0 },
          numerator: template,
          denominator: template,
          query: template,
          quantile: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        },
        additionalProperties: false,
        allOf: [
          { if: { properties: { kind: { const: 'ratio' } } }, then: { required: ['numerator', 'denominator'], not: { anyOf: [{ required: ['query'] }, { required: ['quantile'] }] } } },
          { if: { properties: { kind: { const: 'histogram_quantile' } } }, then: { required: ['query', 'quantile'], not: { anyOf: [{ required: ['numerator'] }, { required: ['denominator'] }] } } },
          { if: { properties: { kind: { const: 'value' } } }, then: { required: ['query'], not: { anyOf: [{ required: ['numerator'] }, { required: ['denominator'] }, { required: ['quantile'] }] } } },
        ],
      },
    },
  },
};

/** Canary analysis: the candidate against the deployed model on live traffic. */
export const canaryDefinition: GateDefinition = {
  name: 'canary',
  predicateType: 'https://gatehouse.dev/attestations/canary/v2',
  predicateSchema: schema,
  policyBound: true,
  comparesWithDeployed: true,
  followsApproval: true,
  thresholdsSchema: canaryThresholdsSchema,
};
