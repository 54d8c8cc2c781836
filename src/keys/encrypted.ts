import { createPrivateKey, scryptSync, type KeyObject } from 'node:crypto';
import { InputError, describeThrown } from '../error.ts';
import { passwordFor } from './password.ts';

const COSIGN_BLOCK = /-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----([\s\S]*?)-----END ENCRYPTED SIGSTORE PRIVATE KEY-----/;
const PKCS8_ENCRYPTED = '-----BEGIN ENCRYPTED PRIVATE KEY-----';

// scrypt costs beyond these would let a key file make reading it take gigabytes or minutes:
// memory 128·N·r bytes at most 256 MiB, work N·r·p at most 2^22 (cosign writes N = 2^16, r = 8, p = 1: 64 MiB, 2^19).
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_WORK = 2 ** 22;

/** Whether a PEM private key file is encrypted (cosign's format or encrypted PKCS#8). */
export function isEncryptedKey(pem: string): boolean {
  return COSIGN_BLOCK.test(pem) || pem.includes(PKCS8_ENCRYPTED);
}

/**
 * Decrypts a private key: cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` (scrypt and
 * NaCl secretbox around PKCS#8, what `cosign generate-key-pair` writes) or an
 * encrypted PKCS#8 PEM. The password comes from GATEHOUSE_PASSWORD, else
 * COSIGN_PASSWORD, else the prompt the command line set on a terminal.
 */
export async function decryptPrivateKey(pem: string, path: string): Promise<KeyObject> {
  const password = await passwordFor(path);
  if (password === undefined) {
    throw new InputError({ code: 'KEY_INVALID', message: 'is an encrypted private key: set GATEHOUSE_PASSWORD (or COSIGN_PASSWORD), or run on a terminal to be asked', path });
  }
  const cosign = COSIGN_BLOCK.exec(pem);
  if (cosign === null) {
    try {
      return createPrivateKey({ key: pem, format: 'pem', passphrase: password });
    } catch (cause) {
      throw new InputError({ code: 'KEY_INVALID', message: `cannot decrypt this private key: wrong password or a damaged file (${describeThrown(cause)})`, path, cause });
    }
  }
  const box = cosignBox(cosign[1]!, path);
  let key: Buffer;
  try {
    key = scryptSync(password, box.salt, 32, { ...box.scrypt, maxmem: MAX_SCRYPT_MEMORY + 16 * 1024 * 1024 });
  } catch (cause) {
    throw new InputError({ code: 'KEY_INVALID', message: `not a cosign encrypted key: scrypt refused its parameters ${JSON.stringify(box.scrypt)} (${describeThrown(cause)})`, path, cause });
  }
  // Loaded here, not with every command that reads a key.
  const { secretbox } = await import('@noble/ciphers/salsa.js');
  let der: Uint8Array;
  try {
    der = secretbox(key, box.nonce).open(box.ciphertext);
  } catch (cause) {
    throw new InputError({ code: 'KEY_INVALID', message: 'cannot decrypt this private key: wrong password or a damaged file', path, cause });
  }
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new InputError({ code: 'KEY_INVALID', message: `decrypted, but not a PKCS#8 private key (${describeThrown(cause)})`, path, cause });
  }
}

// The JSON inside cosign's PEM block: {kdf: {name: scrypt, params: {N, r, p}, salt}, cipher: {name: nacl/secretbox, nonce}, ciphertext}.
function cosignBox(body: string, path: string): { scrypt: { N: number; r: number; p: number }; salt: Buffer; nonce: Uint8Array; ciphertext: Uint8Array } {
  const bad = (problem: string): never => {
    throw new InputError({ code: 'KEY_INVALID', message: `not a cosign encrypted key: ${problem}`, path });
  };
  let json: { kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown }; cipher?: { name?: unknown; nonce?: unknown }; ciphertext?: unknown };
  try {
    json = JSON.parse(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
  } catch {
    return bad('the block is not base64 JSON');
  }
  if (json.kdf?.name !== 'scrypt') bad(`key derivation ${JSON.stringify(json.kdf?.name)} (only scrypt is read)`);
  if (json.cipher?.name !== 'nacl/secretbox') bad(`cipher ${JSON.stringify(json.cipher?.name)} (only nacl/secretbox is read)`);
  const { N, r, p } = json.kdf?.params ?? {};
  const whole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SCRYPT_WORK;
  if (!whole(N) || N < 2 || (N & (N - 1)) !== 0 || !whole(r) || !whole(p) || 128 * N * r > MAX_SCRYPT_MEMORY || N * r * p > MAX_SCRYPT_WORK) {
    bad(`scrypt parameters ${JSON.stringify(json.kdf?.params)} (N a power of two; at most 256 MiB, 128·N·r bytes, and 2^22 work, N·r·p)`);
  }
  const bytes = (value: unknown, what: string, length?: number): Buffer => {
    const decoded = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (decoded.length === 0 || (length !== undefined && decoded.length !== length)) bad(`${what} missing or of the wrong length`);
    return decoded;
  };
  return { scrypt: { N: N as number, r: r as number, p: p as number }, salt: bytes(json.kdf?.salt, 'salt'), nonce: bytes(json.cipher?.nonce, 'nonce', 24), ciphertext: bytes(json.ciphertext, 'ciphertext') };
}
