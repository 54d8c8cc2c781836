import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakGlass } from '../../src/approval/break-glass.ts';
import { readPolicyBundle, readPolicyKey } from '../../src/policy/bundle.ts';
import { signedChain } from '../support/chain.ts';
import { POLICY_PUB, demoSigner } from '../support/policy.ts';
import { COMPLETE, DEPLOYED, PARTIAL, admissionReviewOf, chainTime, podServing, putAll, send, startServeWorld, startServer, type ServePolicy, type ServedChains } from '../support/serve.ts';

let policy: ServePolicy;
let world: ServedChains;

beforeAll(async () => {
  world = await startServeWorld({ tls: true });
  policy = world.policy;
});

afterAll(async () => {
  await world?.close();
});

const admit = (object: Record<string, unknown>, path = '/v1/admission/production', options: Parameters<typeof admissionReviewOf>[1] = {}) =>
  send(`${world.url}${path}`, { body: admissionReviewOf(object, options), ca: world.ca });

describe('POST /v1/admission over HTTPS', () => {
  describe('when a Pod names its model by annotation', () => {
    it('admits the model whose production chain is complete', async () => {
      const answer = await admit(podServing(COMPLETE, DEPLOYED));
      expect(answer.status).toBe(200);
      expect(answer.body.apiVersion).toBe('admission.k8s.io/v1');
      expect(answer.body.kind).toBe('AdmissionReview');
      expect(answer.body.response.uid).toBe('705ab4f5-6393-11e8-b7cc-42010a800002');
      expect(answer.body.response.allowed).toBe(true);
      expect(answer.body.response.auditAnnotations).toMatchObject({ 'gatehouse.dev/policy': `sha256:${policy.digest}`, 'gatehouse.dev/stage': 'production', 'gatehouse.dev/models': COMPLETE });
      expect(answer.body.response.warnings).toBeUndefined();
    });

    it('denies the model with only integrity and provenance, naming the violations', async () => {
      const answer = await admit(podServing(PARTIAL, DEPLOYED));
      expect(answer.status).toBe(200);
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.code).toBe(403);
      const message: string = answer.body.response.status.message;
      expect(message).toMatch(new RegExp(`^gatehouse denied ${PARTIAL} at production: `));
      for (const gate of ['regression', 'safety', 'bias', 'approval', 'canary']) expect(message).toContain(gate);
    });

    it('denies a model with no evidence at all', async () => {
      const answer = await admit(podServing(`sha256:${'00'.repeat(32)}`, DEPLOYED));
      expect(answer.body.response.allowed).toBe(false);
    });

    it('admits the complete chain at a stage that needs less of it, named by the path', async () => {
      const answer = await admit(podServing(COMPLETE, DEPLOYED), '/v1/admission/staging');
      expect(answer.body.response.allowed).toBe(true);
      expect(answer.body.response.auditAnnotations['gatehouse.dev/stage']).toBe('staging');
    });
  });

  describe('when the model is identified otherwise', () => {
    it('reads a Deployment pod template annotation', async () => {
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm' }, spec: { template: { metadata: { annotations: { 'gatehouse.dev/model': PARTIAL, 'gatehouse.dev/deployed-model': DEPLOYED } } } } };
      expect((await admit(deployment)).body.response.allowed).toBe(false);
      const good = structuredClone(deployment);
      good.spec.template.metadata.annotations['gatehouse.dev/model'] = COMPLETE;
      expect((await admit(good)).body.response.allowed).toBe(true);
    });

    it('reads a KServe InferenceService oci:// storage URI pinned by digest', async () => {
      const isvc = (uri: string) => ({
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name: 'llm', annotations: { 'gatehouse.dev/deployed-model': DEPLOYED } },
        spec: { predictor: { model: { modelFormat: { name: 'huggingface' }, storageUri: uri } } },
      });
      expect((await admit(isvc(`oci://registry.example/models/llm@${COMPLETE}`))).body.response.allowed).toBe(true);
      expect((await admit(isvc(`oci://registry.example/models/llm@${PARTIAL}`))).body.response.allowed).toBe(false);
      const tagged = await admit(isvc('oci://registry.example/models/llm:v3'));
      expect(tagged.body.response.allowed).toBe(false);
      expect(tagged.body.response.status.message).toContain('names no digest');
      const s3 = await admit(isvc('s3://bucket/llm'));
      expect(s3.body.response.allowed).toBe(false);
      expect(s3.body.response.status.message).toContain('cannot be pinned');
    });

    it('takes the replaced model from the old object on UPDATE, and refuses an annotation that disagrees with it', async () => {
      const old = podServing(DEPLOYED);
      const updated = podServing(COMPLETE);
      expect((await admit(updated, undefined, { oldObject: old })).body.response.allowed).toBe(true);
      const lying = await admit(podServing(COMPLETE, PARTIAL), undefined, { oldObject: old });
      expect(lying.body.response.allowed).toBe(false);
      expect(lying.body.response.status.message).toContain('the object being replaced serves');
    });

    it('denies every model an object names when one of them is denied', async () => {
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'llm', annotations: { 'gatehouse.dev/model': COMPLETE, 'gatehouse.dev/deployed-model': DEPLOYED } }, spec: { template: { metadata: { annotations: { 'gatehouse.dev/model': PARTIAL } } } } };
      const answer = await admit(deployment);
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.message).toContain(PARTIAL);
      expect(answer.body.response.status.message).not.toContain(`denied ${COMPLETE}`);
    });
  });

  describe('when nothing can be decided', () => {
    it('denies an object that names no model', async () => {
      const answer = await admit({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: {} });
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.message).toContain('no model identified');
    });

    it('denies a kind it does not judge', async () => {
      const answer = await admit({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', annotations: { 'gatehouse.dev/model': COMPLETE } } });
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.message).toContain('does not judge batch/v1 Job');
    });

    it('denies when no stage is known for the namespace', async () => {
      const answer = await admit(podServing(COMPLETE, DEPLOYED), '/v1/admission');
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.message).toContain('no stage for namespace "models"');
    });

    it('denies a malformed model annotation', async () => {
      const answer = await admit(podServing('sha256:abc', DEPLOYED));
      expect(answer.body.response.allowed).toBe(false);
      expect(answer.body.response.status.message).toContain('expected sha256:<64 hex digits>');
    });

    it('answers 400 to a body that is no AdmissionReview (there is no uid to answer)', async () => {
      const answer = await send(`${world.url}/v1/admission/production`, { body: { kind: 'Pod' }, ca: world.ca });
      expect(answer.status).toBe(400);
    });

    it('admits a DELETE, which serves no model', async () => {
      const answer = await admit(podServing(PARTIAL), undefined, { operation: 'DELETE' });
      expect(answer.body.response.allowed).toBe(true);
    });
  });
});

