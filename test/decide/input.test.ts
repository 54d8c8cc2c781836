// The decision input as buildPolicyInput makes it (through DecisionEngine.input,
// no policy evaluated): copies of one bundle and of one signed statement,
// unreadable entries, the flood limit, and the inventory comparison, with and
// without the engine's kept records; and what each record carries beside its
// predicate (times placed, windows, named signers, when it was signed), called
// directly with a verifier that counts or adds witness times.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine, type DecisionRequest } from '../../src/decide/decide.ts';
import { MAX_BUNDLES_PER_DECISION, buildPolicyInput, type AttestationRecord, type BundleRecord, type PolicyInput, type VerificationOutcome } from '../../src/decide/input.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { InputError } from '../../src/error.ts';
import { DATASET_TYPE } from '../../src/gates/data-provenance/dataset.ts';
import { IN_TOTO_STATEMENT_TYPE, toStatement } from '../../src/attest/statement.ts';
import { AttestationVerifier, type VerifiedAttestation } from '../../src/verify/verifier.ts';
import type { SubjectInventory } from '../../src/store/inventory.ts';
import type { StoredBundle, UnreadableBundle } from '../../src/store/store.ts';
import {
  EVALUATION_SET,
  canaryPredicate,
  canaryTimes,
  dataProvenancePredicate,
  demoKeyIdentity,
  integrityPredicate,
  provenancePredicate,
  redteamPredicate,
  regressionPredicate,
} from '../support/chain.ts';
import { buildTestBundle, modelSignerIdentity, signedGate } from '../support/policy.ts';
import { signRawPayload, signWith } from '../attacks/world.ts';
import { refusal, rejection } from '../support/refusal.ts';

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
    const error = await rejection(input(engine(), flood(MAX_BUNDLES_PER_DECISION + 1)), InputError);
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(`more than ${MAX_BUNDLES_PER_DECISION} attestation bundles for one artifact; refusing to decide on a flooded store`);
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

// A statement about ARTIFACT of any predicate type, signed with demo key `keyName`, as stored.
async function signedStatement(location: string, keyName: string, predicateType: string, predicate: object): Promise<StoredBundle> {
  return stored(location, await signWith(keyName, toStatement({ subjects: [{ name: 'model', digest: { sha256: ARTIFACT.slice(7) } }], predicateType, predicate })));
}

/** A verifier that counts what it verifies and can add witness times to what verifies. */
class WitnessingVerifier extends AttestationVerifier {
  calls = 0;
  readonly witnessed: Date[];
  constructor(witnessed: Date[] = []) {
    super(engines[0]![1].signers.trust);
    this.witnessed = witnessed;
  }
  override verifyJSON(json: unknown, source: string): VerifiedAttestation {
    this.calls += 1;
    const verified = super.verifyJSON(json, source);
    return { ...verified, timestamps: [...verified.timestamps, ...this.witnessed] };
  }
}

function direct(bundles: Array<StoredBundle | UnreadableBundle>, verifier = new WitnessingVerifier(), verified?: Map<string, VerificationOutcome>, records?: Map<string, BundleRecord>) {
  return buildPolicyInput({
    artifact: ARTIFACT,
    stage: 'test',
    deployed: DEPLOYED,
    evaluationTime: NOW,
    policyDigest: built.bundle.digest,
    bundles,
    verifier,
    signers: engines[0]![1].signers,
    ...(verified === undefined ? {} : { verified }),
    ...(records === undefined ? {} : { records }),
  });
}

async function onlyRecord(bundle: StoredBundle, verifier?: WitnessingVerifier): Promise<AttestationRecord> {
  const made = await direct([bundle], verifier);
  expect(made.input.attestations).toHaveLength(1);
  return made.input.attestations[0]!;
}

const LEAP_SECOND = '2026-11-20T23:59:60Z';
const ms = (text: string) => Date.parse(text);

