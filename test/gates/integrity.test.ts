import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateRegistry } from '../../src/gates/registry.ts';
import { evaluateIntegrity } from '../../src/gates/integrity/evaluate.ts';
import { integrityGate, runIntegrityGate } from '../../src/gates/integrity/index.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { readTrustedKeys } from '../../src/verify/trust.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { KEYS, MODEL_TREE, temporaryDirectory } from '../helpers.ts';
import { memorySink } from '../support/sink.ts';

const A = `sha256:${'aa'.repeat(32)}` as const;
const B = `sha256:${'bb'.repeat(32)}` as const;
const at = '2026-11-22T10:00:00Z';

describe('evaluateIntegrity', () => {
  it('passes when the digests are equal', () => {
    const predicate = evaluateIntegrity({ artifact: { name: 'm', digest: A, kind: 'file' }, expected: { digest: A } }, { evaluatedAt: at });
    expect(predicate.verdict).toBe('pass');
    expect(predicate.reasons).toEqual([]);
    expect(gateRegistry.get('integrity')!.predicateValidator.problem(predicate)).toBeUndefined();
  });

  it('fails, saying both digests, when they differ', () => {
    const predicate = evaluateIntegrity({ artifact: { name: 'm', digest: A, kind: 'file' }, expected: { digest: B, source: 'registry' } }, { evaluatedAt: at });
    expect(predicate.verdict).toBe('fail');
    expect(predicate.reasons[0]).toContain(A);
    expect(predicate.reasons[0]).toContain(B);
  });
});

describe('runIntegrityGate', () => {
  const signing = async () => ({ signer: new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key'))) });

  it('signs a passing attestation about the model directory', async () => {
    const expected = `sha256:${golden.files.digest}` as const;
    const run = await runIntegrityGate({ path: MODEL_TREE, expected, evaluatedAt: new Date(at), signing: await signing() });
    const verifier = new AttestationVerifier({ keys: await readTrustedKeys([join(KEYS, 'ecdsa-p256.pub')]) });
    const verified = verifier.verifyJSON(run.bundle, 'integrity');
    expect(verified.statement.subject).toEqual([{ name: 'model-tree', digest: { sha256: golden.files.digest } }]);
    expect(verified.statement.predicateType).toBe(gateRegistry.get('integrity')!.predicateType);
    expect(verified.statement.predicate).toMatchObject({ verdict: 'pass', evaluatedAt: at, artifact: { kind: 'directory', resources: 10, serialization: { method: 'files' } } });
  });

  it('records where the expected digest came from only when told, and reports the hashing as progress', async () => {
    const expected = `sha256:${golden.files.digest}` as const;
    const told = await runIntegrityGate({ path: MODEL_TREE, expected, expectedSource: 'registry', evaluatedAt: new Date(at), signing: await signing() });
    expect(told.statement.predicate!.expected).toStrictEqual({ digest: expected, source: 'registry' });
    const untold = await runIntegrityGate({ path: MODEL_TREE, expected, evaluatedAt: new Date(at), signing: await signing() });
    expect(untold.statement.predicate!.expected).toStrictEqual({ digest: expected });
    const labels: string[] = [];
    const sink = memorySink();
    await integrityGate({ path: MODEL_TREE, expected }, { evaluatedAt: new Date(at), signing: await signing(), sink, progress: (label, unit) => (labels.push(`${label}|${unit}`), undefined) });
    expect(labels).toEqual([`digesting ${MODEL_TREE}|bytes`]);
    expect(sink.attestations).toHaveLength(1);
  });

  it('signs a failing attestation about what is on disk when one byte changed', async () => {
    const dir = await temporaryDirectory();
    cpSync(MODEL_TREE, join(dir, 'model'), { recursive: true });
    writeFileSync(join(dir, 'model', 'config.json'), '{"architectures": ["TinyModel"], "hidden_size": 65}\n');
    const run = await runIntegrityGate({ path: join(dir, 'model'), expected: `sha256:${golden.files.digest}`, evaluatedAt: new Date(at), signing: await signing() });
    expect(run.statement.predicate!.verdict).toBe('fail');
    expect(run.statement.subject[0]!.digest.sha256).not.toBe(golden.files.digest);
  });
});
