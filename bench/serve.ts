// `gatehouse serve` under load, against the same decisions made by `gatehouse
// verify` processes. A real server process (the CLI) on loopback over a store
// holding complete signed production chains; autocannon posts to
// /v1/decisions from this process. Prints figures; never passes or fails.
//
//   cached:   one query, over and over (decision cache hits; each still reads the store's inventory head)
//   uncached: every request a new key (a new deployed-model digest) for a model of the working
//             set (--working-set, each asked once before by every worker: its evidence verified
//             and kept, as in a running server), so each is a whole evaluation over the store's
//             evidence; the deployed model is not the chain's baseline, so each is a denial
//   no cache: a second server with --decision-cache 0 asked about the working set with the
//             chains' deployed model: every request a whole evaluation, each an allow
//   cold:     (more --chains than the working set) models never asked about: every bundle is
//             also verified in the decision
//   CPU a decision: the CPU time the server's processes (and PostgreSQL's) used, per decision (robust to other load)
//   verify:   the same decisions, each by a fresh `gatehouse verify` process
//   memory:   the server's resident memory sampled across --requests cached requests
//
//   npm run bench:serve                                  (quick: 50 models, folder store, 5 s runs, --workers = the cores)
//   npm run bench:serve -- --store postgres --models 100000 --chains 2000 --duration 30 --requests 1000000
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mapConcurrent } from '../src/concurrency/map.ts';
import type { ArtifactDigest } from '../src/digest/artifact.ts';
import { sha256Hex } from '../src/digest/sha256.ts';
import { FileSystemAttestationStore } from '../src/store/fs-store.ts';
import { PostgresAttestationStore } from '../src/store/pg-store.ts';
import type { AttestationStore } from '../src/store/store.ts';
import { integrityPredicate, signedChain } from '../test/support/chain.ts';
import { POLICY_PUB, signedGate } from '../test/support/policy.ts';
import { startPostgres, type TestPostgres } from '../test/support/postgres.ts';
import { DEPLOYED, chainTime, servePolicy, spawnServe } from '../test/support/serve.ts';
import { ENTRY, ENTRY_NAME } from './production-chain.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '50' },
    store: { type: 'string', default: 'file' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    verifies: { type: 'string', default: '6' },
    requests: { type: 'string', default: '20000' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'working-set': { type: 'string', default: '200' },
    chains: { type: 'string' },
  },
});
const MODELS = Number(values.models);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const VERIFIES = Number(values.verifies);
const REQUESTS = Number(values.requests);
const WORKERS = Number(values.workers);
// The models the uncached run asks about, each already seen once (its evidence verified), as in a running server.
const WORKING_SET = Math.min(MODELS, Number(values['working-set']));
// Models with complete production chains (those the runs ask about come first); the rest of the store's models have an integrity attestation each.
const CHAINS = Math.min(MODELS, Number(values.chains ?? MODELS));
// Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat.
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
// The CPU time (milliseconds) a process has used, and with `reaped` that of its children it has waited for.
const processCPU = (pid: number, reaped = false): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    // Gone between the listing and the read: a connection closed.
    return 0;
  }
};
// The process ids of the children a process has now.
const childrenOf = (pid: number): number[] => {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(' ').map(Number);
};
const model = (index: number): ArtifactDigest => `sha256:${sha256Hex(`bench model ${index}`)}`;

