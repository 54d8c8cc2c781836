import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine, type Decision } from '../../src/decide/decide.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { attestGate } from '../../src/gates/gate.ts';
import { asStored, integrityPredicate } from '../support/chain.ts';
import { buildTestBundle } from '../support/policy.ts';
import { ISSUER, SUBJECT, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'a7'.repeat(32)}`;

let sigstore: MockSigstore;
let engine: DecisionEngine;
let cleanup: () => void;

beforeAll(async () => {
  sigstore = await startMockSigstore();
  // A stage that needs only the integrity gate, signed keyless by CI.
  const built = await buildTestBundle((data) => {
    data.signers['ci-integrity'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT };
    data.trusted_root = TrustedRoot.toJSON(sigstore.trustedRoot);
    data.gates.integrity.signers = ['ci-integrity'];
    data.stages.test = { required_gates: ['integrity'] };
  });
  cleanup = built.cleanup;
  engine = await DecisionEngine.create(built.bundle);
}, 60_000);

afterAll(() => {
  cleanup?.();
  sigstore?.stop();
});

// A keyless integrity attestation claiming evaluation at `evaluatedAt`, logged in Rekor and timestamped by the TSA now.
async function timestamped(evaluatedAt: Date): Promise<{ bytes: Buffer; signedAt: number }> {
  const run = await attestGate({ name: 'model', digest: ARTIFACT }, integrityPredicate(ARTIFACT, evaluatedAt.toISOString().replace('.000Z', 'Z')), sigstore.signing(undefined, { withTSA: true }));
  const bytes = Buffer.from(JSON.stringify(run.bundle));
  const times = [
    ...run.bundle.verificationMaterial.tlogEntries.map((entry) => Number(entry.integratedTime) * 1000),
    ...(run.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).map(() => Number.NaN),
  ].filter(Number.isFinite);
  return { bytes, signedAt: Math.min(...times) };
}

const decide = (bytes: Buffer, at: Date): Promise<Decision> =>
  engine.decide({ artifact: ARTIFACT, stage: 'test', deployed: null, evaluationTime: at, evaluationTimeSource: 'requested', bundles: asStored([{ name: 'integrity', bytes }]) });

const codes = (decision: Decision) => decision.result.violations.map((v) => v.code).sort();

describe('verified timestamps in decisions', () => {
  it('records when a witness saw the signature, and allows evidence evaluated before it', async () => {
    const { bytes, signedAt } = await timestamped(new Date(Date.now() - 120_000));
    const decision = await decide(bytes, new Date(signedAt + 60_000));
    expect(decision.result.violations, JSON.stringify(decision.input.attestations)).toEqual([]);
    const record = decision.input.attestations[0]!;
    expect(record.verified && record.signed_at_ms).toBeGreaterThan(0);
    expect(record.verified && Math.abs(record.signed_at_ms! - signedAt)).toBeLessThan(1000);
  });

  it('refuses evidence claiming an evaluation after its witnessed signing time', async () => {
    const { bytes, signedAt } = await timestamped(new Date(Date.now() + 3_600_000));
    const decision = await decide(bytes, new Date(signedAt + 7_200_000));
    expect(codes(decision)).toEqual(['attestation_evaluated_after_signing', 'required_gate_unsatisfied']);
  });

  it('refuses evidence witnessed after the evaluation time, though it claims an earlier evaluation', async () => {
    const { bytes, signedAt } = await timestamped(new Date(Date.now() - 3_600_000));
    const decision = await decide(bytes, new Date(signedAt - 60_000));
    expect(codes(decision)).toEqual(['attestation_from_future', 'required_gate_unsatisfied']);
  });
});
