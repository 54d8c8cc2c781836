// Worker thread body for runBootstraps: runs one bootstrap job per task.
import { serveWorkerTasks } from '../concurrency/worker-pool.ts';
import { pairedBootstrap } from './bootstrap.ts';
import type { BootstrapJob, BootstrapJobResult } from './parallel.ts';

serveWorkerTasks((job: BootstrapJob): BootstrapJobResult => pairedBootstrap(job.columns, job.quantiles, job.options));
