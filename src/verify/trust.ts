import type { KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import trustedRootSchema from './schemas/trusted-root.schema.json' with { type: 'json' };
import type { TrustedIdentity } from './certificate.ts';
import { keyAlgorithm, keyFingerprint, readPublicKey, type KeyAlgorithm } from '../keys/keys.ts';
import { readJSONFile } from '../io/read.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';

/** A public key whose signatures gatehouse accepts. */
export interface TrustedKey {
  publicKey: KeyObject;
  fingerprint: string;
  algorithm: KeyAlgorithm;
}

export type { TrustedIdentity } from './certificate.ts';

/** Trust material for keyless bundles and how many independent witnesses each must carry. */
export interface KeylessTrust {
  /** Names the root in what verified (a policy's trust_roots name, or the root's digest). */
  name?: string;
  /** Also checks the log entries key-signed bundles carry. */
  trustedRoot: TrustedRoot;
  /** None trusts no certificate: the root then serves key-signed bundles only. */
  identities: TrustedIdentity[];
  /** Rekor entries required (default 1). */
  tlogThreshold?: number;
  /** Signed certificate timestamps required (default 1). */
  ctlogThreshold?: number;
  /** Verified timestamps (Rekor integrated time or RFC 3161) required (default 1). */
  timestampThreshold?: number;
}

/**
 * Everything a bundle may be verified against; a bundle signed by anything
 * else is rejected. Several keyless trusts (one per trusted root) each accept
 * only their own identities: a certificate is accepted when one root verifies
 * it and that root trusts its identity.
 */
export interface TrustPolicy {
  keys?: TrustedKey[];
  keyless?: KeylessTrust | KeylessTrust[];
}

const trustedRootValidator: SchemaValidator<Record<string, unknown>> = compileSchema<Record<string, unknown>>(trustedRootSchema);

/** Wraps a public key as trust material. */
export function toTrustedKey(publicKey: KeyObject): TrustedKey {
  return { publicKey, fingerprint: keyFingerprint(publicKey), algorithm: keyAlgorithm(publicKey) };
}

/** Reads PEM public keys from files into trusted keys. */
export async function readTrustedKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  return Promise.all(paths.map(async (path) => toTrustedKey(await readPublicKey(path))));
}

/** Reads and schema-checks a Sigstore trusted_root.json. */
export async function readTrustedRoot(path: string): Promise<TrustedRoot> {
  return trustedRootFromJSON(await readJSONFile(path), path);
}

/** Schema-checks a parsed Sigstore trusted_root.json; `source` names it in errors. */
export function trustedRootFromJSON(json: unknown, source: string): TrustedRoot {
  trustedRootValidator.assert(json, source, 'Sigstore trusted root');
  return TrustedRoot.fromJSON(json);
}
