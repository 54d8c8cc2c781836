import type { KeyObject } from 'node:crypto';
import { canonicalJSON } from '../canonical/json.ts';
import { DecisionEngine } from '../decide/decide.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { keyFingerprint } from '../keys/keys.ts';
import { readPolicyBundle } from '../policy/bundle.ts';

/** A verified policy bundle ready to decide with, and the digests a cached decision is keyed by. */
export interface LoadedPolicy {
  engine: DecisionEngine;
  /** sha256 (hex) of the bundle archive. */
  digest: string;
  /** sha256 (hex) of the trust material beyond the bundle: the policy key it verified under and the trusted roots its keyless signers are verified against. */
  trustDigest: string;
  loadedAt: Date;
}

/** Where a server's policy comes from: a bundle file, the key it must verify under, and how its engines are made. */
export interface PolicySourceOptions {
  path: string;
  /** The policy team's key, read once at start: a reload never changes whom the server trusts. */
  policyKey: KeyObject;
  tufCacheDirectory?: string;
  /** Verified evidence bundles each engine keeps (see DecisionEngine.create). */
  verifiedCacheSize?: number;
}

/**
 * Holds the policy a server decides with and replaces it only with a bundle
 * that verified: a load that fails (unsigned, tampered, unreadable, a policy
 * whose data is refused) throws and leaves the policy in force unchanged. A
 * bundle with the digest of the one in force is not verified or loaded again.
 */
export class PolicySource {
  readonly #options: PolicySourceOptions;
  #current: LoadedPolicy | undefined;

  constructor(options: PolicySourceOptions) {
    this.#options = options;
  }

  /** The policy in force, or undefined before the first load succeeded. */
  get current(): LoadedPolicy | undefined {
    return this.#current;
  }

  /** Reads and verifies the bundle file, and puts it in force; returns whether it changed the policy. */
  async load(): Promise<{ policy: LoadedPolicy; changed: boolean }> {
    const { path, policyKey, tufCacheDirectory, verifiedCacheSize } = this.#options;
    const bundle = await readPolicyBundle(path, policyKey);
    const current = this.#current;
    if (current !== undefined && current.digest === bundle.digest) return { policy: current, changed: false };
    const engine = await DecisionEngine.create(bundle, {
      ...(tufCacheDirectory === undefined ? {} : { tufCacheDirectory }),
      ...(verifiedCacheSize === undefined ? {} : { verifiedCacheSize }),
    });
    const trustDigest = sha256Hex(canonicalJSON({ policyKey: keyFingerprint(policyKey), trustedRoots: engine.signers.trustedRoots }));
    this.#current = { engine, digest: bundle.digest, trustDigest, loadedAt: new Date() };
    return { policy: this.#current, changed: true };
  }
}
