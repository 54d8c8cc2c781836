// Worker thread body for HashPool: hashes one file range per message, reusing
// one read buffer for its whole life so memory stays flat.
import { parentPort } from 'node:worker_threads';
import { READ_CHUNK_BYTES, hashFileRange } from './hash-range.ts';

export interface HashRequest {
  id: number;
  path: string;
  start: number;
  end: number;
}

export type HashResponse = { id: number; digest: Uint8Array } | { id: number; error: string };

const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);

parentPort?.on('message', (request: HashRequest) => {
  hashFileRange(request.path, request.start, request.end, buffer).then(
    (digest) => parentPort!.postMessage({ id: request.id, digest } satisfies HashResponse),
    (error: unknown) =>
      parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies HashResponse),
  );
});
