// A serving world for `gatehouse serve` tests and its benchmark: a test policy
// bundle, a folder store holding a complete signed production chain for one
// model and part of one for another, a certificate made by openssl, a
// GatehouseServer on loopback, and an HTTPS client that trusts that certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { readPolicyKey } from '../../src/policy/bundle.ts';
import { DecisionService, type DecisionCacheOptions } from '../../src/serve/decisions.ts';
import { ServeMetrics } from '../../src/serve/metrics.ts';
import { PolicySource } from '../../src/serve/policy-source.ts';
import { GatehouseServer, type LogEntry, type ServerOptions } from '../../src/serve/server.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { AttestationStore } from '../../src/store/store.ts';
import { pinChainDatasets, signedChain, type ChainBundle } from './chain.ts';
import { POLICY_PUB, buildTestBundle } from './policy.ts';

/** The model with a complete production chain, the one with only integrity and provenance, and the model both replace. */
export const COMPLETE: ArtifactDigest = `sha256:${'c7'.repeat(32)}`;
export const PARTIAL: ArtifactDigest = `sha256:${'9a'.repeat(32)}`;
export const DEPLOYED: ArtifactDigest = `sha256:${'d8'.repeat(32)}`;

/** A policy bundle for serving tests (the example policy with the chain's datasets pinned), and its folder. */
export interface ServePolicy {
  path: string;
  digest: string;
  cleanup: () => void;
}

/** Builds the policy bundle the chain is judged under; `patch` changes its data further. */
export async function servePolicy(patch: (data: Record<string, any>) => void = () => {}): Promise<ServePolicy> {
  const built = await buildTestBundle((data) => {
    pinChainDatasets(data);
    patch(data);
  });
  return { path: built.path, digest: built.bundle.digest, cleanup: built.cleanup };
}

/** When the chain was judged: two hours ago, to the second (its canary ended 31 minutes after). */
export function chainTime(now = Date.now()): string {
  return new Date(Math.floor(now / 1000) * 1000 - 7_200_000).toISOString().replace('.000Z', 'Z');
}

/** The complete chain for COMPLETE and the first two bundles (integrity, provenance) of PARTIAL's, under policy `digest`. */
export async function chains(digest: string, at = chainTime()): Promise<{ complete: ChainBundle[]; partial: ChainBundle[]; partialRest: ChainBundle[] }> {
  const [complete, partialAll] = await Promise.all([signedChain(COMPLETE, DEPLOYED, at, digest), signedChain(PARTIAL, DEPLOYED, at, digest)]);
  return { complete, partial: partialAll.slice(0, 2), partialRest: partialAll.slice(2) };
}

/** A certificate and key for 127.0.0.1 and localhost, made by openssl in `dir`. */
export function selfSignedCertificate(dir: string): { cert: Buffer; key: Buffer; certPath: string; keyPath: string } {
  const [certPath, keyPath] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=gatehouse.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), certPath, keyPath };
}

/** A running server and what it was made from. */
export interface ServeWorld {
  server: GatehouseServer;
  url: string;
  store: AttestationStore;
  storeDir: string;
  policies: PolicySource;
  decisions: DecisionService;
  metrics: ServeMetrics;
  logs: LogEntry[];
  ca?: Buffer;
  close(): Promise<void>;
}

