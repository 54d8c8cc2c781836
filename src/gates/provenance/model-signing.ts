import { createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { toStatement, type Statement } from '../../attest/statement.ts';
import { hashModelDirectory, DEFAULT_IGNORE_PATHS, type ModelDigestOptions, type ModelManifest, type Serialization } from '../../digest/model.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { toPublicKeyPEM } from '../../keys/keys.ts';
import { signStatement, type SigningOptions } from '../../sign/attest.ts';
import { KeySigner } from '../../sign/key/key-signer.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import modelSignatureSchema from './model-signature.schema.json' with { type: 'json' };

/** Predicate type of an OpenSSF model-signing signature. */
export const MODEL_SIGNING_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** Conventional file name of a model-signing signature inside the model directory. */
export const MODEL_SIGNATURE_FILE = 'model.sig';

/** The predicate of a model-signing v1.0 signature. */
export interface ModelSigningPredicate {
  serialization: { method: 'files' | 'shards'; hash_type: string; allow_symlinks?: boolean; shard_size?: number; ignore_paths?: string[] };
  resources: Array<{ name: string; algorithm: string; digest: string }>;
}

/** The per-resource algorithm name model-signing records: "sha256", or "sha256-sharded-<shard size>". */
export function resourceAlgorithm(serialization: { method: 'files' | 'shards'; shard_size?: number }): string {
  return serialization.method === 'shards' ? `sha256-sharded-${serialization.shard_size}` : 'sha256';
}

export const modelSigningValidator: SchemaValidator<ModelSigningPredicate> = compileSchema<ModelSigningPredicate>(modelSignatureSchema);

/**
 * The statement OpenSSF model-signing signs for a manifest: the model name and
 * root digest as subject, the serialization and every resource in the predicate.
 */
export function toModelSigningStatement(manifest: ModelManifest): Statement {
  const serialization: ModelSigningPredicate['serialization'] =
    manifest.serialization.method === 'files'
      ? { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: manifest.ignorePaths }
      : { method: 'shards', hash_type: 'sha256', shard_size: manifest.serialization.shardSize, allow_symlinks: false, ignore_paths: manifest.ignorePaths };
  return toStatement({
    subjects: [{ name: manifest.modelName, digest: { sha256: manifest.digest } }],
    predicateType: MODEL_SIGNING_PREDICATE_TYPE,
    predicate: {
      serialization,
      resources: manifest.resources.map((r) => ({ name: r.name, algorithm: resourceAlgorithm(serialization), digest: r.digest })),
    },
  });
}

/** The key hint model-signing writes and checks: hex SHA-256 of the public key's SPKI PEM. */
export function modelSigningKeyHint(publicKey: KeyObject): string {
  return sha256Hex(toPublicKeyPEM(createPublicKey(publicKey)));
}

/** A KeySigner whose bundles carry the key hint model-signing checks, so `model_signing verify key` accepts them. */
export function modelSigningKeySigner(privateKey: KeyObject): KeySigner {
  return new KeySigner(privateKey, { hint: modelSigningKeyHint(privateKey) });
}

/**
 * Signs a model directory the way model_signing does and writes
 * `<dir>/model.sig`, so a training pipeline without Python can produce what
 * the provenance gate and model-signing both verify: with a key (use
 * modelSigningKeySigner) or keyless.
 */
export async function signModelDirectory(
  directory: string,
  signing: SigningOptions,
  options: { serialization?: Serialization; onProgress?: ModelDigestOptions['onProgress'] } = {},
): Promise<{ manifest: ModelManifest; signaturePath: string }> {
  const manifest = await hashModelDirectory(directory, { ignorePaths: DEFAULT_IGNORE_PATHS, ...options });
  const bundle = await signStatement(toModelSigningStatement(manifest), signing);
  const signaturePath = join(directory, MODEL_SIGNATURE_FILE);
  await writeFileAtomic(signaturePath, `${JSON.stringify(bundle)}\n`);
  return { manifest, signaturePath };
}
