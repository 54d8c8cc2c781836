import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEFAULT_RESAMPLES, pairedBootstrap, type BootstrapOptions, type BootstrapResult, type PairedQuantiles, type QuantileChange } from './bootstrap.ts';

/** One independent bootstrap: its own data and its own seed, so where it runs cannot change its result. */
export interface BootstrapJob {
  columns: Float64Array[];
  quantiles?: PairedQuantiles;
  options: BootstrapOptions;
}

export type BootstrapJobResult = { means: BootstrapResult[]; quantiles: QuantileChange[] };

// Below this much work (values x resamples) starting threads costs more than it saves.
const INLINE_WORK = 50_000_000;

/**
 * Worker threads kept for the life of the process, so a service or a
 * benchmark deciding many times starts them once. Idle workers do not keep
 * the process alive.
 */
class BootstrapThreads {
  readonly #idle: Worker[] = [];

  async run(job: BootstrapJob): Promise<BootstrapJobResult> {
    const worker = this.#idle.pop() ?? this.#start();
    worker.ref();
    // A worker that failed is gone: only one that answered goes back to the pool.
    let healthy = false;
    try {
      return await new Promise<BootstrapJobResult>((resolve, reject) => {
        const onMessage = (message: { result?: BootstrapJobResult; error?: string }) => {
          worker.off('error', onError);
          healthy = true;
          if (message.error === undefined) resolve(message.result!);
          else reject(new Error(message.error));
        };
        const onError = (error: Error) => {
          worker.off('message', onMessage);
          reject(error);
        };
        worker.once('error', onError);
        worker.once('message', onMessage);
        worker.postMessage(job);
      });
    } finally {
      if (healthy) {
        worker.unref();
        this.#idle.push(worker);
      } else {
        void worker.terminate();
      }
    }
  }

  #start(): Worker {
    return new Worker(new URL('./bootstrap-worker.ts', import.meta.url));
  }
}

const threads = new BootstrapThreads();

/**
 * Runs independent bootstraps, in parallel on worker threads when the work is
 * large, largest first. Each job carries its seed, so results do not depend
 * on the number of threads or on scheduling.
 */
export async function runBootstraps(jobs: BootstrapJob[]): Promise<BootstrapJobResult[]> {
  const cost = (job: BootstrapJob) => (job.columns[0]?.length ?? job.quantiles?.baseline.length ?? 0) * (job.columns.length + (job.quantiles === undefined ? 0 : 3)) * (job.options.resamples ?? DEFAULT_RESAMPLES);
  const total = jobs.reduce((sum, job) => sum + cost(job), 0);
  const width = Math.min(jobs.length, availableParallelism());
  if (total < INLINE_WORK || width < 2) return jobs.map((job) => pairedBootstrap(job.columns, job.quantiles, job.options));
  const order = jobs.map((_, i) => i).sort((a, b) => cost(jobs[b]!) - cost(jobs[a]!));
  const results = new Array<BootstrapJobResult>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < order.length) {
      const id = order[next++]!;
      results[id] = await threads.run(jobs[id]!);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}
