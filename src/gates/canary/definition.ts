import schema from '../../attest/schemas/canary.schema.json' with { type: 'json' };
import { metricTolerancesSchema, type GateDefinition } from '../definition.ts';

/** Canary analysis: the candidate against the deployed model on live traffic. */
export const canaryDefinition: GateDefinition = {
  name: 'canary',
  predicateType: 'https://gatehouse.dev/attestations/canary/v1',
  predicateSchema: schema,
  policyBound: true,
  comparesWithDeployed: true,
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/canary/thresholds.json',
    type: 'object',
    required: ['metrics'],
    properties: {
      metrics: metricTolerancesSchema(),
    },
  },
};
