import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { PostgresAttestationStore } from '../../src/store/pg-store.ts';
import { temporaryDirectory } from '../helpers.ts';
import { DEMO_KEYS, POLICY_PUB } from '../support/policy.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { COMPLETE, DEPLOYED, PARTIAL, admissionReviewOf, chains, podServing, putAll, send, servePolicy, slowStore, spawnServe, startServer, type ServePolicy } from '../support/serve.ts';

let policy: ServePolicy;
let signed: Awaited<ReturnType<typeof chains>>;

beforeAll(async () => {
  policy = await servePolicy();
  signed = await chains(policy.digest);
});

afterAll(() => policy?.cleanup());

const admission = (url: string, model = COMPLETE) => send(`${url}/v1/admission/production`, { body: admissionReviewOf(podServing(model, DEPLOYED)) });
const decision = (url: string) => send(`${url}/v1/decisions`, { body: { subject: COMPLETE, stage: 'production', deployed: DEPLOYED } });

describe('when the PostgreSQL store stops', () => {
  let postgres: TestPostgres;

  beforeAll(async () => {
    postgres = await startPostgres();
  });

  afterAll(async () => {
    await postgres?.stop();
  });

  it('lets stateless replicas share it: evidence put after both denied is seen by both at once', async () => {
    const url = await postgres.createDatabase();
    const stores = [new PostgresAttestationStore(url), new PostgresAttestationStore(url)];
    await stores[0]!.migrate();
    await putAll(stores[0]!, signed.partial);
    const replicas = await Promise.all(stores.map((store) => startServer({ policyPath: policy.path, store })));
    try {
      for (const replica of replicas) expect((await admission(replica.url, PARTIAL)).body.response.allowed).toBe(false);
      await putAll(stores[1]!, signed.partialRest);
      for (const replica of replicas) expect((await admission(replica.url, PARTIAL)).body.response.allowed).toBe(true);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  it('denies admission and answers the decisions API 503, the cached allow notwithstanding, and recovers when it is back', async () => {
    const url = await postgres.createDatabase();
    const store = new PostgresAttestationStore(url);
    await store.migrate();
    await putAll(store, signed.complete);
    const world = await startServer({ policyPath: policy.path, store });
    try {
      expect((await admission(world.url)).body.response.allowed).toBe(true);
      expect((await decision(world.url)).body.allowed).toBe(true);
      await postgres.halt();
      const denied = await admission(world.url);
      expect(denied.status).toBe(200);
      expect(denied.body.response.allowed).toBe(false);
      expect(denied.body.response.status.message).toMatch(/^gatehouse denied: no decision was reached: /);
      const unavailable = await decision(world.url);
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.error.code).toBe('UNAVAILABLE');
      expect((await send(`${world.url}/metrics`)).body).toMatch(/^gatehouse_store_errors_total [2-9]/m);
      await postgres.start();
      expect((await admission(world.url)).body.response.allowed).toBe(true);
    } finally {
      await world.close();
    }
  });
});

describe('when the store is slow', () => {
  it('holds the deadline and denies, never allows; the decisions API answers 503', async () => {
    let delay = 0;
    const dir = await temporaryDirectory();
    const base = new FileSystemAttestationStore(join(dir, 'store'));
    await putAll(base, signed.complete);
    const world = await startServer({ policyPath: policy.path, store: slowStore(base, () => delay), server: { deadlineMs: 300 } });
    try {
      delay = 1500;
      const started = performance.now();
      const denied = await admission(world.url);
      const elapsed = performance.now() - started;
      expect(denied.body.response.allowed).toBe(false);
      expect(denied.body.response.status.message).toContain('no decision within the 300 ms deadline');
      expect(elapsed).toBeLessThan(1200);
      const late = await decision(world.url);
      expect(late.status).toBe(503);
      expect(late.body.error.code).toBe('DEADLINE');
      expect((await send(`${world.url}/metrics`)).body).toMatch(/^gatehouse_deadline_exceeded_total 2$/m);
    } finally {
      delay = 0;
      await world.close();
    }
  });
});

describe('when the server is killed while it writes decision records', () => {
  it('leaves no partial record: every record in the store is whole (its name is the digest of its bytes)', async () => {
    const dir = await temporaryDirectory();
    const storeDir = join(dir, 'store');
    await putAll(new FileSystemAttestationStore(storeDir), signed.complete);
    const serve = await spawnServe(['--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', '127.0.0.1:0', '--decision-key', join(DEMO_KEYS, 'decision-recorder.key')]);
    // Distinct subjects, so every request makes (and records) a decision of its own.
    const subjects = Array.from({ length: 400 }, (_, index) => `sha256:${sha256Hex(`model ${index}`)}`);
    const requests = subjects.map((subject) => send(`${serve.url}/v1/decisions`, { body: { subject, stage: 'development' } }).catch(() => undefined));
    const decisions = join(storeDir, 'decisions');
    // Killed once some records are written and more are being written.
    for (let waited = 0; waited < 30_000; waited += 20) {
      let written = 0;
      try {
        written = readdirSync(decisions).filter((name) => name.endsWith('.sigstore.json')).length;
      } catch {
        // not created yet
      }
      if (written >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    serve.child.kill('SIGKILL');
    expect(await serve.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const answered = (await Promise.all(requests)).filter((answer) => answer?.status === 200);
    const records = readdirSync(decisions).filter((name) => name.endsWith('.sigstore.json'));
    expect(records.length).toBeGreaterThanOrEqual(20);
    expect(records.length).toBeLessThan(subjects.length);
    for (const name of records) {
      const bytes = readFileSync(join(decisions, name));
      expect(`${sha256Hex(bytes)}.sigstore.json`).toBe(name);
      expect(JSON.parse(bytes.toString('utf8')).dsseEnvelope.payload).toBeTypeOf('string');
    }
    // Every answer sent named a record that is whole in the store.
    for (const answer of answered) expect(records).toContain(answer!.body.decisionRecord.split('/').at(-1));
  });
});
