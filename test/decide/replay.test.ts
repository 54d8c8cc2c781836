// Decision records and their replay, in process: what verifyDecisionRecord
// refuses (really signed records, altered before signing), how diffJSON names
// differences, what a record keeps of unreadable entries and the subject's
// name, and a replay against a folder store with an inventory (a bundle put
// after the record is not a difference, one deleted since is).
import { createHash } from 'node:crypto';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE, type Statement } from '../../src/attest/statement.ts';
import { canonicalJSON } from '../../src/canonical/json.ts';
import { DecisionEngine, type Decision } from '../../src/decide/decide.ts';
import { signDecision, toDecisionStatement, type DecisionRecordPredicate } from '../../src/decide/record.ts';
import { diffJSON, replayDecision, verifyDecisionRecord } from '../../src/decide/replay.ts';
import { decidePromotion } from '../../src/decide/workflow.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { InputError } from '../../src/error.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { AttestationStore, StoredBundle, UnreadableBundle } from '../../src/store/store.ts';
import type { TrustPolicy } from '../../src/verify/trust.ts';
import { temporaryDirectory } from '../helpers.ts';
import { EVALUATION_SET, asStored, integrityPredicate, provenancePredicate, regressionPredicate } from '../support/chain.ts';
import { buildTestBundle, demoSigner, signedGate } from '../support/policy.ts';
import { refusal } from '../support/refusal.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'a1'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d3'.repeat(32)}`;
const NOW = new Date('2026-11-20T12:00:00Z');
const EARLIER = '2026-11-20T11:00:00Z';

let engine: DecisionEngine;
let trust: TrustPolicy;
let cleanup: () => void;
let chain: Array<{ name: string; bytes: Buffer }>;

beforeAll(async () => {
  const built = await buildTestBundle((data) => {
    data.stages.test = { required_gates: ['integrity', 'provenance', 'regression'] };
    data.datasets = { regression: EVALUATION_SET };
  });
  cleanup = built.cleanup;
  engine = await DecisionEngine.create(built.bundle);
  trust = engine.signers.restrictedTo(engine.data.decision_signers ?? []);
  const policy = engine.bundle.digest;
  chain = [
    { name: 'integrity', bytes: await signedGate('integrity', 'integrity-gate', ARTIFACT, integrityPredicate(ARTIFACT, EARLIER)) },
    { name: 'provenance', bytes: await signedGate('provenance', 'provenance-gate', ARTIFACT, provenancePredicate(ARTIFACT, EARLIER, policy)) },
    { name: 'regression', bytes: await signedGate('regression', 'regression-gate', ARTIFACT, regressionPredicate(DEPLOYED, EARLIER, policy, ARTIFACT)) },
  ];
}, 120_000);

afterAll(() => cleanup?.());

function decide(bundles: Array<StoredBundle | UnreadableBundle>): Promise<Decision> {
  return engine.decide({ artifact: ARTIFACT, stage: 'test', deployed: DEPLOYED, evaluationTime: NOW, evaluationTimeSource: 'requested', bundles });
}

// A decision record's statement, changed by `alter`, signed as it then is by the demo decision recorder
// (around signStatement, which refuses a subject without sha256 before signing).
async function signedRecord(alter: (statement: Statement<DecisionRecordPredicate>) => void = () => {}): Promise<Buffer> {
  const statement = toDecisionStatement(await decide(asStored(chain)), 'model');
  alter(statement);
  const { signer } = await demoSigner('decision-recorder');
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: canonicalJSON(statement), type: IN_TOTO_PAYLOAD_TYPE });
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

describe('verifyDecisionRecord', () => {
  it('accepts the unaltered record, signed the same way', async () => {
    const record = verifyDecisionRecord(await signedRecord(), 'decision.json', trust);
    expect(record.artifact).toBe(ARTIFACT);
    expect(record.predicate.gatehouse.stage).toBe('test');
    // The helper signs exactly what signDecision signs.
    const signed = await signStatement(toDecisionStatement(await decide(asStored(chain)), 'model'), await demoSigner('decision-recorder'));
    expect(verifyDecisionRecord(Buffer.from(JSON.stringify(signed)), 'decision.json', trust).statement).toEqual(record.statement);
  });

  it('refuses a signed record of another predicate type (STATEMENT_INVALID), though its predicate is a valid record', async () => {
    const bytes = await signedRecord((statement) => {
      statement.predicateType = 'https://slsa.dev/verification_summary/v0.2';
    });
    const error = refusal(() => verifyDecisionRecord(bytes, 'decision.json', trust));
    expect(error.code).toBe('STATEMENT_INVALID');
    expect(error.message).toBe('decision.json: not a decision record (predicate type https://slsa.dev/verification_summary/v0.2)');
  });

  it('refuses a signed record whose predicate fails the schema (SCHEMA_INVALID, naming the file)', async () => {
    const bytes = await signedRecord((statement) => {
      (statement.predicate as { verificationResult: string }).verificationResult = 'MAYBE';
    });
    const error = refusal(() => verifyDecisionRecord(bytes, 'decision.json', trust), InputError);
    expect(error.code).toBe('SCHEMA_INVALID');
    expect(error.path).toBe('decision.json');
    expect(error.message).toMatch(/^not a valid decision record: .*verificationResult/);
  });

  it('refuses a signed record whose subject has no sha256 digest (SCHEMA_INVALID, not a digest error)', async () => {
    const bytes = await signedRecord((statement) => {
      statement.subject = [{ name: 'model', digest: { sha512: 'ab'.repeat(64) } } as never];
    });
    const error = refusal(() => verifyDecisionRecord(bytes, 'decision.json', trust), InputError);
    expect(error.code).toBe('SCHEMA_INVALID');
    expect(error.path).toBe('decision.json');
    expect(error.message).toBe('a decision record names its artifact by sha256; this one does not');
  });
});

describe('diffJSON', () => {
  it('finds nothing between equal values, whatever their key order', () => {
    expect(diffJSON({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }, 'r')).toEqual([]);
  });

  it('reports an array against an object with the same keys at the path itself, not per key', () => {
    expect(diffJSON([7], { 0: 7 }, 'r')).toEqual(['r: recorded [7], replayed {"0":7}']);
    expect(diffJSON({ 0: 7 }, [7], 'r')).toEqual(['r: recorded {"0":7}, replayed [7]']);
  });

  it('reports null or a number against an object whole', () => {
    expect(diffJSON(null, { a: 1 }, 'r')).toEqual(['r: recorded null, replayed {"a":1}']);
    expect(diffJSON({ a: 1 }, 2, 'r')).toEqual(['r: recorded {"a":1}, replayed 2']);
    expect(diffJSON('x', ['x'], 'r')).toEqual(['r: recorded "x", replayed ["x"]']);
  });

  it('compares the union of both sides\' keys, sorted, with array indices in brackets', () => {
    expect(diffJSON({ b: 1, a: 1 }, { c: 2, a: 2 }, 'r')).toEqual(['r.a: recorded 1, replayed 2', 'r.b: recorded 1, replayed (absent)', 'r.c: recorded (absent), replayed 2']);
    expect(diffJSON({ list: [1, 2] }, { list: [1, 3, 4] }, 'r')).toEqual(['r.list[1]: recorded 2, replayed 3', 'r.list[2]: recorded (absent), replayed 4']);
  });

  it('stops at the limit, nested differences included', () => {
    const many = (value: number) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${String(i).padStart(2, '0')}`, value]));
    const fifty = diffJSON(many(1), many(2), 'r');
    expect(fifty).toHaveLength(50);
    expect(fifty[0]).toBe('r.k00: recorded 1, replayed 2');
    expect(fifty[49]).toBe('r.k49: recorded 1, replayed 2');
    // Two keys of two differences each under a limit of 3: the second key's are cut to one.
    const nested = diffJSON({ a: { x: 1, y: 1 }, b: { x: 1, y: 1 } }, { a: { x: 2, y: 2 }, b: { x: 2, y: 2 } }, 'r', 3);
    expect(nested).toEqual(['r.a.x: recorded 1, replayed 2', 'r.a.y: recorded 1, replayed 2', 'r.b.x: recorded 1, replayed 2']);
  });
});

