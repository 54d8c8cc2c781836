// The decision input as buildPolicyInput makes it (through DecisionEngine.input,
// no policy evaluated): copies of one bundle and of one signed statement,
// unreadable entries, the flood limit, and the inventory comparison, with and
// without the engine's kept records.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine, type DecisionRequest } from '../../src/decide/decide.ts';
import { MAX_BUNDLES_PER_DECISION, type AttestationRecord, type PolicyInput } from '../../src/decide/input.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { InputError } from '../../src/error.ts';
import type { SubjectInventory } from '../../src/store/inventory.ts';
import type { StoredBundle, UnreadableBundle } from '../../src/store/store.ts';
import { EVALUATION_SET, integrityPredicate, provenancePredicate, regressionPredicate } from '../support/chain.ts';
import { buildTestBundle, modelSignerIdentity, signedGate } from '../support/policy.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'a1'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d3'.repeat(32)}`;
const NOW = new Date('2026-11-20T12:00:00Z');
const EARLIER = '2026-11-20T11:00:00Z';
const HEAD = { sequence: 7, head: 'c0'.repeat(32) };

let built: Awaited<ReturnType<typeof buildTestBundle>>;
// One engine that keeps nothing, one that keeps verification outcomes and records across decisions.
let engines: Array<[string, DecisionEngine]>;
let integrity: StoredBundle;
let provenance: StoredBundle;
let regression: StoredBundle;
// The integrity bundle re-serialised (the same signed statement, other bytes), and the same statement signed by another key.
let reformatted: StoredBundle;
let bySafetyKey: StoredBundle;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const stored = (location: string, bytes: Buffer): StoredBundle => ({ location, bundleDigest: sha256(bytes), bytes });
const unreadable = (location: string, message: string): UnreadableBundle => ({ location, error: new InputError({ code: 'BUNDLE_MALFORMED', message, path: location }) });

beforeAll(async () => {
  built = await buildTestBundle((data) => {
    data.stages.test = { required_gates: ['integrity', 'provenance', 'regression'] };
    data.datasets = { regression: EVALUATION_SET };
  });
  engines = [
    ['keeps nothing', await DecisionEngine.create(built.bundle)],
    ['keeps records', await DecisionEngine.create(built.bundle, { verifiedCacheSize: 64 })],
  ];
  const policy = built.bundle.digest;
  integrity = stored('s/integrity.sigstore.json', await signedGate('integrity', 'integrity-gate', ARTIFACT, integrityPredicate(ARTIFACT, EARLIER)));
  provenance = stored('s/provenance.sigstore.json', await signedGate('provenance', 'provenance-gate', ARTIFACT, provenancePredicate(ARTIFACT, EARLIER, policy)));
  regression = stored('s/regression.sigstore.json', await signedGate('regression', 'regression-gate', ARTIFACT, regressionPredicate(DEPLOYED, EARLIER, policy, ARTIFACT)));
  reformatted = stored('s/integrity-reformatted.sigstore.json', Buffer.from(JSON.stringify(JSON.parse(integrity.bytes.toString('utf8')), null, 3)));
  bySafetyKey = stored('s/integrity-by-safety.sigstore.json', await signedGate('integrity', 'safety-gate', ARTIFACT, integrityPredicate(ARTIFACT, EARLIER)));
}, 120_000);

afterAll(() => built?.cleanup());

function input(engine: DecisionEngine, bundles: DecisionRequest['bundles'], inventory?: SubjectInventory | null) {
  return engine.input({
    artifact: ARTIFACT,
    stage: 'test',
    deployed: DEPLOYED,
    evaluationTime: NOW,
    evaluationTimeSource: 'requested',
    bundles,
    ...(inventory === undefined ? {} : { inventory: async () => inventory }),
  });
}

const ids = (made: PolicyInput) => made.attestations.map((record) => record.id);
const verified = (made: PolicyInput, id: string) => made.attestations.find((record): record is Extract<AttestationRecord, { verified: true }> => record.id === id && record.verified);
const id = (bundle: StoredBundle) => `sha256:${bundle.bundleDigest}`;

describe.each([0, 1])('buildPolicyInput (engine %i)', (which) => {
  const engine = () => engines[which]![1];

  it('counts the same bytes under two names once, located where they were first found', async () => {
    const again = { ...integrity, location: 'elsewhere/integrity.sigstore.json' };
    const made = await input(engine(), [integrity, provenance, again, regression]);
    expect(ids(made.input)).toEqual([id(integrity), id(provenance), id(regression)].sort());
    expect(made.locations.get(id(integrity))).toBe('s/integrity.sigstore.json');
  });

  it('keeps one record of a re-serialised statement, the copy with the smaller digest, listing both digests sorted, in either order', async () => {
    const [small, large] = [integrity, reformatted].sort((a, b) => (a.bundleDigest < b.bundleDigest ? -1 : 1)) as [StoredBundle, StoredBundle];
    const first = await input(engine(), [large, provenance, small, regression]);
    const second = await input(engine(), [small, provenance, regression, large]);
    expect(first.input).toEqual(second.input);
    expect(ids(first.input)).toEqual([id(small), id(provenance), id(regression)].sort());
    expect(verified(first.input, id(small))!.aliases).toEqual([id(small), id(large)]);
    // Each copy is located where it was read.
    expect(first.locations.get(id(large))).toBe(large.location);
    expect(first.locations.get(id(small))).toBe(small.location);
    // Without the copy, no record has aliases.
    const plain = await input(engine(), [integrity, provenance, regression]);
    expect(plain.input.attestations.every((record) => !('aliases' in record))).toBe(true);
  });

  it('keeps the same statement signed by two signers as two records, neither with aliases', async () => {
    const made = await input(engine(), [integrity, bySafetyKey, provenance]);
    expect(ids(made.input)).toEqual([id(integrity), id(bySafetyKey), id(provenance)].sort());
    expect(verified(made.input, id(integrity))!.signer.name).not.toBe(verified(made.input, id(bySafetyKey))!.signer.name);
    expect(made.input.attestations.every((record) => !('aliases' in record))).toBe(true);
  });

  it('records an unreadable entry under its file name, the first reading of a name standing', async () => {
    const made = await input(engine(), [unreadable('a/x.sigstore.json', 'first'), integrity, unreadable('b/x.sigstore.json', 'second')]);
    expect(made.input.attestations).toContainEqual({ id: 'unreadable:x.sigstore.json', verified: false, reason: 'first', claimed_predicate_type: null });
    expect(ids(made.input)).toEqual([id(integrity), 'unreadable:x.sigstore.json']);
    expect(made.locations.get('unreadable:x.sigstore.json')).toBe('a/x.sigstore.json');
  });

  it(`decides on ${MAX_BUNDLES_PER_DECISION} bundles and refuses one more (USAGE)`, async () => {
    function* flood(total: number) {
      yield provenance;
      yield regression;
      for (let i = 2; i < total; i++) yield integrity;
    }
    const made = await input(engine(), flood(MAX_BUNDLES_PER_DECISION));
    expect(made.input.attestations).toHaveLength(3);
    const error = await input(engine(), flood(MAX_BUNDLES_PER_DECISION + 1)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('USAGE');
  });

  it('makes the input an engine that keeps nothing makes after the honest bytes were kept, for bytes a store names by another digest', async () => {
    await input(engine(), [integrity, provenance, regression]);
    // The store names the provenance bundle's bytes by the integrity bundle's digest.
    const misnamed = [{ ...provenance, location: integrity.location, bundleDigest: integrity.bundleDigest }, provenance, regression];
    const made = await input(engine(), misnamed);
    expect(made.input).toEqual((await input(engines[0]![1], misnamed)).input);
    // The digest it was named by is the record's id or one of its aliases (whichever digest is smaller is the id).
    expect(made.input.attestations.flatMap((record) => [record.id, ...('aliases' in record ? (record.aliases ?? []) : [])])).toContain(id(integrity));
  });

  it('names the model author a provenance predicate records, with the policy ids of its key, on that record only', async () => {
    const made = await input(engine(), [integrity, provenance, regression]);
    expect(verified(made.input, id(provenance))!.author).toEqual({ name: `key:${modelSignerIdentity().keyId}`, ids: ['training-pipeline'] });
    expect(verified(made.input, id(integrity))).not.toHaveProperty('author');
    expect(verified(made.input, id(regression))).not.toHaveProperty('author');
    // A provenance predicate whose model signature names nobody has a null author.
    const anonymous = provenancePredicate(ARTIFACT, EARLIER, built.bundle.digest) as unknown as { modelSignature: { signer: unknown } };
    anonymous.modelSignature.signer = null;
    const unsigned = stored('s/anonymous.sigstore.json', await signedGate('provenance', 'provenance-gate', ARTIFACT, anonymous as never));
    const record = (await input(engine(), [unsigned])).input.attestations[0]!;
    expect(record.verified && record.author).toBeNull();
  });

  describe('the inventory', () => {
    const chain = () => [integrity, provenance, regression];
    const listing = (bundles: StoredBundle[], onChain = true): SubjectInventory => ({ head: HEAD, bundles: bundles.map((bundle) => bundle.bundleDigest), onChain });

    it('accounts for the evidence when it lists exactly what was read, on its chain, and returns it', async () => {
      const inventory = listing(chain());
      const made = await input(engine(), chain(), inventory);
      expect(made.input.inventory).toEqual({ verified: true });
      expect(made.inventory).toEqual(inventory);
      // The same bytes read twice are one bundle read.
      expect((await input(engine(), [...chain(), { ...integrity, location: 'again' }], inventory)).input.inventory.verified).toBe(true);
    });

    it('does not when its head is off the chain', async () => {
      expect((await input(engine(), chain(), listing(chain(), false))).input.inventory.verified).toBe(false);
    });

    it('does not when it lists a bundle that was not read, or misses one that was', async () => {
      expect((await input(engine(), chain().slice(0, 2), listing(chain()))).input.inventory.verified).toBe(false);
      expect((await input(engine(), chain(), listing(chain().slice(0, 2)))).input.inventory.verified).toBe(false);
      // As many as were read, but another one.
      expect((await input(engine(), chain(), listing([integrity, provenance, bySafetyKey]))).input.inventory.verified).toBe(false);
    });

    it('does not when an entry could not be read', async () => {
      const made = await input(engine(), [...chain(), unreadable('s/broken.sigstore.json', 'not JSON')], listing(chain()));
      expect(made.input.inventory.verified).toBe(false);
    });

    it('does not when the store keeps none, or none was asked for', async () => {
      const none = await input(engine(), chain(), null);
      expect(none.input.inventory.verified).toBe(false);
      expect(none.inventory).toBeNull();
      const unasked = await input(engine(), chain());
      expect(unasked.input.inventory.verified).toBe(false);
      expect(unasked.inventory).toBeNull();
    });

    it('is asked once every bundle was read', async () => {
      const order: string[] = [];
      async function* bundles() {
        for (const bundle of chain()) {
          order.push(bundle.location);
          yield bundle;
        }
      }
      const made = await engine().input({
        artifact: ARTIFACT,
        stage: 'test',
        deployed: DEPLOYED,
        evaluationTime: NOW,
        evaluationTimeSource: 'requested',
        bundles: bundles(),
        inventory: async () => {
          order.push('inventory');
          return listing(chain());
        },
      });
      expect(order).toEqual([...chain().map((bundle) => bundle.location), 'inventory']);
      expect(made.input.inventory.verified).toBe(true);
    });
  });
});
