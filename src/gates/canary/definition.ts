import schema from '../../attest/schemas/canary.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';
import { canaryThresholdsSchema } from './thresholds.ts';

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