const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-serve-'));
const policy = await servePolicy();
let postgres: TestPostgres | undefined;
let store: AttestationStore;
let storeURI: string;
if (values.store === 'postgres') {
  postgres = await startPostgres({ durable: true });
  storeURI = await postgres.createDatabase();
  const pg = new PostgresAttestationStore(storeURI);
  await pg.migrate();
  store = pg;
} else {
  storeURI = `file:${join(work, 'store')}`;
  store = new FileSystemAttestationStore(join(work, 'store'));
}
try {
  const at = chainTime();
  const loadStarted = performance.now();
  // Eight models signed and put at a time (each model's bundles in order), as the store benchmark's writers do.
  let perModel = 0;
  await mapConcurrent(Array.from({ length: MODELS }, (_, index) => index), 8, async (index) => {
    if (index >= CHAINS) {
      await store.put(await signedGate('integrity', 'integrity-gate', model(index), integrityPredicate(model(index), at)));
      return;
    }
    const chain = await signedChain(model(index), DEPLOYED, at, policy.digest);
    perModel = chain.length;
    for (const bundle of chain) await store.put(bundle.bytes);
  });
  await store.close();
  const filler = CHAINS < MODELS ? ` (the other ${(MODELS - CHAINS).toLocaleString('en')} with an integrity attestation each)` : '';
  console.log(`serve benchmark: ${MODELS.toLocaleString('en')} models, ${CHAINS.toLocaleString('en')} with complete production chains (${perModel} signed bundles each)${filler}, in a ${values.store === 'postgres' ? 'PostgreSQL (private cluster, fsync on)' : 'folder'} store, loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
  console.log(`  server: gatehouse serve from ${ENTRY_NAME}, --workers ${WORKERS}, HTTP on loopback; load: autocannon, ${CONNECTIONS} connections, ${DURATION} s a run, from this process, on the same ${availableParallelism()} cores`);

  const startServer = async (extra: string[] = []) => {
    const started = await spawnServe(['--policy', policy.path, '--policy-key', POLICY_PUB, '--store', storeURI, '--listen', '127.0.0.1:0', '--workers', String(WORKERS), ...extra], { entry: ENTRY });
    started.child.stderr!.resume();
    return started;
  };
  let serve = await startServer();
  // The server's processes: the one started and, with workers, its children.
  const processes = () => [serve.child.pid!, ...childrenOf(serve.child.pid!)];
  // CPU time the server's processes (all their threads) have used, in milliseconds: what a decision costs whatever else loads the machine.
  const serverCPU = () => processes().reduce((sum, pid) => sum + processCPU(pid), 0);
  // PostgreSQL's: the postmaster, its connections now, and those it has reaped.
  const postgresCPU = () => {
    if (postgres === undefined) return 0;
    const pid = postgres.pid();
    return processCPU(pid, true) + childrenOf(pid).reduce((sum, child) => sum + processCPU(child), 0);
  };
  const rss = () => processes().reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024, 0);
  try {
    const body = (deployed: string, index = 0) => JSON.stringify({ subject: model(index % MODELS), stage: 'production', deployed });
    // One connection a request, one request at a time: the cluster hands connections to its workers in turn,
    // so asking about each model as many times in a row as there are workers reaches every worker.
    const warm = async (deployed: string | null) => {
      for (let index = 0; index < WORKING_SET * WORKERS; index++) {
        const model = Math.floor(index / WORKERS);
        const answer = await fetch(`${serve.url}/v1/decisions`, { method: 'POST', headers: { connection: 'close' }, body: body(deployed ?? `sha256:${sha256Hex(`warm ${index}`)}`, model) });
        await answer.arrayBuffer();
      }
    };
    // A run's decisions are what the header says (an allow or a denial), checked on one of them.
    const expectAllowed = async (request: string, allowed: boolean) => {
      const summary = (await (await fetch(`${serve.url}/v1/decisions`, { method: 'POST', body: request })).json()) as { allowed?: unknown };
      if (summary.allowed !== allowed) throw new Error(`expected ${allowed ? 'an allow' : 'a denial'}, got ${JSON.stringify(summary)}`);
    };
    const run = async (name: string, options: Partial<autocannon.Options>) => {
      const cpuBefore = serverCPU();
      const postgresBefore = postgresCPU();
      const result = await autocannon({ url: `${serve.url}/v1/decisions`, method: 'POST', headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, duration: DURATION, ...options });
      const errors = result.errors + result.non2xx;
      const cpu = (serverCPU() - cpuBefore) / result.requests.total;
      const database = postgres === undefined ? '' : `, PostgreSQL ${((postgresCPU() - postgresBefore) / result.requests.total).toFixed(2)} ms`;
      console.log(`  ${name.padEnd(9)} ${result.requests.average.toFixed(0).padStart(6)} decisions/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   CPU a decision: server ${cpu.toFixed(2)} ms${database}   (${result.requests.total} requests, ${errors} errors or non-2xx)`);
      return result;
    };
    // Warm the cache for the one cached query, then measure.
    await expectAllowed(body(DEPLOYED), true);
    await run('cached', { body: body(DEPLOYED) });
    // Each model of the working set asked once by every worker, so its evidence is verified and kept; then a new key each request.
    await warm(null);
    await expectAllowed(body(`sha256:${sha256Hex('not the baseline')}`), false);
    let counter = 0;
    await run('uncached', {
      requests: [{ setupRequest: (request) => ({ ...request, body: body(`sha256:${sha256Hex(`deployed ${counter}`)}`, counter++ % WORKING_SET) }) }],
    });
    if (CHAINS > WORKING_SET) {
      // Models with chains never asked about (until they run out): every bundle verified in the decision.
      let fresh = 0;
      await run('cold', {
        requests: [{ setupRequest: (request) => ({ ...request, body: body(DEPLOYED, WORKING_SET + (fresh++ % (CHAINS - WORKING_SET))) }) }],
      });
    }
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    const cacheLine = (outcome: string) => Number(new RegExp(`^gatehouse_decision_cache_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    console.log(`  cache outcomes so far: ${cacheLine('hit')} hits, ${cacheLine('miss')} misses, ${cacheLine('joined')} joined`);

    // The same server without a decision cache: every request of the working set, allowed, a whole evaluation.
    serve.child.kill('SIGTERM');
    await serve.exited;
    serve = await startServer(['--decision-cache', '0']);
    await warm(DEPLOYED);
    await expectAllowed(body(DEPLOYED, 1), true);
    let next = 0;
    await run('no cache', { requests: [{ setupRequest: (request) => ({ ...request, body: body(DEPLOYED, next++ % WORKING_SET) }) }] });
    // Back to the server as users run it, for the memory run.
    serve.child.kill('SIGTERM');
    await serve.exited;
    serve = await startServer();
    await expectAllowed(body(DEPLOYED), true);

    // The same decisions by `gatehouse verify` processes, one after another.
    const verifyStarted = performance.now();
    for (let index = 0; index < VERIFIES; index++) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [ENTRY, 'verify', '--subject', model(index % MODELS), '--stage', 'production', '--deployed', DEPLOYED, '--policy', policy.path, '--policy-key', POLICY_PUB, '--store', storeURI, '--json'], { stdio: 'ignore' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`verify exited ${code}`))));
      });
    }
    const perVerify = (performance.now() - verifyStarted) / VERIFIES;
    console.log(`  verify    ${(1000 / perVerify).toFixed(1).padStart(6)} decisions/s   ${perVerify.toFixed(0)} ms a decision (${VERIFIES} gatehouse verify processes, one at a time)`);

    // Memory across many cached requests.
    const samples = [rss()];
    const slices = 5;
    for (let slice = 0; slice < slices; slice++) {
      await autocannon({ url: `${serve.url}/v1/decisions`, method: 'POST', headers: { 'content-type': 'application/json' }, body: body(DEPLOYED), connections: CONNECTIONS, amount: Math.ceil(REQUESTS / slices) });
      samples.push(rss());
    }
    console.log(`  memory    resident ${samples.map((mb) => mb.toFixed(0)).join(' → ')} MiB across ${REQUESTS.toLocaleString('en')} cached requests`);
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
} finally {
  await postgres?.stop();
  policy.cleanup();
  rmSync(work, { recursive: true, force: true });
}
