import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrityGate } from '../../src/gates/integrity/index.ts';
import type { GateSink } from '../../src/gates/workflow.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { serializeBundle } from '../../src/store/serialize.ts';
import { storeEntries } from '../../src/store/store.ts';
import { ROOT, temporaryDirectory } from '../helpers.ts';

const signing = async () => ({ signer: new KeySigner(await readPrivateKey(join(ROOT, 'examples', 'keys', 'integrity-gate.key'))) });

// A sink that keeps everything in memory, as a server answering over HTTP would.
function memorySink(): GateSink & { attestations: Buffer[] } {
  const attestations: Buffer[] = [];
  return {
    attestations,
    async attestation(bytes) {
      attestations.push(bytes);
      return `memory:${attestations.length - 1}`;
    },
    async report() {
      throw new Error('the integrity gate writes no report');
    },
  };
}

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
});
