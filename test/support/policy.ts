// Policy bundles for tests: built from the real policies/ by the real opa,
// optionally with changed data, signed with the demo policy-team key; and
// signed gate attestations from the demo keys the example policy trusts.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import { gateRegistry } from '../../src/gates/registry.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { attestGate } from '../../src/gates/gate.ts';
import { createPublicKey } from 'node:crypto';
import { keyFingerprint, readPrivateKey, readPublicKey } from '../../src/keys/keys.ts';
import { regressionThresholdsFrom } from '../../src/gates/regression/index.ts';
import type { RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import { readPolicyBundle } from '../../src/policy/bundle.ts';
import { buildPolicyBundle } from '../../src/policy/build.ts';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { ROOT, tool } from './paths.ts';

export const DEMO_KEYS = join(ROOT, 'examples', 'keys');
export const POLICY_KEY = join(DEMO_KEYS, 'policy-team.key');
export const POLICY_PUB = join(DEMO_KEYS, 'policy-team.pub');

/**
 * Builds a bundle from policies/ with its data changed by `patch` (and, for a
 * test of a broken policy, its copied sources by `edit`); returns the bundle and its path.
 */
export async function buildTestBundle(patch: (data: Record<string, any>) => void = () => {}, edit: (policiesDir: string) => void = () => {}): Promise<{ path: string; policiesDir: string; bundle: VerifiedPolicyBundle; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-policy-'));
  const policies = join(dir, 'policies');
  cpSync(join(ROOT, 'policies'), policies, { recursive: true });
  const dataDir = join(policies, 'data');
  const data: Record<string, any> = {};
  for (const name of readdirSync(dataDir)) {
    Object.assign(data, parse(readFileSync(join(dataDir, name), 'utf8')));
    rmSync(join(dataDir, name));
  }
  patch(data);
  writeFileSync(join(dataDir, 'data.yaml'), stringify(data));
  edit(policies);
  const path = join(dir, 'bundle.tar.gz');
  const bundle = await buildPolicyBundle({ policiesDir: policies, out: path, signingKey: POLICY_KEY, opa: tool('.tools/bin/opa') });
  return { path, policiesDir: policies, bundle, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A signer for one of the demo keys. */
export async function demoSigner(name: string): Promise<{ signer: KeySigner }> {
  return { signer: new KeySigner(await readPrivateKey(join(DEMO_KEYS, `${name}.key`))) };
}

/** Fields every gate predicate carries, for a gate judged at `evaluatedAt` under the policy bundle with this sha256 (hex), if any. */
export function base<G extends GateName>(gate: G, evaluatedAt: string, policyDigest: string | null, verdict: 'pass' | 'fail' | 'insufficient-evidence' = 'pass'): GatePredicateBase<G> {
  return {
    gate,
    verdict,
    evaluatedAt,
    engine: { name: 'gatehouse', version: 'test' },
    reasons: verdict === 'pass' ? [] : ['test failure'],
    policy: policyDigest === null ? null : { digest: `sha256:${policyDigest}` },
    thresholds: {},
    evidence: [],
  };
}

/** The demo key whose signature the example policy accepts on models (model_signers). */
export function modelSignerIdentity(): { kind: 'key'; keyId: string; algorithm: 'ecdsa-p256' } {
  return { kind: 'key', keyId: keyFingerprint(createPublicKey(readFileSync(join(DEMO_KEYS, 'training-pipeline.pub')))), algorithm: 'ecdsa-p256' };
}

/** A signed attestation for `gate` about `subject`, signed with demo key `keyName`. */
export async function signedGate(gate: GateName, keyName: string, subject: ArtifactDigest, predicate: GatePredicateBase<GateName>): Promise<Buffer> {
  const run = await attestGate({ name: 'model', digest: subject }, predicate, await demoSigner(keyName));
  expectType(run.statement.predicateType === gateRegistry.get(gate)!.predicateType);
  return Buffer.from(JSON.stringify(run.bundle));
}

function expectType(ok: boolean): void {
  if (!ok) throw new Error('predicate type mismatch');
}

/** The regression thresholds of the committed example policy bundle. */
export async function exampleRegressionThresholds(): Promise<RegressionThresholds> {
  const bundle = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(POLICY_PUB));
  return regressionThresholdsFrom(bundle);
}
