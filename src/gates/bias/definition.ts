import schema from '../../attest/schemas/bias.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** The fairness metrics the bias gate computes from predictions (evaluate.ts gives each its bounds). */
export const FAIRNESS_METRIC_NAMES = ['calibration_error_difference', 'demographic_parity_difference', 'demographic_parity_ratio', 'equal_opportunity_difference', 'equalized_odds_difference'] as const;

export type FairnessMetricName = (typeof FAIRNESS_METRIC_NAMES)[number];

/** The metric judged from counterfactual pairs. */
export const COUNTERFACTUAL_METRIC = 'counterfactual_flip_rate';

/** Every metric policy data may set for the bias gate. */
export const BIAS_METRIC_NAMES: readonly string[] = [...FAIRNESS_METRIC_NAMES, COUNTERFACTUAL_METRIC].sort();

/** The bias gate: fairness across groups and their intersections, from predictions on the pinned dataset. */
export const biasDefinition: GateDefinition = {
  name: 'bias',
  predicateType: 'https://gatehouse.dev/attestations/bias/v1',
  predicateSchema: schema,
  policyBound: true,
  datasetField: 'dataset',
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/bias/thresholds.json',
    type: 'object',
    required: ['metrics'],
    properties: {
      // A metric name the gate does not know is a typo in policy data, refused rather than never judged.
      metrics: { type: 'object', minProperties: 1, propertyNames: { enum: [...BIAS_METRIC_NAMES] }, additionalProperties: { type: 'number', minimum: 0, maximum: 1 } },
      min_group_size: { type: 'integer', minimum: 1 },
      score_threshold: { type: 'number', minimum: 0, maximum: 1 },
    },
  },
};
