import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Signature, Signer } from '../signer.ts';
import { keyAlgorithm, keyFingerprint, toPublicKeyPEM } from '../../keys/keys.ts';

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
  readonly #hint: string;

  /** `options.hint` replaces the fingerprint as key hint, for formats that define their own (model-signing). */
  constructor(privateKey: KeyObject, options: { hint?: string } = {}) {
    keyAlgorithm(privateKey);
    this.#privateKey = privateKey;
    const publicKey = createPublicKey(privateKey);
    this.#publicKeyPEM = toPublicKeyPEM(publicKey);
    this.fingerprint = keyFingerprint(publicKey);
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
