// The HTTP(S) front of `gatehouse serve`: routes, bounded bodies, the internal
// deadline, JSON logs, metrics, policy reload and a graceful stop. Every path
// that cannot reach a decision answers without one (an error, a denial at
// admission, a hold for progressive delivery), never an allow.
import { createServer as createHTTPServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHTTPSServer, type Server as HTTPSServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { InputError, describeThrown } from '../error.ts';
import { classifyError } from '../error-classification.ts';
import { StoreError } from '../store/error.ts';
import { admissionRequestOf, admissionReview, admittedModels, breakGlassWarning, modelReference, type AdmissionAnswer } from './admission.ts';
import type { DecisionQuery, DecisionService, ServedDecision } from './decisions.ts';
import { ServeError } from './error.ts';
import type { ServeMetrics } from './metrics.ts';
import type { PolicySource } from './policy-source.ts';

/** One structured log entry; written as a JSON line. */
export type LogEntry = { level: 'info' | 'warn' | 'error'; msg: string } & Record<string, unknown>;

/** Writes log entries as JSON lines on stderr, each with its time. */
export function stderrLog(entry: LogEntry): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

/** How a server is set up. */
export interface ServerOptions {
  decisions: DecisionService;
  policies: PolicySource;
  metrics: ServeMetrics;
  log?: (entry: LogEntry) => void;
  /**
   * How long a request may take (milliseconds) before it is answered without a
   * decision: a denial at admission. Keep it under the webhook's timeoutSeconds
   * so the API server hears the denial, not its own time-out.
   */
  deadlineMs?: number;
  /** The largest request body read (bytes); larger ones are answered 413. */
  maxBodyBytes?: number;
  /** PEM certificate and key: HTTPS. Absent: plain HTTP (for a sidecar or a test). */
  tls?: { cert: Buffer; key: Buffer };
  /** The stage of each namespace, for admission requests whose path names none. */
  namespaceStages?: Readonly<Record<string, string>>;
  /** What /metrics answers (a cluster worker answers for every worker); default: this server's registry. */
  exposition?: () => Promise<string>;
}

/** The default internal deadline: 8 s, under the 10 s timeoutSeconds of deploy/kubernetes. */
export const DEFAULT_DEADLINE_MS = 8_000;
/** The default body bound: 3 MiB, an AdmissionReview carrying the largest object and its old version. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

const STAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * gatehouse's decision server. Endpoints:
 * POST /v1/decisions, POST /v1/admission[/STAGE], POST /v1/flagger/confirm-promotion,
 * POST /v1/flagger/rollback, GET|POST /v1/argo/metric, GET /healthz, /readyz, /metrics.
 */
export class GatehouseServer {
  readonly #options: ServerOptions & { deadlineMs: number; maxBodyBytes: number };
  readonly #server: Server;
  readonly #log: (entry: LogEntry) => void;
  #draining = false;

  constructor(options: ServerOptions) {
    this.#options = { ...options, deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
    this.#log = options.log ?? stderrLog;
    const handler = (request: IncomingMessage, response: ServerResponse) => void this.#handle(request, response);
    this.#server = options.tls === undefined ? createHTTPServer(handler) : createHTTPSServer({ cert: options.tls.cert, key: options.tls.key }, handler);
    // A client that sends its headers slowly is cut off rather than held open.
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = this.#options.deadlineMs + 5_000;
    const current = options.policies.current;
    if (current !== undefined) options.metrics.policyInfo.set({ digest: `sha256:${current.digest}` }, 1);
  }

  /** Starts listening; resolves with the address (port 0 picks a free one). */
  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#log({ level: 'info', msg: 'listening', address: address.address, port: address.port, tls: this.#options.tls !== undefined, pid: process.pid });
    return address;
  }

  /** Ready to decide: a verified policy is loaded and the server is not stopping. */
  get ready(): boolean {
    return !this.#draining && this.#options.policies.current !== undefined;
  }

  /**
   * Loads the policy bundle again (SIGHUP): a bundle that verifies replaces the
   * one in force; one that does not is refused and logged, and the old one keeps serving.
   */
  async reload(): Promise<{ loaded: boolean; digest?: string; problem?: string }> {
    const { policies, metrics } = this.#options;
    const before = policies.current;
    try {
      const { policy, changed } = await policies.load();
      metrics.reloads.inc({ result: changed ? 'loaded' : 'unchanged' });
      if (changed) {
        if (before !== undefined) metrics.policyInfo.remove({ digest: `sha256:${before.digest}` });
        metrics.policyInfo.set({ digest: `sha256:${policy.digest}` }, 1);
      }
      this.#log({ level: 'info', msg: changed ? 'policy loaded' : 'policy unchanged', policy: `sha256:${policy.digest}`, revision: policy.engine.bundle.revision });
      return { loaded: changed, digest: policy.digest };
    } catch (error) {
      const problem = classifyError(error).line;
      metrics.reloads.inc({ result: 'refused' });
      this.#log({ level: 'error', msg: 'policy refused; the policy in force keeps serving', problem, policy: before === undefined ? null : `sha256:${before.digest}` });
      return { loaded: false, problem };
    }
  }

  /**
   * Serves new connections with another certificate and key (a rotated
   * serving certificate); a pair that does not load (unreadable, or a key that
   * is not the certificate's) is refused and logged, and the old pair keeps serving.
   */
  replaceCertificate(tls: { cert: Buffer; key: Buffer }): boolean {
    if (this.#options.tls === undefined) return false;
    try {
      createSecureContext(tls);
      (this.#server as HTTPSServer).setSecureContext(tls);
      this.#log({ level: 'info', msg: 'certificate loaded' });
      return true;
    } catch (error) {
      this.#log({ level: 'error', msg: 'certificate refused; the certificate in use keeps serving', problem: describeThrown(error) });
      return false;
    }
  }

  /**
   * Stops gracefully (SIGTERM): /readyz turns 503 at once, no new connection
   * is accepted, requests in flight are answered, then idle connections close;
   * after `graceMs` any still open are cut.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.#draining = true;
    this.#log({ level: 'info', msg: 'shutting down' });
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => this.#server.closeAllConnections(), graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://gatehouse');
    const path = url.pathname;
    if (this.#draining) response.setHeader('connection', 'close');
    try {
      if (request.method === 'GET' && path === '/healthz') return send(response, 200, { status: 'ok' });
      if (request.method === 'GET' && path === '/readyz') {
        const policy = this.#options.policies.current;
        return send(response, this.ready ? 200 : 503, { ready: this.ready, policy: policy === undefined ? null : `sha256:${policy.digest}` });
      }
      if (request.method === 'GET' && path === '/metrics') {
        const { metrics, exposition } = this.#options;
        const text = await (exposition ?? (() => metrics.registry.metrics()))();
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
        return;
      }
      if (request.method === 'POST' && path === '/v1/decisions') return await this.#decisions(request, response);
      const admission = /^\/v1\/admission(?:\/([^/]+))?$/.exec(path);
      if (request.method === 'POST' && admission !== null) return await this.#admission(request, response, admission[1]);
      if (request.method === 'POST' && (path === '/v1/flagger/confirm-promotion' || path === '/v1/flagger/rollback')) return await this.#flagger(request, response, path.endsWith('rollback'));
      if ((request.method === 'GET' || request.method === 'POST') && path === '/v1/argo/metric') return await this.#argo(request, response, url);
      return send(response, 404, { error: { code: 'NOT_FOUND', message: `no endpoint ${request.method} ${path}` } });
    } catch (error) {
      this.#log({ level: 'error', msg: 'request failed', path, problem: describeThrown(error) });
      if (!response.headersSent) send(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      else response.destroy();
    }
  }

  // POST /v1/decisions: the decision as `verify --json` prints it; errors as the CLI classifies them (503 when the store is down).
  async #decisions(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const endpoint = 'decisions';
    try {
      const query = decisionQueryOf(await this.#body(request, 64 * 1024));
      const { decision, cache } = await this.#decide(query);
      this.#count(endpoint, decision.result.allowed ? 'allowed' : 'denied', started);
      this.#log({ level: 'info', msg: 'decision', endpoint, subject: query.subject, stage: query.stage, allowed: decision.result.allowed, cache });
      response.setHeader('x-gatehouse-cache', cache);
      send(response, 200, decision.summary);
    } catch (error) {
      const [status, body] = this.#failure(error, endpoint, started);
      send(response, status, body);
    }
  }

  // POST /v1/admission[/STAGE]: an AdmissionReview, always answered with a review (a denial when no decision is reached) unless it cannot be read at all.
  async #admission(request: IncomingMessage, response: ServerResponse, pathStage: string | undefined): Promise<void> {
    const started = performance.now();
    const endpoint = 'admission';
    let review: ReturnType<typeof admissionRequestOf>;
    try {
      review = admissionRequestOf(await this.#body(request, this.#options.maxBodyBytes));
    } catch (error) {
      const [status, body] = this.#failure(error, endpoint, started);
      return send(response, status, body);
    }
    const answer = (value: AdmissionAnswer, result: 'allowed' | 'denied' | 'error') => {
      this.#count(endpoint, result, started);
      this.#log({ level: result === 'allowed' ? 'info' : 'warn', msg: 'admission', uid: review.uid, kind: review.kind, namespace: review.namespace, name: review.name, operation: review.operation, allowed: value.allowed, message: value.message });
      send(response, 200, admissionReview(review.uid, value));
    };
    // Deleting serves no model; every other operation is judged.
    if (review.operation === 'DELETE') return answer({ allowed: true, message: 'gatehouse: deletion serves no model' }, 'allowed');
    try {
      const stage = pathStage === undefined ? this.#options.namespaceStages?.[review.namespace] : decodeURIComponent(pathStage);
      if (stage === undefined || !STAGE_PATTERN.test(stage)) {
        throw new InputError({ code: 'USAGE', message: `no stage for namespace ${JSON.stringify(review.namespace)}: the webhook path names none (/v1/admission/STAGE) and no --namespace-stage maps it` });
      }
      const { models, deployed } = admittedModels(review);
      const decided = await this.#withinDeadline(Promise.all(models.map(async (subject) => ({ subject, ...(await this.#options.decisions.decide({ subject, stage, deployed }, { record: !review.dryRun })) }))));
      const denied = decided.filter(({ decision }) => !decision.result.allowed);
      const policy = decided[0]!.decision.policy;
      const auditAnnotations: Record<string, string> = { 'gatehouse.dev/policy': `sha256:${policy}`, 'gatehouse.dev/stage': stage, 'gatehouse.dev/models': models.join(',') };
      if (denied.length > 0) {
        return answer({ allowed: false, message: denied.map(({ subject, decision }) => denialMessage(subject, stage, decision)).join(' | '), auditAnnotations }, 'denied');
      }
      const overrides = decided.flatMap(({ decision }) => decision.result.break_glass ?? []);
      if (overrides.length > 0) auditAnnotations['gatehouse.dev/break-glass'] = JSON.stringify(overrides);
      return answer({ allowed: true, message: `gatehouse: ${models.join(', ')} may serve at ${stage}`, warnings: overrides.map(breakGlassWarning), auditAnnotations }, 'allowed');
    } catch (error) {
      const { line } = this.#note(error);
      return answer({ allowed: false, message: `gatehouse denied: no decision was reached: ${line}` }, 'error');
    }
  }

  // Flagger webhooks: confirm-promotion answers 200 to go on; rollback answers 200 to roll back. No decision: hold (confirm) and roll back.
  async #flagger(request: IncomingMessage, response: ServerResponse, rollback: boolean): Promise<void> {
    const started = performance.now();
    const endpoint = rollback ? 'flagger-rollback' : 'flagger-confirm-promotion';
    try {
      const payload = (await this.#body(request, 64 * 1024)) as { name?: unknown; namespace?: unknown; metadata?: Record<string, unknown> } | null;
      const metadata = (payload?.metadata ?? {}) as Record<string, unknown>;
      const query = decisionQueryOf({ subject: metadata['model'], stage: metadata['stage'], ...(metadata['deployed'] === undefined ? {} : { deployed: metadata['deployed'] }) }, 'metadata.');
      const { decision } = await this.#decide(query);
      const allowed = decision.result.allowed;
      this.#count(endpoint, allowed ? 'allowed' : 'denied', started);
      this.#log({ level: 'info', msg: 'flagger', endpoint, canary: `${String(payload?.namespace)}/${String(payload?.name)}`, subject: query.subject, stage: query.stage, allowed });
      const go = rollback ? !allowed : allowed;
      send(response, go ? 200 : 403, { allowed, message: allowed ? 'gatehouse: allowed' : denialMessage(query.subject, query.stage, decision) });
    } catch (error) {
      const [status, body] = this.#failure(error, endpoint, started);
      // A rollback hook that cannot decide rolls back: 200; a promotion that cannot be decided holds.
      send(response, rollback ? 200 : status, body);
    }
  }

  // Argo Rollouts Web metric: JSON with the decision and the canary verdict, for successCondition: result.allowed == true.
  async #argo(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const endpoint = 'argo-metric';
    try {
      const input = request.method === 'GET' ? Object.fromEntries(url.searchParams) : await this.#body(request, 64 * 1024);
      const query = decisionQueryOf(input);
      const { decision } = await this.#decide(query);
      const { allowed } = decision.result;
      this.#count(endpoint, allowed ? 'allowed' : 'denied', started);
      send(response, 200, { allowed, verdict: allowed ? 'Successful' : 'Failed', canary: decision.result.gates['canary'] ?? null, decision: decision.summary });
    } catch (error) {
      const [status, body] = this.#failure(error, endpoint, started);
      send(response, status, body);
    }
  }

  async #decide(query: DecisionQuery): Promise<{ decision: ServedDecision; cache: string }> {
    const decided = await this.#withinDeadline(this.#options.decisions.decide(query));
    this.#options.metrics.cache.inc({ outcome: decided.cache });
    return decided;
  }

  // The decision, or DEADLINE when it is not reached in time (the evaluation runs on; a later caller may find it cached).
  async #withinDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ServeError({ code: 'DEADLINE', message: `no decision within the ${this.#options.deadlineMs} ms deadline` })), this.#options.deadlineMs);
    });
    work.catch(() => {});
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  // Counts and logs a failure; its status and one line.
  #note(error: unknown): { status: number; code: string; line: string } {
    const { metrics } = this.#options;
    if (error instanceof StoreError) metrics.storeErrors.inc();
    if (error instanceof ServeError) {
      if (error.code === 'DEADLINE') metrics.deadlines.inc();
      return { status: error.httpStatus, code: error.code, line: error.message };
    }
    const classified = classifyError(error);
    if (classified.kind === 'internal') this.#log({ level: 'error', msg: 'internal error', problem: classified.line, stack: error instanceof Error ? error.stack : undefined });
    return { status: classified.httpStatus, code: error instanceof Error && 'code' in error ? String(error.code) : 'INTERNAL', line: classified.line };
  }

  #failure(error: unknown, endpoint: string, started: number): [number, Record<string, unknown>] {
    const { status, code, line } = this.#note(error);
    this.#count(endpoint, 'error', started);
    this.#log({ level: 'warn', msg: 'no decision', endpoint, status, code, problem: line });
    return [status, { error: { code, message: line } }];
  }

  #count(endpoint: string, result: 'allowed' | 'denied' | 'error', started: number): void {
    this.#options.metrics.decisions.inc({ endpoint, result });
    this.#options.metrics.latency.observe({ endpoint }, (performance.now() - started) / 1000);
  }

  // Reads a JSON body of at most `limit` bytes (413 past it, without reading the rest).
  async #body(request: IncomingMessage, limit: number): Promise<unknown> {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      request.resume();
      throw new ServeError({ code: 'BODY_TOO_LARGE', message: `request body of ${declared} bytes exceeds ${limit}` });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        request.resume();
        throw new ServeError({ code: 'BODY_TOO_LARGE', message: `request body exceeds ${limit} bytes` });
      }
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (cause) {
      throw new InputError({ code: 'JSON_INVALID', message: 'request body is not JSON', cause });
    }
  }
}

/** A decision query from a request body: subject and deployed as digests (never a path: a server hashes no files), stage by name; nothing else. */
export function decisionQueryOf(body: unknown, prefix = ''): DecisionQuery {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InputError({ code: 'USAGE', message: 'expected a JSON object {subject, stage, deployed?}' });
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['subject', 'stage', 'deployed'].includes(key));
  if (unknown.length > 0) throw new InputError({ code: 'USAGE', message: `unknown field(s): ${unknown.join(', ')}` });
  const { subject, stage, deployed } = fields;
  if (typeof subject !== 'string') throw new InputError({ code: 'USAGE', message: `${prefix}subject: expected sha256:<digest> or oci://…@sha256:<digest>` });
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) throw new InputError({ code: 'USAGE', message: `${prefix}stage: expected a stage name` });
  if (deployed !== undefined && deployed !== null && typeof deployed !== 'string') throw new InputError({ code: 'USAGE', message: `${prefix}deployed: expected sha256:<digest>` });
  return {
    subject: modelReference(subject, `${prefix}subject`),
    stage,
    deployed: deployed === undefined || deployed === null || deployed === '' ? null : (parseDigest(deployed, `${prefix}deployed`) as ArtifactDigest),
  };
}

// One line naming the model, the stage and every violation.
function denialMessage(subject: string, stage: string, decision: ServedDecision): string {
  const violations = decision.result.violations.map((violation) => `[${violation.code}] ${violation.msg}`);
  return `gatehouse denied ${subject} at ${stage}: ${violations.join('; ') || 'the policy did not allow it'}`;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
