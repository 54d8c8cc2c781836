// `gatehouse serve --workers N`: N server processes sharing one address, so a
// server uses every core it is given. The primary process serves nothing: it
// starts the workers, starts another when one dies, passes SIGHUP (reload)
// and SIGTERM (stop) on, and gathers every worker's metrics when one of them
// is asked for /metrics. Each worker is a whole server (policy, caches, store
// connection), as a replica is.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { LogEntry } from './server.ts';

const METRICS_MESSAGE = 'gatehouse:metrics';

/** How long a worker waits for the primary to gather the cluster's metrics (milliseconds). */
const METRICS_TIMEOUT_MS = 5_000;

/** Whether this process is a worker the primary of `runWorkers` started. */
export function isServeWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker whose server stopped: closes the channel to the primary, which would keep it running, so it exits. */
export function leaveCluster(): void {
  cluster.worker?.disconnect();
}

/**
 * Runs `count` workers, each started with this process's own arguments, and
 * resolves with the exit code once all have stopped: 0 after SIGTERM or
 * SIGINT, or the code of a worker that failed before it listened (a bad
 * address, an unreachable store), which stops the others. A worker that dies
 * after it listened is logged and replaced.
 */
export function runWorkers(count: number, log: (entry: LogEntry) => void): Promise<number> {
  const aggregator = new AggregatorRegistry();
  const listened = new Set<number>();
  let stopping = false;
  let code = 0;
  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  const start = () => cluster.fork().once('listening', function (this: Worker) {
    listened.add(this.id);
  });
  // A worker asked for /metrics: every worker's registry, gathered and summed.
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== METRICS_MESSAGE) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_MESSAGE, id: message.id, text }),
      (error: unknown) => worker.send({ type: METRICS_MESSAGE, id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  const signal = (name: NodeJS.Signals) => {
    for (const worker of workers()) worker.process.kill(name);
  };
  const stop = () => {
    if (stopping) return;
    stopping = true;
    signal('SIGTERM');
  };
  const reload = () => signal('SIGHUP');
  process.on('SIGHUP', reload);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return new Promise((resolve) => {
    cluster.on('exit', (worker, exitCode, signalName) => {
      const wasListening = listened.delete(worker.id);
      if (!stopping && wasListening) {
        log({ level: 'error', msg: 'worker died; starting another', pid: worker.process.pid, code: exitCode, signal: signalName });
        start();
        return;
      }
      if (!stopping) {
        // It never listened: the others would fail the same way. Its own log said why.
        code = exitCode === 0 || exitCode === null ? 3 : exitCode;
        stop();
      }
      if (workers().length === 0) {
        process.off('SIGHUP', reload);
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve(code);
      }
    });
    for (let index = 0; index < count; index++) start();
  });
}

/**
 * In a worker: offers its registry to the primary's gathering, and returns
 * what /metrics answers, the whole cluster's metrics as the primary gathers
 * them (counters and histograms summed over the workers).
 */
export function clusterExposition(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // its constructor sets up this worker's answer to the primary's gathering
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: { type?: unknown; id?: unknown; text?: unknown; error?: unknown }) => {
    if (message?.type !== METRICS_MESSAGE || typeof message.id !== 'number') return;
    const request = waiting.get(message.id);
    if (request === undefined) return;
    waiting.delete(message.id);
    clearTimeout(request.timer);
    if (typeof message.text === 'string') request.resolve(message.text);
    else request.reject(new Error(`the primary could not gather the workers' metrics: ${String(message.error)}`));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the primary did not gather the workers' metrics within ${METRICS_TIMEOUT_MS} ms`));
      }, METRICS_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send!({ type: METRICS_MESSAGE, id });
    });
}
