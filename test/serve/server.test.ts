import { readFileSync, readdirSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarGz, writeTarGz } from '../../src/policy/tar.ts';
import { readKeySigner } from '../../src/sign/key/key-signer.ts';
import { gatehouseAsync, temporaryDirectory } from '../helpers.ts';
import { DEMO_KEYS, POLICY_PUB } from '../support/policy.ts';
import { COMPLETE, DEPLOYED, PARTIAL, admissionReviewOf, podServing, selfSignedCertificate, send, servePolicy, slowStore, startServeWorld, startServer, type ServePolicy, type ServedChains } from '../support/serve.ts';

let policy: ServePolicy;
let other: ServePolicy;
let world: ServedChains;

beforeAll(async () => {
  [world, other] = await Promise.all([startServeWorld(), servePolicy((data) => (data.stages.experimental = { required_gates: ['integrity'] }))]);
  policy = world.policy;
});

afterAll(async () => {
  await world?.close();
  other?.cleanup();
});

const decide = (url: string, body: unknown) => send(`${url}/v1/decisions`, { body });

describe('POST /v1/decisions', () => {
  it('answers what verify --json prints for the same decision', async () => {
    const served = await decide(world.url, { subject: COMPLETE, stage: 'production', deployed: DEPLOYED });
    const verified = await gatehouseAsync(['verify', '--subject', COMPLETE, '--stage', 'production', '--deployed', DEPLOYED, '--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${world.storeDir}`, '--json']);
    expect(verified.status).toBe(0);
    const cli = JSON.parse(verified.stdout);
    expect(served.status).toBe(200);
    expect(served.body.allowed).toBe(true);
    // Each decides at its own clock time, which the input digest covers.
    const timeless = ({ evaluationTime: _time, inputDigest: _digest, ...rest }: Record<string, unknown>) => rest;
    expect(timeless(served.body)).toEqual(timeless(cli));
    expect(Object.keys(served.body).sort()).toEqual(Object.keys(cli).sort());
  });

  it('answers a denial as 200 with the violations, as verify --json does', async () => {
    const served = await decide(world.url, { subject: PARTIAL, stage: 'production', deployed: DEPLOYED });
    expect(served.status).toBe(200);
    expect(served.body.allowed).toBe(false);
    expect(served.body.violations.map((v: { gate: string }) => v.gate)).toEqual(expect.arrayContaining(['regression', 'safety', 'bias', 'approval', 'canary']));
  });

  it('refuses a path for a subject (a server hashes no files), unknown fields and bad JSON with 400', async () => {
    expect((await decide(world.url, { subject: '/etc/passwd', stage: 'production' })).status).toBe(400);
    expect((await decide(world.url, { subject: COMPLETE, stage: 'production', at: '2020-01-01T00:00:00Z' })).body.error.message).toContain('unknown field(s): at');
    expect((await send(`${world.url}/v1/decisions`, { raw: Buffer.from('{') })).status).toBe(400);
    expect((await decide(world.url, { subject: COMPLETE })).body.error.message).toContain('stage');
  });

  it('answers 413 to a body over its bound, without reading it', async () => {
    const answer = await send(`${world.url}/v1/decisions`, { raw: Buffer.alloc(70 * 1024, 0x20) });
    expect(answer.status).toBe(413);
    const small = await startServer({ policyPath: policy.path, store: world.store, server: { maxBodyBytes: 1024 } });
    try {
      const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', padding: 'x'.repeat(2048) } };
      expect((await send(`${small.url}/v1/admission/production`, { body: review })).status).toBe(413);
    } finally {
      await small.server.close(100);
    }
  });

  it('with a decision key, has the signed record in the store before it answers', async () => {
    const recorder = { signer: await readKeySigner(join(DEMO_KEYS, 'decision-recorder.key')), source: 'decision-recorder.key' };
    const recording = await startServer({ policyPath: policy.path, store: world.store, recordSigner: recorder });
    try {
      const answer = await decide(recording.url, { subject: COMPLETE, stage: 'production', deployed: DEPLOYED });
      expect(answer.body.decisionRecord).toMatch(new RegExp(`^${world.storeDir}/decisions/[0-9a-f]{64}\\.sigstore\\.json$`));
      const record = JSON.parse(readFileSync(answer.body.decisionRecord, 'utf8'));
      const statement = JSON.parse(Buffer.from(record.dsseEnvelope.payload, 'base64').toString('utf8'));
      expect(statement.subject[0].digest.sha256).toBe(COMPLETE.slice(7));
      expect(statement.predicate.gatehouse.result.allowed).toBe(true);
      expect(statement.predicate.gatehouse.evaluationTimeSource).toBe('clock');
      // The record replays as the CLI would.
      const replay = await gatehouseAsync(['replay', answer.body.decisionRecord, '--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${world.storeDir}`]);
      expect(replay.status).toBe(0);
      expect(replay.stdout).toMatch(/identical/i);
      // An admission dry run records nothing (the webhook declares sideEffects: NoneOnDryRun); a real one does.
      const records = () => readdirSync(join(world.storeDir, 'decisions')).filter((name) => name.endsWith('.sigstore.json')).length;
      const before = records();
      const review = (dryRun: boolean) => send(`${recording.url}/v1/admission/staging`, { body: admissionReviewOf(podServing(PARTIAL, DEPLOYED), { dryRun }) });
      expect((await review(true)).body.response.allowed).toBe(false);
      expect(records()).toBe(before);
      expect((await review(false)).body.response.allowed).toBe(false);
      expect(records()).toBe(before + 1);
    } finally {
      await recording.server.close(100);
    }
  });
});

describe('operations endpoints', () => {
  it('/healthz answers while /readyz waits for a verified policy', async () => {
    const cold = await startServer({ policyPath: policy.path, store: world.store, load: false });
    try {
      expect((await send(`${cold.url}/healthz`)).status).toBe(200);
      expect((await send(`${cold.url}/readyz`)).status).toBe(503);
      const before = await decide(cold.url, { subject: COMPLETE, stage: 'production', deployed: DEPLOYED });
      expect(before.status).toBe(503);
      expect(before.body.error.code).toBe('NO_POLICY');
      await cold.server.reload();
      const ready = await send(`${cold.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.policy).toBe(`sha256:${policy.digest}`);
    } finally {
      await cold.server.close(100);
    }
  });

  it('/metrics counts decisions by result, latency, cache outcomes and store errors in Prometheus text', async () => {
    await decide(world.url, { subject: PARTIAL, stage: 'staging', deployed: DEPLOYED });
    await decide(world.url, { subject: PARTIAL, stage: 'staging', deployed: DEPLOYED });
    const metrics = await send(`${world.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    const text: string = metrics.body;
    expect(text).toMatch(/^gatehouse_decisions_total\{endpoint="decisions",result="denied"\} [1-9]/m);
    expect(text).toMatch(/^gatehouse_decisions_total\{endpoint="decisions",result="allowed"\} [1-9]/m);
    expect(text).toMatch(/^gatehouse_decision_duration_seconds_bucket\{le="\+Inf",endpoint="decisions"\} [1-9]/m);
    expect(text).toMatch(/^gatehouse_decision_cache_total\{outcome="hit"\} [1-9]/m);
    expect(text).toMatch(/^gatehouse_store_errors_total 0$/m);
    expect(text).toContain(`gatehouse_policy_info{digest="sha256:${policy.digest}"} 1`);
  });

  it('logs each decision as a structured entry', async () => {
    await decide(world.url, { subject: COMPLETE, stage: 'staging', deployed: DEPLOYED });
    expect(world.logs).toContainEqual(expect.objectContaining({ level: 'info', msg: 'decision', endpoint: 'decisions', subject: COMPLETE, stage: 'staging', allowed: true }));
  });
});

describe('policy reload', () => {
  it('puts a verified bundle in force, refuses a tampered or unsigned one and keeps serving the old', async () => {
    const dir = await temporaryDirectory();
    const path = join(dir, 'policy.tar.gz');
    await copyFile(policy.path, path);
    const reloading = await startServer({ policyPath: path, store: world.store });
    try {
      const experimental = () => decide(reloading.url, { subject: PARTIAL, stage: 'experimental' });
      expect((await experimental()).body.allowed).toBe(false);
      // Tampered: data.json changed after signing.
      const files = readTarGz(await readFile(policy.path), 'policy');
      files.set('data.json', Buffer.from(JSON.stringify({ ...JSON.parse(files.get('data.json')!.toString('utf8')), tampered: true })));
      await writeFile(path, writeTarGz(files));
      const tampered = await reloading.server.reload();
      expect(tampered.loaded).toBe(false);
      expect(tampered.problem).toMatch(/policy bundle refused/);
      // Unsigned: the signature file left out.
      files.delete('.signatures.json');
      await writeFile(path, writeTarGz(files));
      expect((await reloading.server.reload()).problem).toMatch(/no \.signatures\.json/);
      expect(reloading.logs.filter((entry) => entry.msg === 'policy refused; the policy in force keeps serving')).toHaveLength(2);
      expect((await send(`${reloading.url}/readyz`)).body.policy).toBe(`sha256:${policy.digest}`);
      const still = await decide(reloading.url, { subject: COMPLETE, stage: 'production', deployed: DEPLOYED });
      expect(still.body.allowed).toBe(true);
      expect(still.body.policy.digest).toBe(`sha256:${policy.digest}`);
      // A bundle that verifies replaces it, and decides at once (not from the old policy's cache).
      await copyFile(other.path, path);
      expect(await reloading.server.reload()).toEqual({ loaded: true, digest: other.digest });
      const swapped = await experimental();
      expect(swapped.body.allowed).toBe(true);
      expect(swapped.body.policy.digest).toBe(`sha256:${other.digest}`);
      expect((await send(`${reloading.url}/metrics`)).body).toMatch(/gatehouse_policy_reloads_total\{result="refused"\} 2/);
    } finally {
      await reloading.server.close(100);
    }
  });
});

describe('graceful shutdown', () => {
  it('answers the request in flight, turns unready and takes no new connection', async () => {
    let delay = 0;
    const slow = slowStore(world.store, () => delay);
    const stopping = await startServer({ policyPath: policy.path, store: slow });
    delay = 400;
    const inFlight = decide(stopping.url, { subject: COMPLETE, stage: 'production', deployed: DEPLOYED });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = stopping.server.close(5000);
    expect(stopping.server.ready).toBe(false);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.allowed).toBe(true);
    await closed;
    await expect(send(`${stopping.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('certificate rotation', () => {
  it('serves new connections with a rotated certificate, and refuses a key that is not the certificate\'s', async () => {
    const rotating = await startServer({ policyPath: policy.path, store: world.store, tls: true });
    try {
      const first = rotating.ca!;
      expect((await send(`${rotating.url}/healthz`, { ca: first })).status).toBe(200);
      const [a, b] = [selfSignedCertificate(await temporaryDirectory()), selfSignedCertificate(await temporaryDirectory())];
      expect(rotating.server.replaceCertificate({ cert: a.cert, key: b.key })).toBe(false);
      expect(rotating.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'certificate refused; the certificate in use keeps serving' }));
      expect((await send(`${rotating.url}/healthz`, { ca: first })).status).toBe(200);
      expect(rotating.server.replaceCertificate({ cert: a.cert, key: a.key })).toBe(true);
      expect((await send(`${rotating.url}/healthz`, { ca: a.cert })).status).toBe(200);
      await expect(send(`${rotating.url}/healthz`, { ca: first })).rejects.toThrow(/self[- ]signed|certificate/i);
    } finally {
      await rotating.server.close(100);
    }
  });
});
