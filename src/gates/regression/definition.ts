import schema from '../../attest/schemas/regression.schema.json' with { type: 'json' };
import { metricTolerancesSchema, type GateDefinition } from '../definition.ts';
import { deriveSeed } from '../seed.ts';

/** The regression gate: the candidate against the deployed model on every example of the pinned evaluation set. */
export const regressionDefinition: GateDefinition = {
  name: 'regression',
  predicateType: 'https://gatehouse.dev/attestations/regression/v1',
  predicateSchema: schema,
  policyBound: true,
  datasetField: 'evaluationSet',
  comparesWithDeployed: true,
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/regression/thresholds.json',
    type: 'object',
    required: ['metrics'],
    properties: {
      metrics: metricTolerancesSchema({ range: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } }),
      level: { type: 'number', exclusiveMinimum: 0.5, exclusiveMaximum: 1 },
      // Fewer resamples cannot place the tails of a 95% percentile interval.
      resamples: { type: 'integer', minimum: 100, maximum: 1_000_000 },
      min_runs: { type: 'integer', minimum: 2 },
      slices: {
        type: 'object',
        properties: {
          min_size: { type: 'integer', minimum: 2 },
          tolerances: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } },
        },
      },
    },
  },
  // The bootstrap seed is derived from what is judged, never chosen: the policy compares it with the recorded one.
  expectedSeed: (subject, predicate) => deriveSeed('regression', { subject, baseline: digestOf(predicate, 'baseline'), evaluationSet: digestOf(predicate, 'evaluationSet') }),
};

function digestOf(predicate: Readonly<Record<string, unknown>>, field: string): string {
  return String((predicate[field] as { digest?: unknown } | undefined)?.digest ?? '');
}
