import commonSchema from './schemas/gate-common.schema.json' with { type: 'json' };
import integritySchema from './schemas/integrity.schema.json' with { type: 'json' };
import provenanceSchema from './schemas/provenance.schema.json' with { type: 'json' };
import { addSchema, compileSchema, type SchemaValidator } from '../schema/validator.ts';
import { PREDICATE_TYPES, type IntegrityPredicate, type ProvenancePredicate } from './predicates.ts';

addSchema(commonSchema);

/** Schema validators for the gates' predicates, keyed by predicate type URI. */
export const predicateValidators: {
  readonly [PREDICATE_TYPES.integrity]: SchemaValidator<IntegrityPredicate>;
  readonly [PREDICATE_TYPES.provenance]: SchemaValidator<ProvenancePredicate>;
} = {
  [PREDICATE_TYPES.integrity]: compileSchema<IntegrityPredicate>(integritySchema),
  [PREDICATE_TYPES.provenance]: compileSchema<ProvenancePredicate>(provenanceSchema),
};
