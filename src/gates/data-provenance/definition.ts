import schema from '../../attest/schemas/data-provenance.schema.json' with { type: 'json' };
import type { SignerIdentity } from '../../verify/identity.ts';
import type { GateDefinition } from '../definition.ts';

/** Predicate type of a gatehouse training-data provenance attestation. */
export const DATA_PROVENANCE_TYPE = 'https://gatehouse.dev/attestations/data-provenance/v1';

/**
 * Training-data provenance: the training run's SLSA provenance verified
 * against the builders policy data names, with every material it resolved
 * recorded (kind, digest, the signature vouching for it). The policy
 * re-judges the materials against its allowlist, denylist and signer roles.
 */
export const dataProvenanceDefinition: GateDefinition = {
  name: 'data-provenance',
  predicateType: DATA_PROVENANCE_TYPE,
  predicateSchema: schema,
  policyBound: true,
  thresholdsSchema: {
    $id: 'https://gatehouse.dev/schemas/data-provenance/thresholds.json',
    type: 'object',
    required: ['builders', 'dataset_signers', 'base_model_publishers', 'approved_sources', 'denied_digests'],
    properties: {
      // Signer ids (signers.yaml) that may sign the training run's provenance.
      builders: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      // The data team: signer ids whose dataset attestations vouch for a dataset.
      dataset_signers: { type: 'array', items: { type: 'string', minLength: 1 } },
      // Signer ids whose model signature a base model must carry.
      base_model_publishers: { type: 'array', items: { type: 'string', minLength: 1 } },
      // URI prefixes of approved dataset sources: a pinned dataset from one needs no signature.
      // Each is scheme://host/ and a path ending in "/", so it names a directory, never a
      // prefix of a sibling host or folder (…/approved also begins …/approved-evil/).
      approved_sources: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+/([^?#]*/)?$' } },
      // Known-poisoned digests: no material may have one.
      denied_digests: {
        type: 'array',
        items: {
          type: 'object',
          required: ['digest', 'reason'],
          properties: { digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, reason: { type: 'string', minLength: 1 } },
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  },
  namedSigners(predicate) {
    // The policy maps each recorded signer to its policy ids by the bundle it signed.
    const named: Record<string, SignerIdentity | null> = {};
    const provenance = predicate['provenance'] as { bundleDigest: string; signer: SignerIdentity | null };
    named[provenance.bundleDigest] = provenance.signer;
    for (const material of predicate['materials'] as Array<{ signature: { bundleDigest: string; signer: SignerIdentity } | null }>) {
      if (material.signature !== null) named[material.signature.bundleDigest] = material.signature.signer;
    }
    return named;
  },
};
