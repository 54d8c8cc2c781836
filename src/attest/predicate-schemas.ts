import approvalSchema from './schemas/approval.schema.json' with { type: 'json' };
import biasSchema from './schemas/bias.schema.json' with { type: 'json' };
import canarySchema from './schemas/canary.schema.json' with { type: 'json' };
import commonSchema from './schemas/gate-common.schema.json' with { type: 'json' };
import integritySchema from './schemas/integrity.schema.json' with { type: 'json' };
import provenanceSchema from './schemas/provenance.schema.json' with { type: 'json' };
import regressionSchema from './schemas/regression.schema.json' with { type: 'json' };
import safetySchema from './schemas/safety.schema.json' with { type: 'json' };
import { addSchema, compileSchema, type SchemaValidator } from '../schema/validator.ts';
import {
  PREDICATE_TYPES,
  type ApprovalPredicate,
  type BiasPredicate,
  type CanaryPredicate,
  type GateName,
  type GatePredicateBase,
  type IntegrityPredicate,
  type ProvenancePredicate,
  type RegressionPredicate,
  type SafetyPredicate,
} from './predicates.ts';

addSchema(commonSchema);

/** Schema validators for the gates' predicates, keyed by predicate type URI. */
export const predicateValidators: {
  readonly [PREDICATE_TYPES.integrity]: SchemaValidator<IntegrityPredicate>;
  readonly [PREDICATE_TYPES.provenance]: SchemaValidator<ProvenancePredicate>;
  readonly [PREDICATE_TYPES.regression]: SchemaValidator<RegressionPredicate>;
  readonly [PREDICATE_TYPES.safety]: SchemaValidator<SafetyPredicate>;
  readonly [PREDICATE_TYPES.bias]: SchemaValidator<BiasPredicate>;
  readonly [PREDICATE_TYPES.approval]: SchemaValidator<ApprovalPredicate>;
  readonly [PREDICATE_TYPES.canary]: SchemaValidator<CanaryPredicate>;
} = {
  [PREDICATE_TYPES.integrity]: compileSchema<IntegrityPredicate>(integritySchema),
  [PREDICATE_TYPES.provenance]: compileSchema<ProvenancePredicate>(provenanceSchema),
  [PREDICATE_TYPES.regression]: compileSchema<RegressionPredicate>(regressionSchema),
  [PREDICATE_TYPES.safety]: compileSchema<SafetyPredicate>(safetySchema),
  [PREDICATE_TYPES.bias]: compileSchema<BiasPredicate>(biasSchema),
  [PREDICATE_TYPES.approval]: compileSchema<ApprovalPredicate>(approvalSchema),
  [PREDICATE_TYPES.canary]: compileSchema<CanaryPredicate>(canarySchema),
};

/** The validator for a gatehouse predicate type, or undefined for any other type. */
export function predicateValidatorFor(predicateType: string): SchemaValidator<GatePredicateBase<GateName>> | undefined {
  return Object.hasOwn(predicateValidators, predicateType)
    ? (predicateValidators[predicateType as keyof typeof predicateValidators] as SchemaValidator<GatePredicateBase<GateName>>)
    : undefined;
}