describe('each record', () => {
  it('places evaluatedAt in time, and rejects a gate predicate whose evaluatedAt its schema accepts but no instant is (a leap second)', async () => {
    const placed = await onlyRecord(integrity);
    expect(placed.verified && placed.evaluated_at_ms).toBe(ms(EARLIER));
    const leap = stored('s/leap.sigstore.json', await signedGate('integrity', 'integrity-gate', ARTIFACT, integrityPredicate(ARTIFACT, LEAP_SECOND)));
    expect(await onlyRecord(leap)).toEqual({ id: id(leap), verified: false, reason: `evaluatedAt "${LEAP_SECOND}" cannot be placed in time`, claimed_predicate_type: 'https://gatehouse.dev/attestations/integrity/v1' });
  });

  it("places an approval workflow statement by its createdAt, naming that field when it cannot", async () => {
    const dataset = await signedStatement('s/dataset.sigstore.json', 'data-team', DATASET_TYPE, { name: 'chat', createdAt: EARLIER });
    const record = await onlyRecord(dataset);
    expect(record.verified && record.evaluated_at_ms).toBe(ms(EARLIER));
    const leap = await signedStatement('s/dataset-leap.sigstore.json', 'data-team', DATASET_TYPE, { name: 'chat', createdAt: LEAP_SECOND });
    expect(await onlyRecord(leap)).toMatchObject({ verified: false, reason: `createdAt "${LEAP_SECOND}" cannot be placed in time` });
  });

  it('takes from a predicate of a type gatehouse does not know nothing but the predicate: no time, window, author or seed', async () => {
    // Fields a gatehouse predicate would be read for, none of them placeable.
    const foreign = { gate: 'provenance', evaluatedAt: LEAP_SECOND, window: { start: EARLIER, end: '2026-11-20T10:00:00Z' }, modelSignature: { signer: modelSignerIdentity() } };
    const record = await onlyRecord(await signedStatement('s/foreign.sigstore.json', 'integrity-gate', 'https://example.org/foreign/v1', foreign));
    expect(record.verified).toBe(true);
    expect(record).toMatchObject({ predicate_type: 'https://example.org/foreign/v1', evaluated_at_ms: null, expected_seed: null, predicate: foreign });
    for (const field of ['window_ms', 'times_ms', 'named_signers', 'author', 'expected_draw']) expect(record).not.toHaveProperty(field);
  });

  it("places a canary's window, one of no length included, and rejects one that ends before it starts or cannot be placed", async () => {
    const times = canaryTimes(EARLIER);
    const canary = async (window: { start: string; end: string }) => {
      const predicate = { ...canaryPredicate(DEPLOYED, times, built.bundle.digest), window };
      return onlyRecord(stored('s/canary.sigstore.json', await signedGate('canary', 'canary-controller', ARTIFACT, predicate as never)));
    };
    expect(await canary(times.window)).toMatchObject({ verified: true, window_ms: { start: ms(times.window.start), end: ms(times.window.end) }, evaluated_at_ms: ms(times.evaluatedAt) });
    expect(await canary({ start: EARLIER, end: EARLIER })).toMatchObject({ verified: true, window_ms: { start: ms(EARLIER), end: ms(EARLIER) } });
    // The reason quotes the window as signed (canonical JSON: keys sorted).
    expect(await canary({ start: EARLIER, end: '2026-11-20T10:59:59Z' })).toMatchObject({ verified: false, reason: `window {"end":"2026-11-20T10:59:59Z","start":"${EARLIER}"} cannot be placed in time` });
    expect(await canary({ start: EARLIER, end: LEAP_SECOND })).toMatchObject({ verified: false, reason: `window {"end":"${LEAP_SECOND}","start":"${EARLIER}"} cannot be placed in time` });
    // Other gates have no window.
    expect(await onlyRecord(integrity)).not.toHaveProperty('window_ms');
  });

  it("places the times a gate names (a red-team engagement's), naming the one that cannot be placed", async () => {
    const predicate = redteamPredicate(ARTIFACT, EARLIER, built.bundle.digest) as unknown as { engagement: { start: string; end: string } };
    const record = await onlyRecord(stored('s/redteam.sigstore.json', await signedGate('redteam', 'red-team', ARTIFACT, predicate as never)));
    expect(record.verified && record.times_ms).toEqual({ engagement_start: ms(predicate.engagement.start), engagement_end: ms(predicate.engagement.end) });
    predicate.engagement.end = LEAP_SECOND;
    const leap = await onlyRecord(stored('s/redteam-leap.sigstore.json', await signedGate('redteam', 'red-team', ARTIFACT, predicate as never)));
    expect(leap).toMatchObject({ verified: false, reason: `engagement_end "${LEAP_SECOND}" cannot be placed in time` });
    expect(await onlyRecord(integrity)).not.toHaveProperty('times_ms');
  });

  it('maps the signers a data-provenance predicate names, by the bundle each signed, to their policy ids; nobody stays null', async () => {
    const predicate = dataProvenancePredicate(ARTIFACT, EARLIER, built.bundle.digest) as unknown as { provenance: { signer: unknown } };
    const record = await onlyRecord(stored('s/data.sigstore.json', await signedGate('data-provenance', 'data-provenance-gate', ARTIFACT, predicate as never)));
    const key = (name: string) => `key:${demoKeyIdentity(name).keyId}`;
    expect(record.verified && record.named_signers).toEqual({
      [`sha256:${'01'.repeat(32)}`]: { name: key('training-pipeline'), ids: ['training-pipeline'] },
      [`sha256:${'02'.repeat(32)}`]: { name: key('data-team'), ids: ['data-team'] },
      [`sha256:${'03'.repeat(32)}`]: { name: key('model-publisher'), ids: ['model-publisher'] },
    });
    predicate.provenance.signer = null;
    const anonymous = await onlyRecord(stored('s/data-anonymous.sigstore.json', await signedGate('data-provenance', 'data-provenance-gate', ARTIFACT, predicate as never)));
    expect(anonymous.verified && anonymous.named_signers?.[`sha256:${'01'.repeat(32)}`]).toBeNull();
    expect(await onlyRecord(integrity)).not.toHaveProperty('named_signers');
  });

  it("derives the seed a gate's evaluation must have used from the subject's sha256, and none for a subject named by another digest", async () => {
    const predicate = regressionPredicate(DEPLOYED, EARLIER, built.bundle.digest, ARTIFACT);
    // The seed the gate recorded is the one derived from what it judged.
    const record = await onlyRecord(regression);
    expect(record.verified && record.expected_seed).toBe((predicate as unknown as { seed: number }).seed);
    // As another producer may sign: the subject by sha512 only (gatehouse itself never signs that).
    const statement = { _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: 'model', digest: { sha512: 'ab'.repeat(64) } }], predicateType: 'https://gatehouse.dev/attestations/regression/v1', predicate };
    const bytes = await signRawPayload('regression-gate', JSON.stringify(statement));
    const sha512Only = await onlyRecord(stored('s/sha512.sigstore.json', bytes));
    expect(sha512Only).toMatchObject({ verified: true, subjects: [`sha512:${'ab'.repeat(64)}`], expected_seed: null });
  });

  it('records when a bundle was signed as the earliest time a witness vouches for, and none without a witness', async () => {
    const record = await onlyRecord(integrity);
    expect(record.verified && record.signed_at_ms).toBeNull();
    const witnessed = new WitnessingVerifier([new Date('2026-11-20T11:00:05Z'), new Date('2026-11-20T11:00:01Z'), new Date('2026-11-20T11:00:03Z')]);
    const signed = await onlyRecord(integrity, witnessed);
    expect(signed.verified && signed.signed_at_ms).toBe(ms('2026-11-20T11:00:01Z'));
  });

  it('verifies re-serialised copies of one bundle once, and again in the next decision unless outcomes are kept', async () => {
    const bundles = [integrity, reformatted, provenance];
    const afresh = new WitnessingVerifier();
    const first = await direct(bundles, afresh);
    expect(afresh.calls).toBe(2);
    expect(await direct(bundles, afresh)).toEqual(first);
    expect(afresh.calls).toBe(4);
    const kept = new WitnessingVerifier();
    const outcomes = new Map<string, VerificationOutcome>();
    expect(await direct(bundles, kept, outcomes)).toEqual(first);
    expect(await direct(bundles, kept, outcomes)).toEqual(first);
    expect(kept.calls).toBe(2);
    expect(outcomes.size).toBe(2);
  });

  it('keeps records across decisions by the sha256 of their bytes, reused without verifying again, never one a store misnamed', async () => {
    const verifier = new WitnessingVerifier();
    const records = new Map<string, BundleRecord>();
    const first = await direct([integrity, provenance], verifier, undefined, records);
    expect([...records.keys()].sort()).toEqual([integrity.bundleDigest, provenance.bundleDigest].sort());
    expect(await direct([integrity, provenance], verifier, undefined, records)).toEqual(first);
    expect(verifier.calls).toBe(2);
    // The provenance bundle's bytes under the regression bundle's digest: recorded under the name given, kept under none.
    const misnamed = { ...provenance, bundleDigest: regression.bundleDigest };
    const kept = new Map<string, BundleRecord>();
    const twice = new WitnessingVerifier();
    for (let i = 0; i < 2; i++) expect(ids((await direct([misnamed], twice, undefined, kept)).input)).toEqual([id(regression)]);
    expect(kept.size).toBe(0);
    expect(twice.calls).toBe(2);
  });

  it('rejects bytes that are no bundle with what the reader or verifier says, and no claimed type', async () => {
    const notBundle = 'not a Sigstore DSSE bundle: at document: must';
    const cases: Array<[string, string]> = [
      ['null', `${notBundle} be object`],
      ['42', `${notBundle} be object`],
      ['[]', `${notBundle} be object`],
      ['{}', `${notBundle} have required property 'mediaType'`],
      ['{"dsseEnvelope": null}', `${notBundle} have required property 'mediaType'`],
    ];
    for (const [text, reason] of cases) {
      const bundle = stored('s/odd.sigstore.json', Buffer.from(text));
      expect(await onlyRecord(bundle), text).toEqual({ id: id(bundle), verified: false, reason, claimed_predicate_type: null });
    }
    const garbled = await onlyRecord(stored('s/garbled.sigstore.json', Buffer.from('{"mediaType": ')));
    expect(garbled).toMatchObject({ verified: false, claimed_predicate_type: null });
    expect(garbled.verified === false && garbled.reason).toMatch(/^not valid JSON \(/);
  });

  it("states why a bundle does not verify without naming the source it was verified under", async () => {
    const json = JSON.parse(integrity.bytes.toString('utf8')) as { dsseEnvelope: { signatures: Array<{ sig: string }> } };
    const signature = Buffer.from(json.dsseEnvelope.signatures[0]!.sig, 'base64');
    signature[signature.length - 1]! ^= 1;
    json.dsseEnvelope.signatures[0]!.sig = signature.toString('base64');
    const tampered = stored('s/tampered.sigstore.json', Buffer.from(JSON.stringify(json)));
    const record = await onlyRecord(tampered);
    const said = refusal(() => new AttestationVerifier(engines[0]![1].signers.trust).verifyJSON(JSON.parse(tampered.bytes.toString('utf8')), 'bundle')).message;
    expect(said.startsWith('bundle: ')).toBe(true);
    expect(record).toEqual({ id: id(tampered), verified: false, reason: said.slice('bundle: '.length), claimed_predicate_type: 'https://gatehouse.dev/attestations/integrity/v1' });
  });
});
