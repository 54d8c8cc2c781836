import schema from '../../attest/schemas/provenance.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** The provenance gate: the model's own signature verifies against a model signer the policy names. */
export const provenanceDefinition: GateDefinition = {
  name: 'provenance',
  predicateType: 'https://gatehouse.dev/attestations/provenance/v1',
  predicateSchema: schema,
  policyBound: true,
};
