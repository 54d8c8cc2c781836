// Worker thread body for HashPool: hashes one file range per task, reusing
// one read buffer for its whole life so memory stays flat.
import { serveWorkerTasks } from '../concurrency/worker-pool.ts';
import { READ_CHUNK_BYTES, hashFileRange } from './hash-range.ts';
import type { HashTask } from './pool.ts';

const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);

serveWorkerTasks((task: HashTask): Promise<Uint8Array> => hashFileRange(task.path, task.start, task.end, buffer));
