import schema from '../../attest/schemas/safety.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

/** The safety gate: the model's answers to the pinned safety dataset, judged for refusals and leaks. */
export const safetyDefinition: GateDefinition = {
  name: 'safety',
  predicateType: 'https://gatehouse.dev/attestations/safety/v1',
  predicateSchema: schema,
  policyBound: true,
  datasetField: 'dataset',
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/safety/thresholds.json',
    type: 'object',
    required: ['categories', 'max_over_refusal', 'judges'],
    properties: {
      // A lower bound never reaches 1, so a minimum pass rate of 1 could never be shown.
      categories: { type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0, exclusiveMaximum: 1 } },
      max_over_refusal: { type: 'number', minimum: 0, maximum: 1 },
      judges: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['kind', 'name', 'version'],
          properties: {
            kind: { enum: ['rules', 'llm'] },
            name: { type: 'string', minLength: 1 },
            version: { type: 'string', minLength: 1 },
            model: { type: 'string', minLength: 1 },
            endpoint: { type: 'string', minLength: 1 },
          },
          additionalProperties: false,
        },
      },
    },
  },
};
