import { createHash } from 'node:crypto';

/**
 * SHA-256 of bytes held in memory, as lower-case hex: the one-shot hash every
 * digest of a whole document (a bundle, a report, canonical JSON) is made of.
 * Hashing that streams (a file, a model) keeps its own Hash object.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
