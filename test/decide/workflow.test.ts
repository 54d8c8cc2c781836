// decidePromotion, the workflow the CLI, the demo and the server share, in
// process: who may sign its record, where the evaluation time comes from, and
// a subject given as a path. test/decide/replay.test.ts records and replays
// with it; test/cli and test/serve run it end to end.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DecisionEngine } from '../../src/decide/decide.ts';
import { verifyDecisionRecord } from '../../src/decide/replay.ts';
import { decidePromotion, replayRecord } from '../../src/decide/workflow.ts';
import { InputError } from '../../src/error.ts';
import type { Signer } from '../../src/sign/signer.ts';
import { VerificationError } from '../../src/verify/error.ts';
import { keyFingerprint, readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle, type VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { ROOT, temporaryDirectory } from '../helpers.ts';
import { DEMO_KEYS, demoSigner, POLICY_PUB } from '../support/policy.ts';
import { rejection } from '../support/refusal.ts';

const ARTIFACT = `sha256:${'c7'.repeat(32)}` as const;
const NOW = new Date('2026-11-20T12:00:00Z');

let policy: VerifiedPolicyBundle;
let engine: DecisionEngine;

beforeAll(async () => {
  policy = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(POLICY_PUB));
  engine = await DecisionEngine.create(policy);
});

async function emptyStore(): Promise<{ dir: string; store: FileSystemAttestationStore }> {
  const dir = await temporaryDirectory();
  return { dir, store: new FileSystemAttestationStore(dir) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decidePromotion', () => {
  it('refuses a record signer the policy would not trust before deciding, naming its key and the decision signers', async () => {
    const { dir, store } = await emptyStore();
    const recorder = { signer: (await demoSigner('integrity-gate')).signer, source: 'integrity-gate.key' };
    const keyId = keyFingerprint(await readPublicKey(join(DEMO_KEYS, 'integrity-gate.pub')));
    const refusal = await rejection(decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy, engine, recordSigner: recorder }), InputError);
    expect([refusal.code, refusal.path, refusal.message]).toEqual(['KEY_INVALID', 'integrity-gate.key', `${keyId} is not one of the policy's decision_signers (decision-recorder); its records could not be replayed`]);
    expect(readdirSync(dir)).toEqual([]);

    // A policy with no decision signers says so, and makes its own engine when none is given.
    const { decision_signers: _, ...data } = policy.data['gatehouse'] as Record<string, unknown>;
    const none = { ...policy, data: { ...policy.data, gatehouse: data } };
    const unsigned = await rejection(decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy: none, recordSigner: recorder }), InputError);
    expect(unsigned.message).toBe(`${keyId} is not one of the policy's decision_signers (none); its records could not be replayed`);

    // Several decision signers are listed; a keyless signer is named by its issuer and subject, and never asked to sign.
    const two = { ...policy, data: { ...policy.data, gatehouse: { ...data, decision_signers: ['decision-recorder', 'release-manager'] } } };
    const identity = { kind: 'keyless' as const, issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/models/.github/workflows/decide.yml@refs/heads/main' };
    const sign = vi.fn();
    const keyless = { signer: { identity, sign } as unknown as Signer & { identity: typeof identity }, source: 'keyless' };
    const named = await rejection(decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy: two, recordSigner: keyless }), InputError);
    expect([named.path, named.message]).toEqual(['keyless', `${identity.issuer}|${identity.subject} is not one of the policy's decision_signers (decision-recorder, release-manager); its records could not be replayed`]);
    expect(sign).not.toHaveBeenCalled();
  });

  it('makes its engine with the TUF cache directory it is given, and the default without one', async () => {
    const { dir, store } = await emptyStore();
    const cache = join(dir, 'tuf-cache');
    const create = vi.spyOn(DecisionEngine, 'create');
    await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy, tufCacheDirectory: cache });
    await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy });
    expect(create.mock.calls).toEqual([
      [policy, { tufCacheDirectory: cache }],
      [policy, {}],
    ]);
  });

  it('signs the record with a decision signer and keeps it in the store', async () => {
    const { store } = await emptyStore();
    const outcome = await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: NOW, store, policy, engine, recordSigner: { signer: (await demoSigner('decision-recorder')).signer, source: 'decision-recorder.key' } });
    expect(outcome.decision.result.allowed).toBe(false);
    // The record verifies against the policy's decision signers, is about this decision, and is the one the store keeps.
    const bytes = Buffer.from(JSON.stringify(outcome.record));
    const record = verifyDecisionRecord(bytes, 'record.json', engine.signers.restrictedTo(['decision-recorder']));
    expect(record.artifact).toBe(ARTIFACT);
    expect(record.predicate.gatehouse.inputDigest).toBe(`sha256:${outcome.decision.inputDigest}`);
    expect(JSON.parse(readFileSync(outcome.recordLocation!, 'utf8'))).toEqual(outcome.record);
  });

  it("says the clock chose the time when none was asked for, reading the request's clock, and 'requested' otherwise", async () => {
    const { store } = await emptyStore();
    const clocked = await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, clock: () => NOW, store, policy, engine });
    expect([clocked.decision.evaluationTimeSource, clocked.decision.input.evaluation_time]).toEqual(['clock', '2026-11-20T12:00:00Z']);
    expect(clocked.record).toBeUndefined();
    const asked = await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, evaluationTime: new Date('2026-11-21T08:00:00Z'), clock: () => NOW, store, policy, engine });
    expect([asked.decision.evaluationTimeSource, asked.decision.input.evaluation_time]).toEqual(['requested', '2026-11-21T08:00:00Z']);
    const now = await decidePromotion({ subject: ARTIFACT, stage: 'development', deployed: null, store, policy, engine });
    expect(now.decision.evaluationTimeSource).toBe('clock');
    expect(Math.abs(Date.parse(now.decision.input.evaluation_time) - Date.now())).toBeLessThan(60_000);
  });

  it('hashes a subject given as a path, telling the progress callback', async () => {
    const { store } = await emptyStore();
    const model = join(await temporaryDirectory(), 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4096, 7));
    const told: Array<[number, number]> = [];
    const outcome = await decidePromotion({ subject: model, stage: 'development', deployed: null, evaluationTime: NOW, store, policy, engine, onProgress: (done, total) => told.push([done, total]) });
    expect(outcome.subject.name).toBe('model');
    expect(outcome.subject.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(told.length).toBeGreaterThan(0);
    expect(told.at(-1)).toEqual([4096, 4096]);
  });
});