describe('the decision record', () => {
  it('lists unreadable entries by their last path segment, and only those', async () => {
    const broken: UnreadableBundle = {
      location: '/srv/store/sha256-aa/broken.sigstore.json',
      error: new InputError({ code: 'BUNDLE_MALFORMED', message: 'not JSON', path: '/srv/store/sha256-aa/broken.sigstore.json' }),
    };
    const decision = await decide([...asStored(chain), broken]);
    const { predicate } = toDecisionStatement(decision, 'model');
    expect(predicate!.gatehouse.unreadable).toEqual(['broken.sigstore.json']);
    expect(predicate!.inputAttestations).toHaveLength(3);
    expect(toDecisionStatement(await decide(asStored(chain))).predicate!.gatehouse.unreadable).toEqual([]);
  });

  it('is a SLSA verification summary: the verifier and its version, the resource, the policy, each input by its content name, the result', async () => {
    const decision = await decide(asStored(chain));
    const { predicateType, predicate } = toDecisionStatement(decision, 'model');
    expect(predicateType).toBe('https://slsa.dev/verification_summary/v1');
    expect(predicate!.verifier).toStrictEqual({ id: 'https://gatehouse.dev/verifier', version: { [decision.engine.name]: decision.engine.version } });
    expect(decision.engine.name).toBe('gatehouse');
    expect(predicate!.timeVerified).toBe('2026-11-20T12:00:00Z');
    expect(predicate!.resourceUri).toBe(`gatehouse:${ARTIFACT}`);
    expect(predicate!.policy).toStrictEqual({ uri: 'gatehouse-policy-bundle', digest: { sha256: engine.bundle.digest } });
    const digests = chain.map((bundle) => createHash('sha256').update(bundle.bytes).digest('hex')).sort();
    expect(predicate!.inputAttestations).toStrictEqual(digests.map((hex) => ({ uri: `${hex}.sigstore.json`, digest: { sha256: hex } })));
    expect(predicate!.verificationResult).toBe(decision.result.allowed ? 'PASSED' : 'FAILED');
    expect(predicate!.verifiedLevels).toStrictEqual([]);
    expect(predicate!.slsaVersion).toBe('1.0');
    expect(predicate!.gatehouse.stage).toBe('test');
    expect(predicate!.gatehouse.result).toStrictEqual(decision.result);
  });

  it('names its subject as the caller does, and not at all when the caller gives no name', async () => {
    const decision = await decide(asStored(chain));
    expect(toDecisionStatement(decision, 'model').subject).toStrictEqual([{ name: 'model', digest: { sha256: ARTIFACT.slice(7) } }]);
    expect(toDecisionStatement(decision).subject).toStrictEqual([{ digest: { sha256: ARTIFACT.slice(7) } }]);
  });
});

