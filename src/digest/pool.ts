import { availableParallelism } from 'node:os';
import { WorkerPool } from '../concurrency/worker-pool.ts';
import { workerScript } from '../package-files.ts';

/** A byte range of one file to hash. */
export interface HashTask {
  path: string;
  start: number;
  end: number;
}

/**
 * Hashes file ranges on worker threads, one range per worker at a time. The
 * caller submits every task up front; the pool starts no more workers than
 * tasks, and each worker streams through a single fixed buffer.
 */
export class HashPool {
  readonly #pool: WorkerPool<HashTask, Uint8Array>;

  constructor(size: number = availableParallelism()) {
    this.#pool = new WorkerPool(workerScript(import.meta.url, 'worker'), size);
  }

  /** How many worker threads the pool may run. */
  get size(): number {
    return this.#pool.size;
  }

  /** SHA-256 of one range. */
  async hash(task: HashTask): Promise<Buffer> {
    return Buffer.from(await this.#pool.run(task));
  }

  /** Stops every worker; pending tasks are rejected. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
