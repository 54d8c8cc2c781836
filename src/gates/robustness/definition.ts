import schema from '../../attest/schemas/robustness.schema.json' with { type: 'json' };
import type { GateDefinition } from '../definition.ts';

const maxima = { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } };

/** The robustness gate: attack success per attack family (LLMs) or prediction flips per perturbation family (classifiers), judged by an exact upper bound against maxima. */
export const robustnessDefinition: GateDefinition = {
  name: 'robustness',
  predicateType: 'https://gatehouse.dev/attestations/robustness/v1',
  predicateSchema: schema,
  policyBound: true,
  // Only predicates on gatehouse's own attack set name a dataset; policy data pins it.
  datasetField: 'dataset',
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/robustness/thresholds.json',
    type: 'object',
    required: ['attack_families', 'max_attack_success', 'max_flip_rate', 'sources'],
    properties: {
      attack_families: maxima,
      max_attack_success: { type: 'number', minimum: 0, maximum: 1 },
      flip_families: maxima,
      max_flip_rate: { type: 'number', minimum: 0, maximum: 1 },
      sources: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['gatehouse', 'garak', 'promptfoo', 'predictions'] } },
    },
    additionalProperties: false,
  },
};
