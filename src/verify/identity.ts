import type { KeyAlgorithm } from '../keys/keys.ts';

/**
 * Who signed a verified bundle: a key (named by its SSH-style fingerprint) or
 * a keyless identity (OIDC issuer and certificate subject alternative name).
 * Policies authorise signers by these names.
 */
export type SignerIdentity =
  | { kind: 'key'; keyId: string; algorithm: KeyAlgorithm }
  | { kind: 'keyless'; issuer: string; subject: string };

/** A single-string name of a signer, stable across runs: "key:SHA256:…" or "keyless:<issuer>|<subject>". */
export function signerName(identity: SignerIdentity): string {
  return identity.kind === 'key' ? `key:${identity.keyId}` : `keyless:${identity.issuer}|${identity.subject}`;
}
