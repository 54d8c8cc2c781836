import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETE, DEPLOYED, PARTIAL, send, slowStore, startServeWorld, startServer, type ServePolicy, type ServedChains } from '../support/serve.ts';

let policy: ServePolicy;
let world: ServedChains;

beforeAll(async () => {
  world = await startServeWorld();
  policy = world.policy;
});

afterAll(async () => {
  await world?.close();
});

// A Flagger webhook payload, its metadata as the Canary's webhook spec sets it.
const flagger = (metadata: Record<string, unknown>) => ({ name: 'llm', namespace: 'models', phase: 'Progressing', checksum: '85d557f47b', metadata });

describe('Flagger webhooks', () => {
  describe('confirm-promotion', () => {
    it('answers 200 (promote) for a model whose chain allows the stage, and 403 (hold) with the violations otherwise', async () => {
      const go = await send(`${world.url}/v1/flagger/confirm-promotion`, { body: flagger({ model: COMPLETE, stage: 'production', deployed: DEPLOYED }) });
      expect(go.status).toBe(200);
      expect(go.body.allowed).toBe(true);
      const hold = await send(`${world.url}/v1/flagger/confirm-promotion`, { body: flagger({ model: PARTIAL, stage: 'production', deployed: DEPLOYED }) });
      expect(hold.status).toBe(403);
      expect(hold.body.message).toContain(`gatehouse denied ${PARTIAL} at production`);
    });

    it('holds when the metadata names no model (400) and when no decision is reached in time (503)', async () => {
      expect((await send(`${world.url}/v1/flagger/confirm-promotion`, { body: flagger({ stage: 'production' }) })).status).toBe(400);
      const slow = await startServer({ policyPath: policy.path, store: slowStore(world.store, () => 1000), server: { deadlineMs: 100 } });
      try {
        expect((await send(`${slow.url}/v1/flagger/confirm-promotion`, { body: flagger({ model: COMPLETE, stage: 'production', deployed: DEPLOYED }) })).status).toBe(503);
        // The rollback hook rolls back when it cannot decide.
        expect((await send(`${slow.url}/v1/flagger/rollback`, { body: flagger({ model: COMPLETE, stage: 'production', deployed: DEPLOYED }) })).status).toBe(200);
      } finally {
        await slow.server.close(100);
      }
    });
  });

  describe('rollback', () => {
    it('answers 200 (roll back) for a denied model and 403 (carry on) for an allowed one', async () => {
      expect((await send(`${world.url}/v1/flagger/rollback`, { body: flagger({ model: PARTIAL, stage: 'production', deployed: DEPLOYED }) })).status).toBe(200);
      expect((await send(`${world.url}/v1/flagger/rollback`, { body: flagger({ model: COMPLETE, stage: 'production', deployed: DEPLOYED }) })).status).toBe(403);
    });
  });
});

describe('Argo Rollouts Web metric', () => {
  it('answers the decision and the canary verdict as JSON, by GET query or POST body', async () => {
    const good = await send(`${world.url}/v1/argo/metric?subject=${COMPLETE}&stage=production&deployed=${DEPLOYED}`);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ allowed: true, verdict: 'Successful', canary: { status: 'present' } });
    expect(good.body.decision.policy.digest).toBe(`sha256:${policy.digest}`);
    const bad = await send(`${world.url}/v1/argo/metric`, { body: { subject: PARTIAL, stage: 'production', deployed: DEPLOYED } });
    expect(bad.body).toMatchObject({ allowed: false, verdict: 'Failed', canary: { status: 'missing' } });
    expect(bad.body.decision.violations.length).toBeGreaterThan(0);
  });

  it('answers an error status, never a verdict, when it cannot decide', async () => {
    const answer = await send(`${world.url}/v1/argo/metric?subject=${COMPLETE}`);
    expect(answer.status).toBe(400);
    expect(answer.body.allowed).toBeUndefined();
  });
});
