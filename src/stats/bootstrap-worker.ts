// Worker thread body for runBootstraps: runs one bootstrap task per message.
import { parentPort } from 'node:worker_threads';
import { pairedBootstrap, type BootstrapOptions, type PairedQuantiles } from './bootstrap.ts';

export interface BootstrapTask {
  id: number;
  columns: Float64Array[];
  quantiles?: PairedQuantiles;
  options: BootstrapOptions;
}

parentPort?.on('message', (task: BootstrapTask) => {
  try {
    parentPort!.postMessage({ id: task.id, result: pairedBootstrap(task.columns, task.quantiles, task.options) });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
