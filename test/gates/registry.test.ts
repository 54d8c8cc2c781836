import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine } from '../../src/decide/decide.ts';
import { GateRegistry, gateRegistry } from '../../src/gates/registry.ts';
import { fileSink } from '../../src/gates/workflow.ts';
import { generateKeyPair } from '../../src/keys/keys.ts';
import { policyDataSchema } from '../../src/policy/data.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { storeEntries } from '../../src/store/store.ts';
import { toyDefinition } from '../fixtures/toy-gate/definition.ts';
import { toyGate } from '../fixtures/toy-gate/index.ts';
import { temporaryDirectory } from '../helpers.ts';
import { buildTestBundle } from '../support/policy.ts';

const SUBJECT = { name: 'toy-model', digest: `sha256:${'7a'.repeat(32)}` as const };
const AT = new Date('2026-11-30T10:00:00Z');
const toyKey = generateKeyPair();

// The only change outside the toy gate's folder: registering it.
gateRegistry.register(toyDefinition);

const toyData = (data: Record<string, any>) => {
  data['signers']['toy-gate'] = { kind: 'key', public_key: toyKey.publicKeyPEM };
  data['gates']['toy'] = { signers: ['toy-gate'], max_age_seconds: 3600 };
  data['stages']['toy-stage'] = { required_gates: ['toy'] };
  data['thresholds']['toy'] = { max_wobble: 0.1 };
};

describe('a gate registered from its own folder', () => {
  let built: Awaited<ReturnType<typeof buildTestBundle>>;
  beforeAll(async () => {
    built = await buildTestBundle(toyData);
  }, 120_000);
  afterAll(() => built?.cleanup());

  it('gets its facts into the built bundle and a decision on its own evidence: allowed when it passes, denied when it fails', async () => {
    const gates = (built.bundle.data['gatehouse'] as { gates: Record<string, unknown> }).gates;
    expect(gates['toy']).toEqual({ signers: ['toy-gate'], max_age_seconds: 3600, predicate_type: toyDefinition.predicateType, policy_bound: true, compares_with_deployed: false });
    const engine = await DecisionEngine.create(built.bundle);
    const signing = { signer: new KeySigner(createPrivateKey(toyKey.privateKeyPEM)) };
    const decide = async (wobble: number) => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      const outcome = await toyGate({ subject: SUBJECT, wobble, policy: built.bundle }, { evaluatedAt: AT, signing, sink: fileSink({ store }) });
      const decision = await engine.decide({ artifact: SUBJECT.digest, stage: 'toy-stage', deployed: null, evaluationTime: new Date(AT.getTime() + 60_000), evaluationTimeSource: 'requested', bundles: storeEntries(store, SUBJECT.digest) });
      return { outcome, decision };
    };
    const passing = await decide(0.05);
    expect(passing.outcome.statement.predicateType).toBe(toyDefinition.predicateType);
    expect(passing.decision.result.violations).toEqual([]);
    expect(passing.decision.result.allowed).toBe(true);
    const failing = await decide(0.5);
    expect(failing.outcome.statement.predicate!.verdict).toBe('fail');
    expect(failing.decision.result.allowed).toBe(false);
    expect(failing.decision.result.violations.map((v) => v.code)).toEqual(['gate_not_passed']);
  });

  it('has its thresholds checked when a bundle is built, before anything is signed', async () => {
    await expect(buildTestBundle((data) => {
      toyData(data);
      data['thresholds']['toy'] = { max_wobble: 'a lot' };
    })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/thresholds\.toy.*max_wobble.*must be number/) });
  }, 60_000);
});

