import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine } from '../../src/decide/decide.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { asStored, canaryPredicate, canaryTimes, pinChainDatasets, signedChain } from '../support/chain.ts';
import { buildTestBundle, signedGate } from '../support/policy.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'c7'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d8'.repeat(32)}`;

let engine: DecisionEngine;
let cleanup: () => void;

beforeAll(async () => {
  const built = await buildTestBundle(pinChainDatasets);
  cleanup = built.cleanup;
  engine = await DecisionEngine.create(built.bundle);
});

afterAll(() => cleanup?.());

describe('a production decision on the full chain of every gate', () => {
  it('is allowed when every gate is present, independent, fresh and within thresholds', async () => {
    const chain = await signedChain(ARTIFACT, DEPLOYED, '2026-11-22T09:00:00Z', engine.bundle.digest);
    const decision = await engine.decide({ artifact: ARTIFACT, stage: 'production', deployed: DEPLOYED, evaluationTime: new Date('2026-11-22T10:00:00Z'), evaluationTimeSource: 'requested', bundles: asStored(chain) });
    expect(decision.result.violations).toEqual([]);
    expect(decision.result.allowed).toBe(true);
    expect(Object.values(decision.result.gates).map((g) => g.status)).toEqual(Array(11).fill('present'));
    expect(decision.result.gates.approval!.signers).toHaveLength(3);
    expect(decision.result.break_glass).toEqual([]);
  });

  it('is denied with two approvals where the high tier requires three, two of them ML reviewers', async () => {
    const chain = await signedChain(ARTIFACT, DEPLOYED, '2026-11-22T09:00:00Z', engine.bundle.digest);
    const withoutBob = chain.filter(({ name }) => name !== 'approval-approver-bob');
    const decision = await engine.decide({ artifact: ARTIFACT, stage: 'production', deployed: DEPLOYED, evaluationTime: new Date('2026-11-22T10:00:00Z'), evaluationTimeSource: 'requested', bundles: asStored(withoutBob) });
    expect(decision.result.violations.map((v) => v.msg)).toEqual(['approval: 2 distinct eligible approver(s) for stage production at risk tier high, 3 required; role ml-reviewers lacks 1']);
  });

  it('is denied, not thrown, for a canary that compared no metrics: its score over none is never computed', async () => {
    const at = '2026-11-22T09:00:00Z';
    const chain = await signedChain(ARTIFACT, DEPLOYED, at, engine.bundle.digest);
    const empty = { ...canaryPredicate(DEPLOYED, canaryTimes(at), engine.bundle.digest), metrics: [] };
    const bytes = await signedGate('canary', 'canary-controller', ARTIFACT, empty as never);
    const withEmpty = chain.map((bundle) => (bundle.gate === 'canary' ? { ...bundle, bytes } : bundle));
    // OPA-WASM throws on a division by zero where native OPA leaves the rule undefined: the score rule must not divide.
    const decision = await engine.decide({ artifact: ARTIFACT, stage: 'production', deployed: DEPLOYED, evaluationTime: new Date('2026-11-22T10:00:00Z'), evaluationTimeSource: 'requested', bundles: asStored(withEmpty) });
    expect(decision.result.allowed).toBe(false);
    // Each of the policy's four canary metrics is missing; nothing else is wrong.
    expect(decision.result.violations.map((v) => v.code)).toEqual(Array(4).fill('metric_missing'));
  });
});
