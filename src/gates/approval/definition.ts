import schema from '../../attest/schemas/approval.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** Human approval: a reviewer's signed approval or rejection of the model for one stage. */
export const approvalDefinition: GateDefinition = {
  name: 'approval',
  predicateType: 'https://gatehouse.dev/attestations/approval/v2',
  predicateSchema: schema,
  policyBound: true,
};