/** Starts a GatehouseServer on 127.0.0.1 over `store` (a fresh folder store by default) with the policy at `policyPath`. */
export async function startServer(options: {
  policyPath: string;
  store?: AttestationStore;
  tls?: boolean;
  cache?: DecisionCacheOptions;
  now?: () => Date;
  load?: boolean;
  recordSigner?: ConstructorParameters<typeof DecisionService>[0]['recordSigner'];
  server?: Partial<ServerOptions>;
}): Promise<ServeWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-serve-'));
  const storeDir = join(dir, 'store');
  const store = options.store ?? new FileSystemAttestationStore(storeDir);
  const policies = new PolicySource({ path: options.policyPath, policyKey: await readPolicyKey(POLICY_PUB), verifiedCacheSize: 1024 });
  if (options.load !== false) await policies.load();
  const decisions = new DecisionService({ policies, store, ...(options.cache === undefined ? {} : { cache: options.cache }), ...(options.now === undefined ? {} : { now: options.now }), ...(options.recordSigner === undefined ? {} : { recordSigner: options.recordSigner }) });
  const metrics = new ServeMetrics();
  const logs: LogEntry[] = [];
  const certificate = options.tls === true ? selfSignedCertificate(dir) : undefined;
  const server = new GatehouseServer({ decisions, policies, metrics, log: (entry) => logs.push(entry), ...(certificate === undefined ? {} : { tls: certificate }), ...options.server });
  const address = await server.listen(0, '127.0.0.1');
  return {
    server,
    url: `${certificate === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}`,
    store,
    storeDir,
    policies,
    decisions,
    metrics,
    logs,
    ...(certificate === undefined ? {} : { ca: certificate.cert }),
    async close() {
      await server.close(1000);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A served world and the policy it serves; closing it removes both. */
export interface ServedChains extends ServeWorld {
  policy: ServePolicy;
}

/**
 * What most serving tests start from: a fresh serving policy, and a server (HTTPS with `tls`)
 * over a folder store holding COMPLETE's whole chain and PARTIAL's first two bundles under it.
 */
export async function startServeWorld(options: { tls?: boolean } = {}): Promise<ServedChains> {
  const policy = await servePolicy();
  let world: ServeWorld | undefined;
  try {
    world = await startServer({ policyPath: policy.path, tls: options.tls === true });
    const { complete, partial } = await chains(policy.digest);
    await putAll(world.store, [...complete, ...partial]);
  } catch (error) {
    await world?.close();
    policy.cleanup();
    throw error;
  }
  const started = world;
  return {
    ...started,
    policy,
    async close() {
      await started.close();
      policy.cleanup();
    },
  };
}

/** An HTTP(S) answer: status, headers and the body parsed as JSON (or as text when it is not JSON). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** Sends one request (JSON body when given) to `url`, trusting `ca` for HTTPS. */
export function send(url: string, options: { method?: string; body?: unknown; raw?: Buffer; ca?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const target = new URL(url);
  const payload = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) }), ...options.headers },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // metrics and other text answers
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** An AdmissionReview v1 for `object` (a CREATE unless `oldObject` is given). */
export function admissionReviewOf(object: Record<string, unknown>, options: { uid?: string; namespace?: string; oldObject?: Record<string, unknown>; operation?: string; dryRun?: boolean } = {}): Record<string, unknown> {
  const apiVersion = String(object['apiVersion']);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group, version, kind: object['kind'] },
      resource: { group, version, resource: `${String(object['kind']).toLowerCase()}s` },
      namespace: options.namespace ?? 'models',
      name: (object['metadata'] as { name?: string } | undefined)?.name ?? 'model',
      operation: options.operation ?? (options.oldObject === undefined ? 'CREATE' : 'UPDATE'),
      userInfo: { username: 'system:serviceaccount:ci:deployer' },
      object,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
    },
  };
}

/** A Pod serving `model`, replacing `deployed`. */
export function podServing(model: string, deployed?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'llm-0', namespace: 'models', annotations: { 'gatehouse.dev/model': model, ...(deployed === undefined ? {} : { 'gatehouse.dev/deployed-model': deployed }) } },
    spec: { containers: [{ name: 'server', image: 'ghcr.io/example/llm-server@sha256:' + '1'.repeat(64) }] },
  };
}

/** Puts every bundle of `chain` in `store`. */
export async function putAll(store: AttestationStore, chain: ReadonlyArray<{ bytes: Buffer }>): Promise<void> {
  for (const bundle of chain) await store.put(bundle.bytes);
}

/** `store` with every read delayed by `delay()` milliseconds (asked each time, so a test can slow it mid-way). */
export function slowStore(store: AttestationStore, delay: () => number): AttestationStore & { reads: number } {
  const wait = () => new Promise((resolve) => setTimeout(resolve, delay()));
  const slowed = {
    reads: 0,
    get uri() {
      return store.uri;
    },
    put: (bytes: Uint8Array) => store.put(bytes),
    get: async (digest: string) => (await wait(), store.get(digest)),
    list: async (...args: Parameters<AttestationStore['list']>) => {
      slowed.reads++;
      await wait();
      return store.list(...args);
    },
    subjects: () => store.subjects(),
    recordDecision: (bytes: Uint8Array) => store.recordDecision(bytes),
    inventoryHead: async () => (await wait(), store.inventoryHead()),
    inventoryOf: (...args: Parameters<AttestationStore['inventoryOf']>) => store.inventoryOf(...args),
    checkInventory: (...args: Parameters<AttestationStore['checkInventory']>) => store.checkInventory(...args),
    close: () => store.close(),
  } satisfies AttestationStore & { reads: number };
  return slowed;
}

/** A `gatehouse serve` process, its URL once it logged that it listens, and its log entries so far. */
export interface ServeProcess {
  child: import('node:child_process').ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until a log entry matches. */
  waitForLog(match: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts `gatehouse serve ARGS` (which should name --listen 127.0.0.1:0) and waits for it to listen. */
export async function spawnServe(args: string[], options: { https?: boolean; entry?: string } = {}): Promise<ServeProcess> {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('./paths.ts');
  const child = spawn(process.execPath, [options.entry ?? join(ROOT, 'cli', 'gatehouse.ts'), 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ text: line });
      }
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitForLog = (match: (entry: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log entry; logs: ${JSON.stringify(logs)}`)), timeoutMs);
      const check = () => {
        const found = logs.find(match);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`gatehouse serve exited ${child.exitCode}; logs: ${JSON.stringify(logs)}`));
        } else waiters.push(check);
      };
      check();
    });
  const listening = await waitForLog((entry) => entry['msg'] === 'listening');
  return { child, url: `${options.https === true ? 'https' : 'http'}://127.0.0.1:${String(listening['port'])}`, logs, exited, waitForLog };
}
