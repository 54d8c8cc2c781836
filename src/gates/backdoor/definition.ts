import schema from '../../attest/schemas/backdoor.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** The backdoor scan: trigger by trigger, the candidate's behaviour change against the deployed model's (AML.M0026), with FDR control across triggers. */
export const backdoorDefinition: GateDefinition = {
  name: 'backdoor',
  predicateType: 'https://gatehouse.dev/attestations/backdoor/v1',
  predicateSchema: schema,
  policyBound: true,
  datasetField: 'dataset',
  // The reference is the deployed model: the predicate's baseline must be it.
  comparesWithDeployed: true,
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/backdoor/thresholds.json',
    type: 'object',
    required: ['fdr', 'min_inputs', 'score_shift', 'trigger_set'],
    properties: {
      fdr: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      min_inputs: { type: 'integer', minimum: 1 },
      score_shift: { type: 'number', exclusiveMinimum: 0 },
      trigger_set: { type: 'string', minLength: 1 },
    },
    additionalProperties: false,
  },
};
