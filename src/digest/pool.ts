import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashRequest, HashResponse } from './worker.ts';

/** A byte range of one file to hash. */
export interface HashTask {
  path: string;
  start: number;
  end: number;
}

interface Pending {
  task: HashTask;
  resolve: (digest: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * Hashes file ranges on worker threads, one range per worker at a time. The
 * caller submits every task up front; the pool starts no more workers than
 * tasks, and each worker streams through a single fixed buffer.
 */
export class HashPool {
  readonly size: number;
  readonly #idle: Worker[] = [];
  readonly #queue: Pending[] = [];
  readonly #running = new Map<number, { worker: Worker; pending: Pending }>();
  #workers: Worker[] = [];
  #nextId = 0;

  constructor(size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** SHA-256 of one range. */
  hash(task: HashTask): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops every worker; pending tasks are rejected. */
  async close(): Promise<void> {
    for (const pending of this.#queue.splice(0)) pending.reject(new Error('hash pool closed'));
    for (const { pending } of this.#running.values()) pending.reject(new Error('hash pool closed'));
    this.#running.clear();
    const workers = this.#workers;
    this.#workers = [];
    this.#idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? this.#spawn();
      if (worker === undefined) return;
      const pending = this.#queue.shift()!;
      const id = this.#nextId++;
      this.#running.set(id, { worker, pending });
      // A busy worker keeps the process alive; an idle one must not.
      worker.ref();
      worker.postMessage({ id, ...pending.task } satisfies HashRequest);
    }
  }

  #spawn(): Worker | undefined {
    if (this.#workers.length >= this.size) return undefined;
    const worker = new Worker(new URL('./worker.ts', import.meta.url));
    worker.on('message', (response: HashResponse) => this.#settle(worker, response));
    worker.on('error', (error) => this.#fail(worker, error));
    this.#workers.push(worker);
    return worker;
  }

  #settle(worker: Worker, response: HashResponse): void {
    const running = this.#running.get(response.id);
    if (running === undefined) return;
    this.#running.delete(response.id);
    if ('error' in response) running.pending.reject(new Error(response.error));
    else running.pending.resolve(Buffer.from(response.digest));
    worker.unref();
    this.#idle.push(worker);
    this.#dispatch();
  }

  #fail(worker: Worker, error: Error): void {
    for (const [id, running] of this.#running) {
      if (running.worker === worker) {
        this.#running.delete(id);
        running.pending.reject(error);
      }
    }
    this.#workers = this.#workers.filter((w) => w !== worker);
    this.#dispatch();
  }
}