describe('policy data checked against the registry when a bundle is built', () => {
  it('refuses thresholds no gate reads, and a gate fact that contradicts the registry', async () => {
    await expect(buildTestBundle((data) => {
      data['thresholds']['regresion'] = { metrics: {} };
    })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/thresholds\.regresion: no gate named regresion takes thresholds/) });
    await expect(buildTestBundle((data) => {
      data['gates']['regression']['predicate_type'] = 'https://example.com/not-regression/v1';
    })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/gates\.regression\.predicate_type is "https:\/\/example\.com\/not-regression\/v1", but gatehouse's regression gate has/) });
  }, 60_000);

  it('refuses a registered predicate type under another gate name, and a fact the registry leaves unset', async () => {
    await expect(buildTestBundle((data) => {
      data['gates']['reg'] = { predicate_type: 'https://gatehouse.dev/attestations/regression/v1', signers: ['regression-gate'] };
      delete data['gates']['regression'];
      for (const stage of Object.values(data['stages']) as Array<{ required_gates: string[] }>) stage.required_gates = stage.required_gates.map((gate) => (gate === 'regression' ? 'reg' : gate));
    })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/gates\.reg has the predicate type of gatehouse's regression gate/) });
    await expect(buildTestBundle((data) => {
      data['gates']['integrity']['dataset_field'] = 'artifact';
    })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/gates\.integrity\.dataset_field is "artifact", but gatehouse's integrity gate has none/) });
  }, 60_000);

  it('refuses, at decision time, a signed bundle whose gate facts were changed, and denies a required gate whose facts are missing', async () => {
    const { readPolicyBundle, readPolicyKey, verifyPolicyBundle, withPolicyData } = await import('../../src/policy/bundle.ts');
    const { generateKeyPairSync } = await import('node:crypto');
    const { ROOT } = await import('../helpers.ts');
    const { join } = await import('node:path');
    const committed = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPolicyKey(join(ROOT, 'examples', 'keys', 'policy-team.pub')));
    const team = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const resigned = (change: (gates: Record<string, Record<string, unknown>>) => void) => {
      const data = structuredClone(committed.data) as { gatehouse: { gates: Record<string, Record<string, unknown>> } };
      change(data.gatehouse.gates);
      return verifyPolicyBundle(withPolicyData(committed, data, team.privateKey), 'resigned', team.publicKey);
    };
    // A team that signs data saying regression compares with nothing would drop the baseline and tolerance checks.
    const lax = resigned((gates) => {
      gates['regression']!['compares_with_deployed'] = false;
    });
    await expect(DecisionEngine.create(lax)).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/gates\.regression\.compares_with_deployed is false, but gatehouse's regression gate has true/) });
    // Nor one saying the canary precedes approval, which would put it in the packet and judge it before the approval.
    expect(committed.data['gatehouse'] as { gates: Record<string, unknown> }).toMatchObject({ gates: { canary: { follows_approval: true } } });
    const early = resigned((gates) => {
      delete gates['canary']!['follows_approval'];
    });
    await expect(DecisionEngine.create(early)).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/gates\.canary\.follows_approval is unset, but gatehouse's canary gate has true/) });
    const factless = resigned((gates) => {
      delete gates['regression']!['compares_with_deployed'];
      delete gates['regression']!['dataset_field'];
    });
    // Thresholds of a gate the bundle's own Rego judges are left to it: the build, not the decision, refuses them.
    const custom = structuredClone(committed.data) as { gatehouse: { thresholds: Record<string, unknown> } };
    custom.gatehouse.thresholds['toxicity'] = { max: 0.1 };
    await expect(DecisionEngine.create(verifyPolicyBundle(withPolicyData(committed, custom, team.privateKey), 'custom', team.publicKey))).resolves.toBeDefined();
    const engine = await DecisionEngine.create(factless);
    const decision = await engine.decide({ artifact: SUBJECT.digest, stage: 'staging', deployed: null, evaluationTime: AT, evaluationTimeSource: 'requested', bundles: [] });
    expect(decision.result.violations.filter((v) => v.code === 'gate_facts_missing').map((v) => v.gate)).toEqual(['regression']);
  });

  it('publishes one complete schema with every gate\'s thresholds', () => {
    const schema = policyDataSchema(new GateRegistry(gateRegistry.all().filter((gate) => gate.name !== 'toy')));
    const thresholds = (schema['properties'] as Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>)['thresholds']!;
    expect(Object.keys(thresholds.properties!)).toEqual(['regression', 'safety', 'bias', 'robustness', 'backdoor', 'data-provenance', 'redteam', 'canary']);
    expect(thresholds.additionalProperties).toBe(false);
    expect(schema.$id).toBe('https://gatehouse.dev/schemas/policy/data/v1.json');
  });
});

describe('GateRegistry', () => {
  it('refuses a second gate with the same name or predicate type, and a name policy data cannot spell', () => {
    const registry = new GateRegistry([toyDefinition]);
    expect(() => registry.register({ ...toyDefinition, predicateType: 'https://example.com/other/v1' })).toThrow(/already registered/);
    expect(() => registry.register({ ...toyDefinition, name: 'toy2' })).toThrow(/cannot share the predicate type/);
    expect(() => registry.register({ ...toyDefinition, name: 'Toy Gate', predicateType: 'https://example.com/x/v1' })).toThrow(/lower-case/);
    expect(registry.byPredicateType(toyDefinition.predicateType)?.name).toBe('toy');
  });
});
