import schema from '../../attest/schemas/integrity.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** The integrity gate: the artifact hashes to the digest its producer recorded. It applies nothing from policy. */
export const integrityDefinition: GateDefinition = {
  name: 'integrity',
  predicateType: 'https://gatehouse.dev/attestations/integrity/v1',
  predicateSchema: schema,
  policyBound: false,
};
