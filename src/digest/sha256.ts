import { createHash } from 'node:crypto';

/**
 * SHA-256 of bytes held in memory, as lower-case hex: the one-shot hash every
 * digest of a whole document (a bundle, a report, canonical JSON) is made of.
 * Hashing that streams (a file, a model) keeps its own Hash object.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// Digests of byte buffers already hashed, by the buffer object: a bundle read from a store is
// hashed by the store (to check it against its key) and again by each reader that keys on its
// bytes; once is enough. Only for bytes nobody changes after reading them.
const hashed = new WeakMap<Uint8Array, string>();

/**
 * sha256Hex of bytes read and never changed afterwards (a bundle as a store
 * returns it), computed once per buffer however many readers ask.
 */
export function sha256HexOfRead(bytes: Uint8Array): string {
  let digest = hashed.get(bytes);
  if (digest === undefined) {
    digest = sha256Hex(bytes);
    hashed.set(bytes, digest);
  }
  return digest;
}
