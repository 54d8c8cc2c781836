import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrityGate } from '../../src/gates/integrity/index.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { serializeBundle } from '../../src/store/serialize.ts';
import { storeEntries } from '../../src/store/store.ts';
import { ROOT, temporaryDirectory } from '../helpers.ts';
import { memorySink } from '../support/sink.ts';

const signing = async () => ({ signer: new KeySigner(await readPrivateKey(join(ROOT, 'examples', 'keys', 'integrity-gate.key'))) });


describe('gate entry points', () => {
  it('hand the sink the one serialisation of the signed bundle, and a store keeps those bytes exactly', async () => {
    const model = join(ROOT, 'package.json');
    const digest = `sha256:${createHash('sha256').update(readFileSync(model)).digest('hex')}` as const;
    const sink = memorySink();
    const progress: number[] = [];
    const outcome = await integrityGate({ path: model, expected: digest }, { evaluatedAt: new Date('2026-11-30T00:00:00Z'), signing: await signing(), sink, progress: () => (done) => progress.push(done) });
    expect(outcome.statement.predicate!.verdict).toBe('pass');
    expect(outcome.attestation).toBe('memory:0');
    expect(sink.attestations).toHaveLength(1);
    expect(sink.reports).toEqual([]);
    expect(sink.attestations[0]!.equals(serializeBundle(outcome.bundle))).toBe(true);
    expect(outcome.markdown).toMatch(/^# Integrity gate: PASS/);

    const store = new FileSystemAttestationStore(await temporaryDirectory());
    const put = await store.put(sink.attestations[0]!);
    expect(put.bundleDigest).toBe(createHash('sha256').update(outcome.bytes).digest('hex'));
    const listed = [];
    for await (const entry of storeEntries(store, digest)) listed.push(entry);
    expect(listed.map((e) => 'bytes' in e && e.bytes.equals(outcome.bytes))).toEqual([true]);
  });

  it('deliver nothing when the gate cannot run', async () => {
    const sink = memorySink();
    await expect(integrityGate({ path: join(ROOT, 'no-such-model'), expected: `sha256:${'0'.repeat(64)}` }, { evaluatedAt: new Date(), signing: await signing(), sink })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(sink.attestations).toEqual([]);
  });

  it('judge evidence handed over as bytes exactly as the same evidence read from files', async () => {
    const { readPolicyBundle, readPolicyKey } = await import('../../src/policy/bundle.ts');
    const { biasGate } = await import('../../src/gates/bias/index.ts');
    const policy = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPolicyKey(join(ROOT, 'examples', 'keys', 'policy-team.pub')));
    const dataset = join(ROOT, 'examples', 'bias', 'evaluation-set.csv');
    const predictions = join(ROOT, 'examples', 'bias', 'candidate-good-predictions.csv');
    const context = { evaluatedAt: new Date('2026-11-30T00:00:00Z'), signing: await signing(), sink: memorySink() };
    const subject = { name: 'model', digest: `sha256:${'ab'.repeat(32)}` as const };
    const fromFiles = await biasGate({ subject, dataset, predictions, groups: ['gender', 'age'], policy }, context);
    const asBytes = (path: string) => ({ name: path, bytes: new Uint8Array(readFileSync(path)) });
    const fromBytes = await biasGate({ subject, dataset: asBytes(dataset), predictions: asBytes(predictions), groups: ['gender', 'age'], policy }, context);
    expect(fromBytes.statement).toEqual(fromFiles.statement);
    expect(context.sink.reports[1]![1]).toBe(context.sink.reports[0]![1]);
    expect(fromFiles.statement.predicate!.evidence.find((e) => e.role === 'dataset')?.digest).toBe(`sha256:${createHash('sha256').update(readFileSync(dataset)).digest('hex')}`);
    const huge = { name: 'upload.csv', bytes: new Uint8Array(513 * 1024 * 1024) };
    await expect(biasGate({ subject, dataset: huge, predictions, groups: ['gender'], policy }, context)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', path: 'upload.csv' });
  });
});