describe('admission by break-glass', () => {
  it('admits with a warning and an audit annotation when an on-call override stands in for approval', async () => {
    const model = `sha256:${'b6'.repeat(32)}` as const;
    const chain = await signedChain(model, DEPLOYED, chainTime(), policy.digest);
    await putAll(world.store, chain.filter(({ gate }) => gate !== 'approval' && gate !== 'approval-request' && gate !== 'canary'));
    const review = () => admit(podServing(model, DEPLOYED), '/v1/admission/production-canary');
    const before = await review();
    expect(before.body.response.allowed).toBe(false);
    expect(before.body.response.status.message).toContain('approval');
    await breakGlass({ subject: model, stage: 'production-canary', reason: 'incident 7: rollback', store: world.store, policy: await readPolicyBundle(policy.path, await readPolicyKey(POLICY_PUB)), signing: await demoSigner('oncall-erin'), at: new Date(Date.now() - 60_000) });
    const after = await review();
    expect(after.body.response.allowed).toBe(true);
    expect(after.body.response.warnings).toEqual([expect.stringMatching(/^gatehouse: admitted by a break-glass override of the approval gate, signed by .*: incident 7: rollback$/)]);
    expect(JSON.parse(after.body.response.auditAnnotations['gatehouse.dev/break-glass'])).toEqual([expect.objectContaining({ reason: 'incident 7: rollback' })]);
  });
});

describe('admission stage from a namespace map', () => {
  it('uses --namespace-stage when the path names no stage', async () => {
    const mapped = await startServer({ policyPath: policy.path, store: world.store, server: { namespaceStages: { models: 'production', sandbox: 'development' } } });
    try {
      const review = (object: Record<string, unknown>, namespace: string) => send(`${mapped.url}/v1/admission`, { body: admissionReviewOf(object, { namespace }) });
      expect((await review(podServing(COMPLETE, DEPLOYED), 'models')).body.response.allowed).toBe(true);
      expect((await review(podServing(PARTIAL, DEPLOYED), 'models')).body.response.allowed).toBe(false);
      // development needs only integrity and provenance, which PARTIAL has.
      expect((await review(podServing(PARTIAL), 'sandbox')).body.response.allowed).toBe(true);
      expect((await review(podServing(COMPLETE), 'elsewhere')).body.response.allowed).toBe(false);
    } finally {
      await mapped.server.close(100);
    }
  });
});