describe('replayRecord', () => {
  // A record whose signature does not verify: what it pins is read before it is verified, then it is refused.
  function unverifiable(trustedRoots: unknown): Buffer {
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'model', digest: { sha256: ARTIFACT.slice(7) } }], predicateType: 'https://gatehouse.dev/attestations/decision/v1', predicate: { gatehouse: { trustedRoots } } };
    const envelope = { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(JSON.stringify(statement)).toString('base64'), signatures: [{ keyid: '', sig: Buffer.from('not a signature').toString('base64') }] };
    return Buffer.from(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: 'x' } }, dsseEnvelope: envelope }));
  }

  it('makes its engine with the trust roots a record pins (strings only) and the TUF cache it is given, before refusing a record it cannot verify', async () => {
    const { dir, store } = await emptyStore();
    const cache = join(dir, 'tuf-cache');
    const create = vi.spyOn(DecisionEngine, 'create');
    const pin = `sha256:${'ab'.repeat(32)}`;
    const request = (trustedRoots: unknown, tufCacheDirectory?: string) => replayRecord({ record: unverifiable(trustedRoots), source: 'decision.json', store, policy, ...(tufCacheDirectory === undefined ? {} : { tufCacheDirectory }) });
    await rejection(request({ ci: pin, broken: 7, nothing: null }, cache), VerificationError);
    await rejection(request(['ci', pin]), VerificationError);
    await rejection(request(null), VerificationError);
    expect(create.mock.calls).toEqual([
      [policy, { tufCacheDirectory: cache, pinnedTrustRoots: { ci: pin } }],
      [policy, {}],
      [policy, {}],
    ]);
  });
});
