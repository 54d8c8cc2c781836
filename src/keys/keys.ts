import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InputError, describeThrown } from '../error.ts';
import { lstat } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic.ts';
import { readBoundedFile } from '../io/read.ts';
import { decryptPrivateKey, isEncryptedKey } from './encrypted.ts';

/** Signing algorithms gatehouse keys can use. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ed25519';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ecdsa-p256', 'ed25519'];

const MAX_KEY_BYTES = 64 * 1024;

/** A freshly generated key pair, PEM-encoded: PKCS#8 private, SPKI public. */
export interface PEMKeyPair {
  privateKeyPEM: string;
  publicKeyPEM: string;
}

/** Generates a key pair for signing attestations. */
export function generateKeyPair(algorithm: KeyAlgorithm = 'ecdsa-p256'): PEMKeyPair {
  const pair =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPEM: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPEM: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The algorithm of a key gatehouse can sign or verify with, or an error naming the file. */
export function keyAlgorithm(key: KeyObject, path?: string): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  const kind = key.asymmetricKeyType === 'ec' ? `ec ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
  throw new InputError({
    code: 'KEY_INVALID',
    message: `unsupported key type ${kind}; gatehouse uses ECDSA P-256 or Ed25519`,
    ...(path === undefined ? {} : { path }),
  });
}

/** Reads a PEM private key (PKCS#8, SEC1 or PKCS#1; encrypted PKCS#8 or cosign's encrypted format, see decryptPrivateKey) and checks its algorithm. */
export async function readPrivateKey(path: string): Promise<KeyObject> {
  const pem = await readBoundedFile(path, { maxBytes: MAX_KEY_BYTES });
  let key: KeyObject;
  if (isEncryptedKey(pem.toString('utf8'))) {
    key = await decryptPrivateKey(pem.toString('utf8'), path);
  } else {
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch (cause) {
      throw new InputError({ code: 'KEY_INVALID', message: `not a PEM private key (${describeThrown(cause)})`, path, cause });
    }
  }
  keyAlgorithm(key, path);
  return key;
}

/** Reads a PEM public key (SPKI), or derives it from a certificate-free PEM private key file. */
export async function readPublicKey(path: string): Promise<KeyObject> {
  const pem = await readBoundedFile(path, { maxBytes: MAX_KEY_BYTES });
  if (pem.includes('PRIVATE KEY-----')) {
    throw new InputError({ code: 'KEY_INVALID', message: 'is a private key; pass the public key (.pub)', path });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new InputError({ code: 'KEY_INVALID', message: `not a PEM public key (${describeThrown(cause)})`, path, cause });
  }
  keyAlgorithm(key, path);
  return key;
}

/**
 * The SSH-style fingerprint of a public key: "SHA256:" and the unpadded base64
 * SHA-256 of its SSH wire encoding, as `ssh-keygen -l` prints it. gatehouse
 * names key signers by it, and uses it as the DSSE keyid because cosign only
 * tries a key whose fingerprint matches a signature's non-empty keyid.
 */
export function keyFingerprint(publicKey: KeyObject): string {
  const wire = sshWireEncoding(publicKey);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

function sshWireEncoding(publicKey: KeyObject): Buffer {
  const algorithm = keyAlgorithm(publicKey);
  const jwk = publicKey.export({ format: 'jwk' });
  if (algorithm === 'ed25519') {
    return Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x!, 'base64url'))]);
  }
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The SPKI PEM of a public key, the form trust material and bundles carry. */
export function toPublicKeyPEM(key: KeyObject): string {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();
}

/** Where writeKeyPair put a new key pair, and the public key's fingerprint. */
export interface WrittenKeyPair {
  privateKey: string;
  publicKey: string;
  algorithm: KeyAlgorithm;
  keyId: string;
}

/**
 * Generates a key pair and writes PREFIX.key (mode 0600) and PREFIX.pub.
 * An existing file at either path is never replaced: losing a private key
 * is not undoable.
 */
export async function writeKeyPair(prefix: string, algorithm: KeyAlgorithm = 'ecdsa-p256'): Promise<WrittenKeyPair> {
  const privatePath = `${prefix}.key`;
  const publicPath = `${prefix}.pub`;
  for (const path of [privatePath, publicPath]) {
    if ((await lstat(path).catch(() => undefined)) !== undefined) throw new InputError({ code: 'USAGE', message: 'already exists; refusing to overwrite a key', path });
  }
  const pair = generateKeyPair(algorithm);
  await writeFileAtomic(privatePath, pair.privateKeyPEM, { mode: 0o600 });
  await writeFileAtomic(publicPath, pair.publicKeyPEM, { mode: 0o644 });
  return { privateKey: privatePath, publicKey: publicPath, algorithm, keyId: keyFingerprint(createPublicKey(pair.publicKeyPEM)) };
}
