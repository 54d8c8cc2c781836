import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import type { WorkerScript } from '../package-files.ts';

// What the pool and a worker say to each other: a numbered task, answered by
// its number with a result or the message of what the worker threw.
interface TaskMessage<Task> {
  id: number;
  task: Task;
}

type ResultMessage<Result> = { id: number; result: Result } | { id: number; error: string };

interface Pending<Task, Result> {
  task: Task;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/**
 * Runs tasks on worker threads, one task per worker at a time, queueing the
 * rest in the order they were submitted. Workers start as tasks need them, up
 * to `size`, and are reused; an idle worker does not keep the process alive,
 * so a pool may live as long as the process. A worker that dies is dropped
 * and its task rejected; the others carry on. The script answers through
 * serveWorkerTasks.
 */
export class WorkerPool<Task, Result> {
  readonly size: number;
  readonly #script: WorkerScript;
  readonly #idle: Worker[] = [];
  readonly #queue: Array<Pending<Task, Result>> = [];
  readonly #running = new Map<number, { worker: Worker; pending: Pending<Task, Result> }>();
  #workers: Worker[] = [];
  #nextId = 0;

  constructor(script: WorkerScript, size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.#script = script;
    this.size = size;
  }

  /** Runs one task on the next free worker; rejects with the worker's error message when the task throws. */
  run(task: Task): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops every worker; queued and running tasks are rejected. */
  async close(): Promise<void> {
    for (const pending of this.#queue.splice(0)) pending.reject(new Error('worker pool closed'));
    for (const { pending } of this.#running.values()) pending.reject(new Error('worker pool closed'));
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
      worker.postMessage({ id, task: pending.task } satisfies TaskMessage<Task>);
    }
  }

  #spawn(): Worker | undefined {
    if (this.#workers.length >= this.size) return undefined;
    const script = this.#script;
    const worker = script instanceof URL ? new Worker(script) : new Worker(script.source, { eval: true });
    worker.on('message', (message: ResultMessage<Result>) => this.#settle(worker, message));
    worker.on('error', (error) => this.#drop(worker, error));
    worker.on('exit', (code) => this.#drop(worker, new Error(`worker exited with code ${code}`)));
    this.#workers.push(worker);
    return worker;
  }

  #settle(worker: Worker, message: ResultMessage<Result>): void {
    const running = this.#running.get(message.id);
    if (running === undefined) return;
    this.#running.delete(message.id);
    if ('error' in message) running.pending.reject(new Error(message.error));
    else running.pending.resolve(message.result);
    worker.unref();
    this.#idle.push(worker);
    this.#dispatch();
  }

  // A worker that failed outside a task (or exited) is gone: its task fails,
  // and queued tasks go to the others or to a new one.
  #drop(worker: Worker, error: Error): void {
    if (!this.#workers.includes(worker)) return;
    for (const [id, running] of this.#running) {
      if (running.worker === worker) {
        this.#running.delete(id);
        running.pending.reject(error);
      }
    }
    this.#workers = this.#workers.filter((w) => w !== worker);
    const idle = this.#idle.indexOf(worker);
    if (idle !== -1) this.#idle.splice(idle, 1);
    void worker.terminate();
    this.#dispatch();
  }
}

/** Answers a WorkerPool's tasks in this worker thread with `handle`; what it throws goes back as the task's error. */
export function serveWorkerTasks<Task, Result>(handle: (task: Task) => Result | Promise<Result>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveWorkerTasks runs only in a worker thread');
  port.on('message', ({ id, task }: TaskMessage<Task>) => {
    Promise.resolve()
      .then(() => handle(task))
      .then(
        (result) => port.postMessage({ id, result } satisfies ResultMessage<Result>),
        (error: unknown) => port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies ResultMessage<Result>),
      );
  });
}
