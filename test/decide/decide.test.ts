import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine, type Decision, type DecisionRequest } from '../../src/decide/decide.ts';
import { signDecision } from '../../src/decide/record.ts';
import { replayDecision, verifyDecisionRecord } from '../../src/decide/replay.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PolicyError } from '../../src/policy/error.ts';
import { join } from 'node:path';
import type { StoredBundle } from '../../src/store/store.ts';
import { EVALUATION_SET, asStored, integrityPredicate, provenancePredicate, regressionPredicate } from '../support/chain.ts';
import { buildTestBundle, demoSigner, signedGate } from '../support/policy.ts';
import { temporaryDirectory } from '../helpers.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'a1'.repeat(32)}`;
const OTHER: ArtifactDigest = `sha256:${'b2'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d3'.repeat(32)}`;
const NOW = new Date('2026-11-20T12:00:00Z');
const EARLIER = '2026-11-20T11:00:00Z';

let engine: DecisionEngine;
let cleanup: () => void;

beforeAll(async () => {
  // The real policies and data, plus a stage that needs the regression gate, a
  // pinned evaluation set, and a provenance gate the integrity key may also sign.
  const built = await buildTestBundle((data) => {
    data.stages.test = { required_gates: ['integrity', 'provenance', 'regression'] };
    data.gates.provenance.signers = ['provenance-gate', 'integrity-gate'];
    data.datasets = { regression: EVALUATION_SET };
  });
  cleanup = built.cleanup;
  engine = await DecisionEngine.create(built.bundle);
});

afterAll(() => cleanup?.());

const integrity = (subject: ArtifactDigest, at = EARLIER) => integrityPredicate(subject, at);
const provenance = (subject: ArtifactDigest, at = EARLIER) => provenancePredicate(subject, at, engine.bundle.digest);
const regression = (baseline: ArtifactDigest = DEPLOYED, at = EARLIER) => regressionPredicate(baseline, at, engine.bundle.digest, ARTIFACT);

async function stored(bytes: Buffer, name: string): Promise<StoredBundle> {
  return asStored([{ name, bytes }])[0]!;
}

async function completeChain(subject = ARTIFACT): Promise<StoredBundle[]> {
  return Promise.all([
    signedGate('integrity', 'integrity-gate', subject, integrity(subject)).then((b) => stored(b, 'integrity')),
    signedGate('provenance', 'provenance-gate', subject, provenance(subject)).then((b) => stored(b, 'provenance')),
    signedGate('regression', 'regression-gate', subject, regression()).then((b) => stored(b, 'regression')),
  ]);
}

function decide(bundles: StoredBundle[], overrides: Partial<DecisionRequest> = {}): Promise<Decision> {
  return engine.decide({ artifact: ARTIFACT, stage: 'test', deployed: DEPLOYED, evaluationTime: NOW, evaluationTimeSource: 'requested', bundles, ...overrides });
}

// Violation codes in order; a gate without acceptable evidence also carries required_gate_unsatisfied.
const codes = (decision: Decision) => decision.result.violations.map((v) => v.code).sort();

