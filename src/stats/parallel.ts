import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { pairedBootstrap, type BootstrapOptions, type BootstrapResult, type PairedQuantiles, type QuantileChange } from './bootstrap.ts';

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
 * Runs independent bootstraps, in parallel on worker threads when the work is
 * large, largest first. Each job carries its seed, so results do not depend
 * on the number of threads or on scheduling.
 */
export async function runBootstraps(jobs: BootstrapJob[]): Promise<BootstrapJobResult[]> {
  const cost = (job: BootstrapJob) => (job.columns[0]?.length ?? job.quantiles?.baseline.length ?? 0) * (job.columns.length + (job.quantiles === undefined ? 0 : 3)) * (job.options.resamples ?? 2000);
  const total = jobs.reduce((sum, job) => sum + cost(job), 0);
  const threads = Math.min(jobs.length, availableParallelism());
  if (total < INLINE_WORK || threads < 2) return jobs.map((job) => pairedBootstrap(job.columns, job.quantiles, job.options));
  const order = jobs.map((_, i) => i).sort((a, b) => cost(jobs[b]!) - cost(jobs[a]!));
  const results = new Array<BootstrapJobResult>(jobs.length);
  let next = 0;
  const runner = async () => {
    const worker = new Worker(new URL('./bootstrap-worker.ts', import.meta.url));
    try {
      while (next < order.length) {
        const id = order[next++]!;
        results[id] = await new Promise<BootstrapJobResult>((resolve, reject) => {
          worker.once('message', (message: { id: number; result?: BootstrapJobResult; error?: string }) => (message.error === undefined ? resolve(message.result!) : reject(new Error(message.error))));
          worker.once('error', reject);
          worker.postMessage({ id, ...jobs[id]! });
        });
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: threads }, runner));
  return results;
}
