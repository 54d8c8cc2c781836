import { availableParallelism } from 'node:os';
import { WorkerPool } from '../concurrency/worker-pool.ts';
import { DEFAULT_RESAMPLES, pairedBootstrap, type BootstrapOptions, type BootstrapResult, type PairedQuantiles, type QuantileChange } from './bootstrap.ts';
import { workerScript } from '../package-files.ts';

/** One independent bootstrap: its own data and its own seed, so where it runs cannot change its result. */
export interface BootstrapJob {
  columns: Float64Array[];
  quantiles?: PairedQuantiles;
  options: BootstrapOptions;
}

export type BootstrapJobResult = { means: BootstrapResult[]; quantiles: QuantileChange[] };

// Below this much work (values x resamples) starting threads costs more than it saves.
const INLINE_WORK = 50_000_000;

// Worker threads kept for the life of the process, so a service or a
// benchmark deciding many times starts them once; idle ones do not keep the
// process alive.
const threads = new WorkerPool<BootstrapJob, BootstrapJobResult>(workerScript(import.meta.url, 'bootstrap-worker'), availableParallelism());

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
  // Largest first: the pool runs tasks in the order given, so the last to finish is a small one.
  const order = jobs.map((_, i) => i).sort((a, b) => cost(jobs[b]!) - cost(jobs[a]!));
  const results = new Array<BootstrapJobResult>(jobs.length);
  await Promise.all(order.map(async (id) => (results[id] = await threads.run(jobs[id]!))));
  return results;
}