describe('DecisionEngine', () => {
  describe('#decide', () => {
    it('allows a complete, independently signed, fresh chain and names each signer', async () => {
      const decision = await decide(await completeChain());
      expect(decision.result.violations).toEqual([]);
      expect(decision.result.allowed).toBe(true);
      expect(decision.result.gates.integrity).toMatchObject({ status: 'present', verdicts: ['pass'], signers: [expect.stringMatching(/^key:SHA256:/)] });
      expect(decision.input.attestations.every((record) => record.verified)).toBe(true);
      expect(decision.inputDigest).toMatch(/^[0-9a-f]{64}$/);
    });

    it('is deterministic: the same request gives the same input digest and result', async () => {
      const chain = await completeChain();
      const first = await decide(chain);
      const second = await decide([...chain].reverse());
      expect(second.inputDigest).toBe(first.inputDigest);
      expect(second.result).toEqual(first.result);
    });

    it('denies a missing gate', async () => {
      const chain = await completeChain();
      const decision = await decide(chain.filter((b) => !b.location.includes('regression')));
      expect(decision.result.allowed).toBe(false);
      expect(codes(decision)).toEqual(['required_gate_missing', 'required_gate_unsatisfied']);
      expect(decision.result.gates.regression!.status).toBe('missing');
    });

    it('denies an attestation signed by a signer not authorised for its gate', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('integrity'));
      const bySafetyKey = await stored(await signedGate('integrity', 'safety-gate', ARTIFACT, integrity(ARTIFACT)), 'integrity');
      const decision = await decide([...chain, bySafetyKey]);
      expect(codes(decision)).toEqual(['required_gate_unsatisfied', 'signer_not_authorised']);
      expect(decision.result.violations.find((v) => v.code === 'signer_not_authorised')!.msg).toMatch(/integrity: .* is not authorised for this gate \(authorised: integrity-gate\)/);
      expect(decision.result.gates.integrity!.status).toBe('rejected');
    });

    it('denies one signer counting for two gates', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('provenance'));
      const byIntegrityKey = await stored(await signedGate('provenance', 'integrity-gate', ARTIFACT, provenance(ARTIFACT)), 'provenance');
      const decision = await decide([...chain, byIntegrityKey]);
      expect(codes(decision)).toEqual(['signer_reused_across_gates']);
    });

    it('denies when the only attestation of a gate is about another artifact', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('integrity'));
      const aboutOther = await stored(await signedGate('integrity', 'integrity-gate', OTHER, integrity(OTHER)), 'integrity');
      const decision = await decide([...chain, aboutOther]);
      expect(codes(decision)).toEqual(['required_gate_unsatisfied', 'subject_mismatch']);
      expect(decision.result.violations.find((v) => v.code === 'subject_mismatch')!.msg).toContain(`is about ${OTHER}, not ${ARTIFACT}`);
    });

    it('denies a stale attestation and one dated after the evaluation time', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('integrity'));
      const stale = await stored(await signedGate('integrity', 'integrity-gate', ARTIFACT, integrity(ARTIFACT, '2026-11-10T12:00:00Z')), 'integrity');
      expect(codes(await decide([...chain, stale]))).toEqual(['attestation_stale', 'required_gate_unsatisfied']);
      const future = await stored(await signedGate('integrity', 'integrity-gate', ARTIFACT, integrity(ARTIFACT, '2026-11-20T12:00:01Z')), 'integrity');
      expect(codes(await decide([...chain, future]))).toEqual(['attestation_from_future', 'required_gate_unsatisfied']);
    });

    it('denies a regression baseline that is not the deployed model, and a request without one', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('regression'));
      const wrongBaseline = await stored(await signedGate('regression', 'regression-gate', ARTIFACT, regression(OTHER)), 'regression');
      const decision = await decide([...chain, wrongBaseline]);
      expect(codes(decision)).toEqual(['baseline_mismatch']);
      expect(decision.result.violations[0]!.msg).toBe(`regression: baseline was ${OTHER}, but the deployed model is ${DEPLOYED}`);
      expect(codes(await decide(await completeChain(), { deployed: null }))).toEqual(['deployed_model_unknown']);
    });

    it('re-judges figures against the policy thresholds, whatever the gate concluded', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('regression'));
      const loose = regression() as unknown as { metrics: Array<{ name: string; delta: number; ci: { low: number; high: number; level: number }; n: number; method: string }> };
      loose.metrics[0] = { name: 'accuracy', delta: -0.02, ci: { low: -0.03, high: -0.01, level: 0.95 }, n: 5000, method: 'tango-score' };
      const passedAnyway = await stored(await signedGate('regression', 'regression-gate', ARTIFACT, loose as never), 'regression');
      const decision = await decide([...chain, passedAnyway]);
      expect(codes(decision)).toEqual(['metric_out_of_tolerance']);
    });

    it('treats a bundle that fails verification as evidence of nothing, naming the gate it claims', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('integrity'));
      const { generateKeyPair } = await import('../../src/keys/keys.ts');
      const { KeySigner } = await import('../../src/sign/key/key-signer.ts');
      const { attestGate } = await import('../../src/gates/gate.ts');
      const { createPrivateKey } = await import('node:crypto');
      const stranger = { signer: new KeySigner(createPrivateKey(generateKeyPair().privateKeyPEM)) };
      const run = await attestGate({ name: 'model', digest: ARTIFACT }, integrity(ARTIFACT), stranger);
      const untrusted = await stored(Buffer.from(JSON.stringify(run.bundle)), 'integrity');
      const decision = await decide([...chain, untrusted]);
      expect(codes(decision)).toEqual(['attestation_unverified', 'required_gate_unsatisfied']);
      expect(decision.result.gates.integrity!.status).toBe('rejected');
      expect(decision.input.attestations.find((r) => !r.verified)).toMatchObject({ verified: false, reason: expect.stringContaining('does not verify with any trusted key'), claimed_predicate_type: 'https://gatehouse.dev/attestations/integrity/v1' });
    });

    it('rejects a signed gate predicate that breaks its schema before the policy sees it', async () => {
      const chain = (await completeChain()).filter((b) => !b.location.includes('integrity'));
      const { signStatement } = await import('../../src/sign/attest.ts');
      const { toStatement } = await import('../../src/attest/statement.ts');
      const malformed = toStatement({
        subjects: [{ digest: { sha256: ARTIFACT.slice(7) } }],
        predicateType: 'https://gatehouse.dev/attestations/integrity/v1',
        predicate: { gate: 'integrity', verdict: 'pass', evaluatedAt: 'yesterday' },
      });
      const bundle = await signStatement(malformed, await demoSigner('integrity-gate'));
      const decision = await decide([...chain, await stored(Buffer.from(JSON.stringify(bundle)), 'integrity')]);
      expect(decision.result.allowed).toBe(false);
      expect(decision.input.attestations.find((r) => !r.verified)).toMatchObject({ reason: expect.stringContaining('does not match its schema') });
    });

    it('refuses a policy whose answer breaks the result schema, naming the bundle and the field', async () => {
      // The real policy, with one field of its answer changed to a string.
      const broken = await buildTestBundle(
        (data) => {
          data.stages.test = { required_gates: ['integrity', 'provenance', 'regression'] };
        },
        (policies) => {
          const file = join(policies, 'decision', 'decision.rego');
          const source = readFileSync(file, 'utf8');
          expect(source).toContain('"allowed": count(violations) == 0,');
          writeFileSync(file, source.replace('"allowed": count(violations) == 0,', '"allowed": "yes",'));
          // Its own tests would refuse to build it.
          rmSync(join(policies, 'decision', 'decision_test.rego'));
        },
      );
      try {
        const bundles = await completeChain();
        expect((await decide(bundles)).result.allowed).toBe(true);
        const request: DecisionRequest = { artifact: ARTIFACT, stage: 'test', deployed: DEPLOYED, evaluationTime: NOW, evaluationTimeSource: 'requested', bundles };
        const error = await (await DecisionEngine.create(broken.bundle)).decide(request).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(PolicyError);
        expect((error as PolicyError).code).toBe('EVALUATION_FAILED');
        expect((error as PolicyError).message.startsWith(`${broken.bundle.source}: the policy's answer is malformed: `)).toBe(true);
        expect((error as PolicyError).message).toContain('allowed');
      } finally {
        broken.cleanup();
      }
    });

    it('denies an unknown stage', async () => {
      expect(codes(await decide(await completeChain(), { stage: 'prod' }))).toEqual(['unknown_stage']);
    });
  });

  describe('decision records', () => {
    it('replays identically, and reports what changed when a bundle is gone', async () => {
      const dir = await temporaryDirectory();
      const store = join(dir, `sha256-${ARTIFACT.slice(7)}`);
      mkdirSync(store);
      const chain = await completeChain();
      const onDisk = chain.map((b) => {
        const location = join(store, `${b.bundleDigest}.sigstore.json`);
        writeFileSync(location, b.bytes);
        return { ...b, location };
      });
      const decision = await decide(onDisk);
      const record = Buffer.from(JSON.stringify(await signDecision(decision, await demoSigner('decision-recorder'), 'model')));
      const trust = engine.signers.restrictedTo(engine.data.decision_signers ?? []);
      const verified = verifyDecisionRecord(record, 'decision.json', trust);
      expect(verified.predicate.verificationResult).toBe('PASSED');
      expect(verified.predicate.gatehouse.inputDigest).toBe(`sha256:${decision.inputDigest}`);
      expect(verified.predicate.inputAttestations.map((a) => a.digest.sha256).sort()).toEqual(chain.map((b) => b.bundleDigest).sort());

      const same = await replayDecision(verified, engine, new FileSystemAttestationStore(dir));
      expect(same.differences).toEqual([]);
      expect(same.identical).toBe(true);

      // A recorded bundle filed only under another subject is still found, by its digest.
      const { renameSync, rmSync } = await import('node:fs');
      const elsewhere = join(dir, `sha256-${'0e'.repeat(32)}`);
      mkdirSync(elsewhere);
      renameSync(onDisk[1]!.location, join(elsewhere, `${onDisk[1]!.bundleDigest}.sigstore.json`));
      expect((await replayDecision(verified, engine, new FileSystemAttestationStore(dir))).differences).toEqual([]);
      rmSync(onDisk[2]!.location);
      const changed = await replayDecision(verified, engine, new FileSystemAttestationStore(dir));
      expect(changed.identical).toBe(false);
      expect(changed.differences[0]).toMatch(/is recorded but not in/);
      expect(changed.differences).toContain('record.predicate.gatehouse.result.allowed: recorded true, replayed false');
    });

    it('refuses a record signed by anyone but a decision signer', async () => {
      const decision = await decide(await completeChain());
      const record = Buffer.from(JSON.stringify(await signDecision(decision, await demoSigner('integrity-gate'))));
      const trust = engine.signers.restrictedTo(engine.data.decision_signers ?? []);
      expect(() => verifyDecisionRecord(record, 'decision.json', trust)).toThrow(/does not verify with any trusted key/);
    });
  });
});
