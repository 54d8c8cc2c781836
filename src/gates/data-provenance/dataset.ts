import schema from '../../attest/schemas/dataset.schema.json' with { type: 'json' };
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import '../registry.ts';

/** Predicate type of a data team's signed statement about a dataset (subject: the dataset's sha256). */
export const DATASET_TYPE = 'https://gatehouse.dev/attestations/dataset/v1';

/** Predicate of a dataset attestation. */
export interface DatasetPredicate {
  name: string;
  uri?: string;
  license?: string;
  description?: string;
  createdAt: string;
}

export const datasetValidator: SchemaValidator<DatasetPredicate> = compileSchema<DatasetPredicate>(schema);
