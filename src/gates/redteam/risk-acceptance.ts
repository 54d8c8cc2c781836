import schema from '../../attest/schemas/risk-acceptance.schema.json' with { type: 'json' };
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import './definition.ts';

/** Predicate type of a risk owner's signed acceptance of one red-team finding. */
export const RISK_ACCEPTANCE_TYPE = 'https://gatehouse.dev/attestations/risk-acceptance/v1';

/**
 * A risk owner's acceptance of one finding, signed by the risk owner about the
 * model: `gatehouse attest --predicate-type <RISK_ACCEPTANCE_TYPE>` checks it
 * against this schema. The policy counts it for a finding when it names the
 * finding and its engagement, and its signer is the owner the finding names,
 * in the risk-owner role and not the model's author.
 */
export interface RiskAcceptancePredicate {
  engagement: string;
  finding: string;
  rationale: string;
  createdAt: string;
}

export const riskAcceptanceValidator: SchemaValidator<RiskAcceptancePredicate> = compileSchema<RiskAcceptancePredicate>(schema);
