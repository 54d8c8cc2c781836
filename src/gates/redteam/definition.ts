import commonSchema from '../../attest/schemas/redteam-common.schema.json' with { type: 'json' };
import schema from '../../attest/schemas/redteam.schema.json' with { type: 'json' };
import { addSchema } from '../../schema/validator.ts';
import type { GateDefinition } from '../definition.ts';

addSchema(commonSchema);

/** Predicate type of a gatehouse red-team sign-off. */
export const REDTEAM_TYPE = 'https://gatehouse.dev/attestations/redteam/v1';

/**
 * Red-team sign-off: a red team's report on one model (engagement, findings
 * with severity and status), signed by a member of the red team. Its signers
 * in policy data are the red-team role; the policy re-judges the findings
 * against the severity scale and the blocking level in its data, and checks
 * that every accepted finding carries a risk owner's signed acceptance.
 */
export const redteamDefinition: GateDefinition = {
  name: 'redteam',
  predicateType: REDTEAM_TYPE,
  predicateSchema: schema,
  policyBound: true,
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/redteam/thresholds.json',
    type: 'object',
    required: ['severities', 'block_at', 'risk_owners', 'max_engagement_age_seconds'],
    properties: {
      // Lowest first: a finding blocks when open at block_at or above.
      severities: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
      block_at: { type: 'string', minLength: 1 },
      // Signer ids (signers.yaml) whose signed acceptance of a finding counts.
      risk_owners: { type: 'array', items: { type: 'string', minLength: 1 } },
      // How long after the engagement ended its findings still speak for the model.
      max_engagement_age_seconds: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  times(predicate) {
    const engagement = predicate['engagement'] as { start: string; end: string };
    return { engagement_start: engagement.start, engagement_end: engagement.end };
  },
};