// A folder store as a backend that keeps no inventory (as an OCI registry) sees it: the same bundles, no inventory.
function withoutInventory(store: FileSystemAttestationStore): AttestationStore {
  return {
    uri: store.uri,
    put: (bytes) => store.put(bytes),
    get: (digest) => store.get(digest),
    list: (subject, options) => store.list(subject, options),
    subjects: () => store.subjects(),
    recordDecision: (bytes) => store.recordDecision(bytes),
    inventoryHead: async () => null,
    inventoryOf: async () => null,
    checkInventory: async () => null,
    close: () => store.close(),
  };
}

describe('replay against a folder store with an inventory', () => {
  async function recordedDecision(extra: (dir: string) => void = () => {}, as: (store: FileSystemAttestationStore) => AttestationStore = (store) => store) {
    const dir = await temporaryDirectory();
    const store = as(new FileSystemAttestationStore(dir));
    for (const bundle of chain) await store.put(bundle.bytes);
    extra(dir);
    const recorder = (await demoSigner('decision-recorder')).signer;
    const outcome = await decidePromotion({ subject: ARTIFACT, stage: 'test', deployed: DEPLOYED, evaluationTime: NOW, store, policy: engine.bundle, engine, recordSigner: { signer: recorder, source: 'decision-recorder.key' } });
    const record = verifyDecisionRecord(Buffer.from(JSON.stringify(outcome.record)), 'decision.json', trust);
    return { dir, store, outcome, record };
  }

  it('replays identically at the head the record saw, though a bundle about the artifact was put since', async () => {
    const { store, outcome, record } = await recordedDecision();
    expect(outcome.decision.input.inventory.verified).toBe(true);
    expect(record.predicate.gatehouse.inventory).toEqual(await store.inventoryHead());
    expect(record.predicate.gatehouse.inventory!.sequence).toBe(3);
    expect(record.statement.subject[0]!.name).toBe(ARTIFACT);
    const same = await replayDecision(record, engine, store);
    expect(same.differences).toEqual([]);
    expect(same.identical).toBe(true);
    expect(same.replayed.input.inventory.verified).toBe(true);

    // A later integrity attestation about the artifact: listed now, but not at the recorded head.
    await store.put(await signedGate('integrity', 'integrity-gate', ARTIFACT, integrityPredicate(ARTIFACT, '2026-11-20T11:30:00Z')));
    expect((await store.inventoryHead())!.sequence).toBe(4);
    const later = await replayDecision(record, engine, store);
    expect(later.differences).toEqual([]);
    expect(later.replayed.inventory).toEqual(record.predicate.gatehouse.inventory);
  });

  it('reports a bundle deleted since: missing, and the inventory no longer accounting for it', async () => {
    const { dir, store, record } = await recordedDecision();
    const gone = record.predicate.inputAttestations[0]!.digest.sha256;
    rmSync(join(dir, `sha256-${ARTIFACT.slice(7)}`, `${gone}.sigstore.json`));
    const replay = await replayDecision(record, engine, store);
    expect(replay.identical).toBe(false);
    expect(replay.differences[0]).toBe(`attestation sha256:${gone} is recorded but not in ${store.uri}`);
    const inventoryProblems = replay.differences.filter((line) => line.startsWith(`inventory of ${store.uri}: `));
    expect(inventoryProblems.length).toBeGreaterThan(0);
    expect(inventoryProblems.some((line) => line.includes(gone))).toBe(true);
    expect(replay.replayed.input.inventory.verified).toBe(false);
    expect(replay.differences).toContain('record.predicate.gatehouse.inputDigest: recorded ' + JSON.stringify(record.predicate.gatehouse.inputDigest) + ', replayed ' + JSON.stringify(`sha256:${replay.replayed.inputDigest}`));
  });

  it('reports a store whose inventory never had the head the record saw (the same bundles, put in another order)', async () => {
    const { record } = await recordedDecision();
    const other = new FileSystemAttestationStore(await temporaryDirectory());
    for (const bundle of [...chain].reverse()) await other.put(bundle.bytes);
    const seen = record.predicate.gatehouse.inventory!;
    expect((await other.inventoryHead())!.sequence).toBe(seen.sequence);
    const replay = await replayDecision(record, engine, other);
    expect(replay.identical).toBe(false);
    expect(replay.differences).toContain(
      `inventory of ${other.uri}: inventory head ${seen.sequence}:${seen.head} is not on the chain (a decision saw it, or it was asked for): entries were deleted or rewritten`,
    );
    expect(replay.replayed.input.inventory.verified).toBe(false);
  });

  it('reports a store that keeps no inventory when the record saw one', async () => {
    const { dir, record } = await recordedDecision();
    const bare = withoutInventory(new FileSystemAttestationStore(dir));
    const replay = await replayDecision(record, engine, bare);
    const seen = record.predicate.gatehouse.inventory!;
    expect(replay.differences).toContain(`the record saw inventory head ${seen.sequence}:${seen.head}, but ${bare.uri} keeps no inventory`);
    expect(replay.identical).toBe(false);
  });

  it('reads again an entry the record names as unreadable, and only that one', async () => {
    // Without an inventory: with one, the stray file is also a problem of the store's inventory check.
    const { dir, store, outcome, record } = await recordedDecision((root) => writeFileSync(join(root, `sha256-${ARTIFACT.slice(7)}`, 'notes.txt'), 'not a bundle'), withoutInventory);
    expect(record.predicate.gatehouse.unreadable).toEqual(['notes.txt']);
    expect(record.predicate.gatehouse.inventory).toBeUndefined();
    expect(outcome.decision.input.attestations.find((r) => !r.verified)).toMatchObject({ id: 'unreadable:notes.txt', verified: false });
    const same = await replayDecision(record, engine, store);
    expect(same.differences).toEqual([]);
    // Another unreadable entry since, under a name the record does not list: not read, not a difference.
    writeFileSync(join(dir, `sha256-${ARTIFACT.slice(7)}`, 'other.txt'), 'not a bundle either');
    expect((await replayDecision(record, engine, store)).differences).toEqual([]);
  });
});

// Records made with signDecision verify and replay like those made above (the helper does not change what is signed).
it('signDecision signs the statement toDecisionStatement makes', async () => {
  const decision = await decide(asStored(chain));
  const record = verifyDecisionRecord(Buffer.from(JSON.stringify(await signDecision(decision, await demoSigner('decision-recorder'), 'model'))), 'decision.json', trust);
  expect(record.statement).toEqual(toDecisionStatement(decision, 'model'));
});
