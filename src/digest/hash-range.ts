import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Bytes read per call; each hasher holds exactly one buffer this size, whatever the file size. */
export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * SHA-256 of bytes [start, end) of a file, streamed through one fixed buffer.
 * Fails when the file ends before `end`, because then it changed after the
 * size that planned this range was read.
 */
export async function hashFileRange(path: string, start: number, end: number, buffer: Buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)): Promise<Buffer> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    let position = start;
    while (position < end) {
      const want = Math.min(buffer.length, end - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) throw new Error(`file ended at byte ${position}, expected ${end} bytes`);
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest();
}
