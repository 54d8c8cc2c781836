import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Signature, Signer } from '../signer.ts';
import { keyAlgorithm, keyFingerprint, readPrivateKey, toPublicKeyPEM } from '../../keys/keys.ts';
import type { SignerIdentity } from '../../verify/identity.ts';

/**
 * Signs with a local private key (ECDSA P-256 with SHA-256, DER signatures; or
 * Ed25519). The key hint it reports, which sigstore-js also copies into the
 * DSSE keyid, is the key's SSH-style fingerprint, so cosign accepts it.
 */
export class KeySigner implements Signer {
  readonly #privateKey: KeyObject;
  readonly #publicKeyPEM: string;
  /** SSH-style SHA256 fingerprint of the public half. */
  readonly fingerprint: string;
  /** Who a verifier will find signed what this signer signs. */
  readonly identity: SignerIdentity;
  readonly #hint: string;

  /** `options.hint` replaces the fingerprint as key hint, for formats that define their own (model-signing). */
  constructor(privateKey: KeyObject, options: { hint?: string } = {}) {
    const algorithm = keyAlgorithm(privateKey);
    this.#privateKey = privateKey;
    const publicKey = createPublicKey(privateKey);
    this.#publicKeyPEM = toPublicKeyPEM(publicKey);
    this.fingerprint = keyFingerprint(publicKey);
    this.identity = { kind: 'key', keyId: this.fingerprint, algorithm };
    this.#hint = options.hint ?? this.fingerprint;
  }

  async sign(data: Buffer): Promise<Signature> {
    // Ed25519 takes no digest; ECDSA P-256 is paired with SHA-256 as Sigstore expects.
    const digest = this.#privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return {
      signature: cryptoSign(digest, data, this.#privateKey),
      key: { $case: 'publicKey', publicKey: this.#publicKeyPEM, hint: this.#hint },
    };
  }
}

/** A signer for the private key in a PEM file (encrypted keys ask for their password as readPrivateKey does). */
export async function readKeySigner(path: string): Promise<KeySigner> {
  return new KeySigner(await readPrivateKey(path));
}
