// A server's engine keeps each bundle's input record by the sha256 of its
// bytes. Its decisions must be exactly those of an engine that keeps nothing,
// whatever the evidence: copies under two digests, re-serialised copies
// (aliases), tampered bytes, and a store that names a bundle by the wrong digest.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/canonical/json.ts';
import { DecisionEngine, type Decision } from '../../src/decide/decide.ts';
import type { StoredBundle } from '../../src/store/store.ts';
import { asStored, pinChainDatasets, signedChain, type ChainBundle } from '../support/chain.ts';
import { buildTestBundle } from '../support/policy.ts';
import { COMPLETE, DEPLOYED, chainTime } from '../support/serve.ts';

let built: Awaited<ReturnType<typeof buildTestBundle>>;
let chain: ChainBundle[];
const at = chainTime();

beforeAll(async () => {
  built = await buildTestBundle(pinChainDatasets);
  chain = await signedChain(COMPLETE, DEPLOYED, at, built.bundle.digest);
}, 120_000);

afterAll(() => built?.cleanup());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function decide(engine: DecisionEngine, bundles: StoredBundle[], deployed = DEPLOYED, evaluationTime = new Date(Date.parse(at) + 3_600_000)): Promise<Decision> {
  return engine.decide({ artifact: COMPLETE, stage: 'production', deployed, evaluationTime, evaluationTimeSource: 'requested', bundles });
}

// What an engine that keeps nothing decides, and the input digest taken over fresh objects.
async function expectSameAsUncached(kept: Decision, bundles: StoredBundle[], deployed = DEPLOYED, evaluationTime?: Date) {
  const fresh = await decide(await DecisionEngine.create(built.bundle), bundles, deployed, evaluationTime);
  expect(kept.inputDigest).toBe(fresh.inputDigest);
  expect(kept.result).toEqual(fresh.result);
  expect(kept.input).toEqual(fresh.input);
  expect(kept.inputDigest).toBe(sha256(Buffer.from(canonicalize(JSON.parse(JSON.stringify(kept.input))), 'utf8')));
}

describe('the engine keeps input records by bundle bytes', () => {
  it('decides as an engine that keeps nothing, decision after decision, and its kept records cannot be changed', async () => {
    const engine = await DecisionEngine.create(built.bundle, { verifiedCacheSize: 64 });
    const bundles = asStored(chain);
    const first = await decide(engine, bundles);
    expect(first.result.allowed).toBe(true);
    await expectSameAsUncached(first, bundles);
    // Again with another baseline and later: the same records, judged anew.
    const other = `sha256:${'0e'.repeat(32)}` as const;
    const later = new Date(Date.parse(at) + 7_200_000);
    const second = await decide(engine, bundles, other, later);
    expect(second.result.allowed).toBe(false);
    expect(second.input.attestations).toEqual(first.input.attestations);
    await expectSameAsUncached(second, bundles, other, later);
    const kept = second.input.attestations[0]!;
    expect(() => {
      (kept as { id: string }).id = 'sha256:changed';
    }).toThrow(TypeError);
  });

  it('sets aliases on a copy: a decision without the re-serialised copy has none', async () => {
    const engine = await DecisionEngine.create(built.bundle, { verifiedCacheSize: 64 });
    const bundles = asStored(chain);
    const regression = bundles.find((bundle) => bundle.location.startsWith('regression'))!;
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(regression.bytes.toString('utf8')), null, 3));
    const withCopy = [...bundles, { location: 'regression-reformatted.sigstore.json', bundleDigest: sha256(reformatted), bytes: reformatted }];
    const copied = await decide(engine, withCopy);
    const aliased = copied.input.attestations.find((record) => 'aliases' in record && record.aliases !== undefined);
    expect(aliased && 'aliases' in aliased ? aliased.aliases : []).toHaveLength(2);
    await expectSameAsUncached(copied, withCopy);
    const plain = await decide(engine, bundles);
    expect(plain.input.attestations.some((record) => 'aliases' in record && record.aliases !== undefined)).toBe(false);
    await expectSameAsUncached(plain, bundles);
  });

  it('keeps nothing for a bundle a store names by another digest, and tampered bytes are their own record', async () => {
    const engine = await DecisionEngine.create(built.bundle, { verifiedCacheSize: 64 });
    const bundles = asStored(chain);
    const [integrity, provenance] = bundles;
    // The store names the provenance bundle's bytes by the integrity bundle's digest.
    const misnamed = bundles.map((bundle) => (bundle === integrity ? { ...bundle, bytes: provenance!.bytes } : bundle));
    const confused = await decide(engine, misnamed);
    await expectSameAsUncached(confused, misnamed);
    // Then the honest store: nothing of the misnamed reading is used.
    const honest = await decide(engine, bundles);
    expect(honest.result.allowed).toBe(true);
    await expectSameAsUncached(honest, bundles);
    // One byte of the safety bundle's signature changed: rejected, now and after the honest bytes were kept.
    const safety = bundles.find((bundle) => bundle.location.startsWith('safety'))!;
    const text = safety.bytes.toString('utf8');
    const at = text.indexOf('"sig":"') + 10;
    const tampered = Buffer.from(text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    const withTampered = bundles.map((bundle) => (bundle === safety ? { ...bundle, bundleDigest: sha256(tampered), bytes: tampered } : bundle));
    const denied = await decide(engine, withTampered);
    expect(denied.result.allowed).toBe(false);
    expect(denied.input.attestations.find((record) => record.id === `sha256:${sha256(tampered)}`)?.verified).toBe(false);
    await expectSameAsUncached(denied, withTampered);
  });
});
