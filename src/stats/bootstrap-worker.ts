// Worker thread body for runBootstraps: runs one bootstrap job per message.
import { parentPort } from 'node:worker_threads';
import { pairedBootstrap } from './bootstrap.ts';
import type { BootstrapJob } from './parallel.ts';

parentPort?.on('message', (job: BootstrapJob) => {
  try {
    parentPort!.postMessage({ result: pairedBootstrap(job.columns, job.quantiles, job.options) });
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
