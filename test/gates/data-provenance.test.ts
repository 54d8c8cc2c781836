// The data-provenance gate through the real CLI (main(), in process) under
// the committed example policy: SLSA provenance v1 signed by gatehouse and by
// an independent tool (cosign attest-blob), the data team's dataset
// attestations, a base model's OpenSSF model signature; each way the
// training data can fail to be accounted for.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { cli, COMMITTED_BUNDLE, DEMO_KEYS, POLICY_PUB, statementOf } from '../attacks/world.ts';
import { run, temporaryDirectory, tool } from '../helpers.ts';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { dataProvenanceGate } from '../../src/gates/data-provenance/index.ts';
import { fileSink } from '../../src/gates/workflow.ts';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { attestPredicate, signStatement } from '../../src/sign/attest.ts';
import { approvedSource, evaluateDataProvenance, materialKind, type Material } from '../../src/gates/data-provenance/evaluate.ts';
import { dataProvenanceDefinition } from '../../src/gates/data-provenance/definition.ts';
import { compileSchema } from '../../src/schema/validator.ts';
import { buildTestBundle, demoSigner } from '../support/policy.ts';
import { ISSUER, SUBJECT, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';

const MODEL = `sha256:${'c7'.repeat(32)}`;
const OTHER = `sha256:${'0e'.repeat(32)}`;
const AT = '2026-11-30T12:00:00Z';
/** The example policy's known-poisoned digest (policies/data/thresholds.yaml). */
const POISONED = 'dbcd3e546df5ebdcbd0de5853424277cc899a3a45b6474c07b62ae5ccc9fc8d6';

// Files every case shares: a dataset and the data team's attestation of it, a base model signed by the model publisher.
let dir: string;
let dataset: string;
let datasetAttestation: string;
let baseModel: { digest: string; signature: string };

const key = (name: string) => join(DEMO_KEYS, `${name}.key`);

async function attest(subject: string, type: string, predicate: object, signer: string): Promise<string> {
  const name = `${sha256Hex(JSON.stringify([subject, type, predicate, signer])).slice(0, 12)}.sigstore.json`;
  const predicateFile = join(dir, `${name}.predicate.json`);
  writeFileSync(predicateFile, JSON.stringify(predicate));
  const result = await cli(['attest', '--subject', subject, '--predicate-type', type, '--predicate', predicateFile, '--signing-key', key(signer), '--out', join(dir, name)]);
  expect(result.code, result.stderr).toBe(0);
  return join(dir, name);
}

/** A SLSA provenance v1 predicate whose resolved dependencies are these. */
function slsa(dependencies: object[]): object {
  return {
    buildDefinition: { buildType: 'https://gatehouse.dev/examples/fine-tune/v1', externalParameters: { epochs: 3 }, resolvedDependencies: dependencies },
    runDetails: { builder: { id: 'https://ci.example/trainer' } },
  };
}

const SLSA = 'https://slsa.dev/provenance/v1';

function dependencies(change: (deps: Array<Record<string, any>>) => void = () => {}): object[] {
  const deps: Array<Record<string, any>> = [
    { uri: 'https://models.example/base-7b', digest: { sha256: baseModel.digest.slice(7) }, annotations: { kind: 'base-model' } },
    { uri: 'https://data.example/private/chat.jsonl', digest: { sha256: sha256Hex(readFileSync(dataset)) } },
    { uri: 'https://datasets.gatehouse.dev/approved/wiki.jsonl', digest: { sha256: 'ab'.repeat(32) } },
    { uri: 'git+https://git.example/train@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } },
  ];
  change(deps);
  return deps;
}

async function gate(provenance: string, options: { datasets?: string[]; bases?: string[]; subject?: string } = {}) {
  const out = join(await temporaryDirectory(), 'data-provenance.sigstore.json');
  const result = await cli([
    'gate', 'data-provenance', '--subject', options.subject ?? MODEL, '--provenance', provenance,
    ...(options.datasets ?? [datasetAttestation]).flatMap((file) => ['--dataset-attestation', file]),
    ...(options.bases ?? [baseModel.signature]).flatMap((file) => ['--base-model-signature', file]),
    '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--signing-key', key('data-provenance-gate'), '--out', out, '--at', AT,
  ]);
  return { ...result, out, predicate: existsSync(out) ? statementOf(readFileSync(out)).predicate! : undefined };
}

beforeAll(async () => {
  // Shared by every case, so not a per-test temporary directory.
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-data-provenance-'));
  dataset = join(dir, 'chat.jsonl');
  writeFileSync(dataset, '{"prompt": "hello", "answer": "hi"}\n');
  datasetAttestation = await attest(dataset, 'https://gatehouse.dev/attestations/dataset/v1', { name: 'chat', license: 'CC0-1.0', createdAt: '2026-11-20T00:00:00Z' }, 'data-team');
  const base = join(dir, 'base-7b');
  mkdirSync(base);
  writeFileSync(join(base, 'config.json'), '{"hidden_size": 8}\n');
  writeFileSync(join(base, 'weights.bin'), 'weights of the base model');
  const signed = await cli(['sign-model', base, '--signing-key', key('model-publisher'), '--json']);
  expect(signed.code, signed.stderr).toBe(0);
  const digested = await cli(['digest', base, '--json']);
  baseModel = { digest: digested.json.digest, signature: join(base, 'model.sig') };
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gatehouse gate data-provenance', () => {
  describe('with provenance gatehouse signed for the training pipeline', () => {
    it('passes, recording every material with its kind, digest and the signature vouching for it', async () => {
      const result = await gate(await attest(MODEL, SLSA, slsa(dependencies()), 'training-pipeline'));
      expect(result.code, result.stderr).toBe(0);
      const predicate = result.predicate!;
      expect(predicate['provenance']).toMatchObject({ predicateType: SLSA, subjects: [MODEL], builder: 'https://ci.example/trainer', signer: { kind: 'key' } });
      expect(predicate['materials'].map((m: any) => [m.kind, m.digest === null ? null : m.digest.slice(0, 9), m.signature?.predicateType ?? null])).toEqual([
        ['base-model', baseModel.digest.slice(0, 9), 'https://model_signing/signature/v1.0'],
        ['dataset', `sha256:${sha256Hex(readFileSync(dataset)).slice(0, 2)}`, 'https://gatehouse.dev/attestations/dataset/v1'],
        ['dataset', 'sha256:ab', null],
        ['source', null, null],
      ]);
      expect(predicate['evidence'].map((e: any) => e.role)).toEqual(['provenance', 'dataset-attestation', 'base-model-signature']);
      expect(predicate['rejected']).toEqual([]);
    });
  });

  describe('with provenance made by cosign attest-blob (an independent tool), keyed', () => {
    it('verifies it with the pipeline\'s key and passes', async () => {
      const env = { ...process.env, COSIGN_PASSWORD: '' };
      const cosign = tool('.tools/bin/cosign');
      const prefix = join(dir, 'cosign-training-pipeline');
      if (!existsSync(`${prefix}.key`)) expect(run(cosign, ['import-key-pair', '--key', key('training-pipeline'), '--output-key-prefix', prefix], { env }).status).toBe(0);
      writeFileSync(join(dir, 'slsa.json'), JSON.stringify(slsa(dependencies())));
      const bundle = join(dir, 'cosign-provenance.sigstore.json');
      const attested = run(cosign, [
        'attest-blob', '--key', `${prefix}.key`, '--predicate', join(dir, 'slsa.json'), '--type', 'slsaprovenance1', '--hash', MODEL.slice(7),
        '--bundle', bundle, '--new-bundle-format', '--tlog-upload=false', '--use-signing-config=false', '--yes', 'model-A',
      ], { env });
      expect(attested.status, attested.stderr).toBe(0);
      const result = await gate(bundle);
      expect(result.code, result.stderr).toBe(0);
      expect(result.predicate!['provenance']).toMatchObject({ predicateType: SLSA, subjects: [MODEL] });
      // The same bundle is about one model only.
      const other = await gate(bundle, { subject: OTHER });
      expect(other.code).toBe(1);
      expect(other.predicate!['reasons']).toEqual([`the provenance is about ${MODEL}, not the model ${OTHER}`]);
    });
  });

  describe('fails, signing the reasons, when', () => {
    it('the provenance is about another model', async () => {
      const result = await gate(await attest(OTHER, SLSA, slsa(dependencies()), 'training-pipeline'));
      expect(result.code).toBe(1);
      expect(result.predicate!['reasons']).toEqual([`the provenance is about ${OTHER}, not the model ${MODEL}`]);
    });

    it('the provenance is signed by someone the policy does not name as a builder', async () => {
      const result = await gate(await attest(MODEL, SLSA, slsa(dependencies()), 'data-team'));
      expect(result.code).toBe(1);
      expect(result.predicate!['reasons'][0]).toMatch(/^training provenance not verified against the builders \(training-pipeline\): /);
      expect(result.predicate!['provenance']['signer']).toBeNull();
      expect(result.predicate!['materials']).toEqual([]);
    });

    it('the provenance is not SLSA provenance v1', async () => {
      const old = await gate(await attest(MODEL, 'https://slsa.dev/provenance/v0.2', { builder: { id: 'x' } }, 'training-pipeline'));
      expect(old.predicate!['reasons']).toEqual(['training provenance has predicate type https://slsa.dev/provenance/v0.2, expected https://slsa.dev/provenance/v1']);
      const malformed = await gate(await attest(MODEL, SLSA, { buildDefinition: {} }, 'training-pipeline'));
      expect(malformed.predicate!['reasons'][0]).toMatch(/^training provenance is not SLSA provenance v1: /);
    });

    it('a dataset is not pinned by a sha256 digest', async () => {
      const unpinned = dependencies((deps) => (deps[2] = { uri: 'https://datasets.gatehouse.dev/approved/latest.jsonl' }));
      const result = await gate(await attest(MODEL, SLSA, slsa(unpinned), 'training-pipeline'));
      expect(result.code).toBe(1);
      expect(result.predicate!['reasons']).toEqual(['dataset https://datasets.gatehouse.dev/approved/latest.jsonl is not pinned by a sha256 digest']);
    });

    it('a dataset has a known-poisoned digest, even from an approved source', async () => {
      const poisoned = dependencies((deps) => (deps[2]!['digest'] = { sha256: POISONED }));
      const result = await gate(await attest(MODEL, SLSA, slsa(poisoned), 'training-pipeline'));
      expect(result.code).toBe(1);
      expect(result.predicate!['reasons']).toEqual([`dataset https://datasets.gatehouse.dev/approved/wiki.jsonl has the denied digest sha256:${POISONED} (example entry: a dataset known to be poisoned)`]);
    });

    it('a dataset is neither from an approved source nor attested by the data team (none given, or one by another role)', async () => {
      const provenance = await attest(MODEL, SLSA, slsa(dependencies()), 'training-pipeline');
      const none = await gate(provenance, { datasets: [] });
      expect(none.predicate!['reasons']).toEqual(['dataset https://data.example/private/chat.jsonl is neither signed by the data team nor from an approved source']);
      const byRiskOwner = await attest(dataset, 'https://gatehouse.dev/attestations/dataset/v1', { name: 'chat', createdAt: '2026-11-20T00:00:00Z' }, 'risk-owner');
      const wrongRole = await gate(provenance, { datasets: [byRiskOwner] });
      expect(wrongRole.predicate!['reasons']).toEqual(none.predicate!['reasons']);
      expect(wrongRole.predicate!['rejected']).toEqual([{ bundleDigest: `sha256:${sha256Hex(readFileSync(byRiskOwner))}`, reason: expect.stringMatching(/not verified against the dataset signers \(data-team\)/) }]);
      // A data-team attestation of another kind of statement vouches for nothing.
      const wrongType = await attest(dataset, 'https://example.com/not-a-dataset/v1', { name: 'chat' }, 'data-team');
      const rejected = await gate(provenance, { datasets: [wrongType] });
      expect(rejected.predicate!['rejected'][0].reason).toMatch(/predicate type https:\/\/example\.com\/not-a-dataset\/v1, expected https:\/\/gatehouse\.dev\/attestations\/dataset\/v1/);
    });

    it('the base model carries no signature, or one by a publisher the policy does not approve', async () => {
      const provenance = await attest(MODEL, SLSA, slsa(dependencies()), 'training-pipeline');
      const unsigned = await gate(provenance, { bases: [] });
      expect(unsigned.code).toBe(1);
      expect(unsigned.predicate!['reasons']).toEqual([`base model https://models.example/base-7b carries no model signature from an approved publisher over ${baseModel.digest}`]);
      const other = join(dir, 'base-by-pipeline');
      mkdirSync(other, { recursive: true });
      writeFileSync(join(other, 'config.json'), '{"hidden_size": 8}\n');
      writeFileSync(join(other, 'weights.bin'), 'weights of the base model');
      expect((await cli(['sign-model', other, '--signing-key', key('training-pipeline')])).code).toBe(0);
      const wrongPublisher = await gate(provenance, { bases: [join(other, 'model.sig')] });
      expect(wrongPublisher.predicate!['reasons']).toEqual(unsigned.predicate!['reasons']);
      expect(wrongPublisher.predicate!['rejected'][0].reason).toMatch(/model signature not verified/);
    });
  });

  describe('with a file that is no bundle', () => {
    it('refuses it in one line naming the file, exit 2, nothing written', async () => {
      const junk = join(dir, 'junk.json');
      writeFileSync(junk, '{"not": "a bundle"');
      const provenance = await attest(MODEL, SLSA, slsa(dependencies()), 'training-pipeline');
      for (const result of [await gate(junk), await gate(provenance, { datasets: [junk] })]) {
        expect(result.code).toBe(2);
        expect(result.stderr.split('\n')).toHaveLength(1);
        expect(result.stderr).toContain('junk.json');
        expect(existsSync(result.out)).toBe(false);
      }
    });

    it('refuses a base model signature file that is not there, exit 2', async () => {
      const result = await gate(await attest(MODEL, SLSA, slsa(dependencies()), 'training-pipeline'), { bases: [join(dir, 'missing', 'model.sig')] });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/missing\/model\.sig/);
      expect(existsSync(result.out)).toBe(false);
    });
  });
});

describe('dataProvenanceGate with keyless provenance (a Fulcio certificate, a Rekor entry, a timestamp)', () => {
  let sigstore: MockSigstore;
  let policy: { bundle: VerifiedPolicyBundle; cleanup: () => void };
  beforeAll(async () => {
    sigstore = await startMockSigstore();
    policy = await buildTestBundle((data) => {
      data.signers['ci-training'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT };
      data.trusted_root = TrustedRoot.toJSON(sigstore.trustedRoot);
      // Two builders and two dataset signers, so a refusal is seen to name every one it tried.
      data.thresholds['data-provenance'].builders = ['ci-training', 'training-pipeline'];
      data.thresholds['data-provenance'].dataset_signers = ['data-team', 'model-publisher'];
    });
  }, 60_000);
  afterAll(() => {
    policy?.cleanup();
    sigstore?.stop();
  });

  /** Writes a bundle to a file of its own and returns its path. */
  async function written(bundle: object, name = 'evidence.sigstore.json'): Promise<string> {
    const path = join(await temporaryDirectory(), name);
    writeFileSync(path, JSON.stringify(bundle));
    return path;
  }

  async function judge(request: { provenance: string; datasetAttestations?: string[]; baseModelSignatures?: string[] }) {
    const sink = fileSink({ out: join(await temporaryDirectory(), 'out.sigstore.json') });
    return (await dataProvenanceGate({ subject: MODEL, policy: policy.bundle, ...request }, { evaluatedAt: new Date(AT), signing: await demoSigner('data-provenance-gate'), sink })).statement.predicate!;
  }

  async function keylessGate(claims?: Record<string, unknown>, deps = dependencies()) {
    const { bundle } = await attestPredicate({ name: 'model', digest: MODEL as `sha256:${string}` }, SLSA, slsa(deps), sigstore.signing(claims));
    return judge({ provenance: await written(bundle, 'provenance.sigstore.json'), datasetAttestations: [datasetAttestation], baseModelSignatures: [baseModel.signature] });
  }

  /** An in-toto statement about `digests` (algorithm to hex), signed by `signing`. */
  async function signedAbout(digests: Record<string, string>, predicateType: string, predicate: object, signing: Parameters<typeof signStatement>[1]): Promise<string> {
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: digests }], predicateType, predicate };
    return written(await signStatement(statement as Parameters<typeof signStatement>[0], signing));
  }

  it('verifies it against the keyless builder policy data names, and records the OIDC identity', async () => {
    const predicate = await keylessGate();
    expect(predicate.reasons).toEqual([]);
    expect(predicate.provenance.signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT });
  });

  it('fails provenance signed keyless by an identity policy data does not name', async () => {
    const predicate = await keylessGate({ iss: ISSUER, sub: 'https://github.com/mallory/x/.github/workflows/y.yml@refs/heads/main' });
    expect(predicate.verdict).toBe('fail');
    expect(predicate.reasons[0]).toMatch(/^training provenance not verified against the builders \(ci-training, training-pipeline\): .*mallory/);
    // Nothing is taken from provenance that did not verify: no subjects, no materials.
    expect(predicate.provenance).toMatchObject({ predicateType: null, subjects: [], buildType: null, builder: null, signer: null });
    expect(predicate.materials).toEqual([]);
  });

  it("records only the sha256 digests of the provenance's and a dataset attestation's subjects", async () => {
    const datasetHex = sha256Hex(readFileSync(dataset));
    const provenance = await signedAbout({ sha256: MODEL.slice(7), sha512: 'ab'.repeat(64) }, SLSA, slsa(dependencies()), sigstore.signing());
    const attestation = await signedAbout({ sha256: datasetHex, sha512: 'cd'.repeat(64) }, 'https://gatehouse.dev/attestations/dataset/v1', { name: 'chat', createdAt: '2026-11-20T00:00:00Z' }, await demoSigner('data-team'));
    const predicate = await judge({ provenance, datasetAttestations: [attestation], baseModelSignatures: [baseModel.signature] });
    expect(predicate.reasons).toEqual([]);
    expect(predicate.provenance.subjects).toEqual([MODEL]);
    expect(predicate.materials.find((m) => m.kind === 'dataset' && m.signature !== null)?.signature?.subjects).toEqual([`sha256:${datasetHex}`]);
  });

  it('names every dataset signer it tried when a dataset attestation does not verify', async () => {
    const byRiskOwner = await signedAbout({ sha256: sha256Hex(readFileSync(dataset)) }, 'https://gatehouse.dev/attestations/dataset/v1', { name: 'chat', createdAt: '2026-11-20T00:00:00Z' }, await demoSigner('risk-owner'));
    const { bundle } = await attestPredicate({ name: 'model', digest: MODEL as `sha256:${string}` }, SLSA, slsa(dependencies()), sigstore.signing());
    const predicate = await judge({ provenance: await written(bundle), datasetAttestations: [byRiskOwner], baseModelSignatures: [baseModel.signature] });
    expect(predicate.rejected).toEqual([{ bundleDigest: `sha256:${sha256Hex(readFileSync(byRiskOwner))}`, reason: expect.stringContaining(`${byRiskOwner}: not verified against the dataset signers (data-team, model-publisher): `) }]);
  });

  it('takes a request without dataset attestations or base model signatures as none given', async () => {
    const { bundle } = await attestPredicate({ name: 'model', digest: MODEL as `sha256:${string}` }, SLSA, slsa(dependencies()), sigstore.signing());
    const predicate = await judge({ provenance: await written(bundle) });
    expect(predicate.evidence.map((e) => e.role)).toEqual(['provenance']);
    expect(predicate.reasons).toEqual([
      `base model https://models.example/base-7b carries no model signature from an approved publisher over ${baseModel.digest}`,
      'dataset https://data.example/private/chat.jsonl is neither signed by the data team nor from an approved source',
    ]);
  });

  it('rejects a base model signature whose subject is not its own manifest, though its publisher signed it', async () => {
    const original = statementOf(readFileSync(baseModel.signature));
    const elsewhere = await signedAbout({ sha256: 'ee'.repeat(32) }, original.predicateType, original.predicate!, await demoSigner('model-publisher'));
    const { bundle } = await attestPredicate({ name: 'model', digest: MODEL as `sha256:${string}` }, SLSA, slsa(dependencies()), sigstore.signing());
    const predicate = await judge({ provenance: await written(bundle), datasetAttestations: [datasetAttestation], baseModelSignatures: [elsewhere] });
    expect(predicate.rejected).toEqual([{ bundleDigest: `sha256:${sha256Hex(readFileSync(elsewhere))}`, reason: `${elsewhere}: its subject sha256:${'ee'.repeat(32)} does not match its own manifest (${baseModel.digest})` }]);
    expect(predicate.reasons).toEqual([`base model https://models.example/base-7b carries no model signature from an approved publisher over ${baseModel.digest}`]);
  });

  it('pins a material only by a sha256 digest of exactly 64 lower-case hex digits', async () => {
    const hex = sha256Hex(readFileSync(dataset));
    for (const sha256 of [`${hex}0`, `0${hex}`, hex.toUpperCase()]) {
      const predicate = await keylessGate(undefined, dependencies((deps) => (deps[1]!['digest'] = { sha256 })));
      expect(predicate.materials[1], sha256).toMatchObject({ digest: null, digests: { sha256 }, signature: null });
      expect(predicate.reasons, sha256).toContain('dataset https://data.example/private/chat.jsonl is not pinned by a sha256 digest');
    }
  });
});

describe('approvedSource', () => {
  const thresholds = (...approved_sources: string[]) => ({ builders: ['b'], dataset_signers: [], base_model_publishers: [], approved_sources, denied_digests: [] });
  const APPROVED = thresholds('https://datasets.example/approved/');

  it('approves a URI under the source, with dots that are no path segment, or in its query or fragment', () => {
    for (const uri of [
      'https://datasets.example/approved/wiki.jsonl',
      'https://datasets.example/approved/wiki..jsonl',
      'https://datasets.example/approved/a/.hidden/x.jsonl',
      'https://datasets.example/approved/x.jsonl?path=../y',
      'https://datasets.example/approved/x.jsonl#..',
    ]) {
      expect([uri, approvedSource(APPROVED, uri)]).toEqual([uri, true]);
    }
  });

  it('does not approve a URI that only begins with its text, or one whose path steps out of it', () => {
    for (const uri of [
      null,
      'https://datasets.example/approved',
      'https://datasets.example/approved-evil/wiki.jsonl',
      'https://datasets.example/approved/../private/chat.jsonl',
      'https://datasets.example/approved/sub/..',
      'https://datasets.example/approved/./../x.jsonl',
      'https://datasets.example/approved/%2e%2E/private/x.jsonl',
      'https://datasets.example/approved/.%2e/x.jsonl',
      'https://datasets.example/approved/..%2Fprivate%2fx.jsonl',
      'https://datasets.example/approved/..%5Cprivate%5cx.jsonl',
      'https://datasets.example/approved/./x.jsonl',
      'https://datasets.example/approved/..\\private\\x.jsonl',
      'https://datasets.example/approved/..?v=1',
    ]) {
      expect([uri, approvedSource(APPROVED, uri)]).toEqual([uri, false]);
    }
    // Only the path after the source is read for steps out: a source may itself hold an encoded slash.
    expect(approvedSource(thresholds('https://datasets.example/team%2Fshared/'), 'https://datasets.example/team%2Fshared/x.jsonl')).toBe(true);
    // A URI elsewhere, whatever its length after the source's would be.
    expect(approvedSource(APPROVED, 'https://elsewhere.example/data/x.jsonl')).toBe(false);
    expect(approvedSource(APPROVED, 'https://elsewhere.example/approved/x.jsonl')).toBe(false);
    // A source without its closing slash names no directory, so it approves nothing.
    expect(approvedSource(thresholds('https://datasets.example/approved'), 'https://datasets.example/approved-evil/wiki.jsonl')).toBe(false);
    expect(approvedSource(thresholds('https://datasets.example/approved'), 'https://datasets.example/approved/wiki.jsonl')).toBe(false);
  });

  it('is refused in policy data unless it is scheme://host/ and a directory', () => {
    const schema = compileSchema(dataProvenanceDefinition.thresholdsSchema as { $id: string } & Record<string, unknown>);
    expect(schema.problem(APPROVED)).toBeUndefined();
    expect(schema.problem(thresholds('s3://bucket/'))).toBeUndefined();
    for (const source of ['https://datasets.example/approved', 'https://datasets.example', 'datasets.example/approved/', 'https://datasets.example/approved/?x=/', '']) {
      expect([source, schema.problem(thresholds(source))]).toEqual([source, expect.stringContaining('approved_sources/0')]);
    }
  });
});

describe('materialKind', () => {
  it('takes the kind a dependency declares, and otherwise a source for a git URI and a dataset for anything else', () => {
    for (const kind of ['dataset', 'base-model', 'source'] as const) {
      expect(materialKind({ uri: 'https://x.example/a', annotations: { kind } })).toBe(kind);
      expect(materialKind({ uri: 'git+https://git.example/data', annotations: { kind } })).toBe(kind);
    }
    expect(materialKind({ uri: 'git+https://git.example/train', annotations: { kind: 'model' } })).toBe('source');
    expect(materialKind({ uri: 'https://x.example/weights.bin', annotations: { kind: 'weights' } })).toBe('dataset');
    expect(materialKind({})).toBe('dataset');
  });
});

describe('evaluateDataProvenance', () => {
  const thresholds = { builders: ['b'], dataset_signers: [], base_model_publishers: [], approved_sources: ['https://datasets.example/approved/', 'https://mirror.example/vetted/'], denied_digests: [] };
  const provenance = { bundleDigest: `sha256:${'01'.repeat(32)}`, predicateType: 'https://slsa.dev/provenance/v1', subjects: [MODEL], buildType: 'https://example/train/v1', builder: 'https://ci.example', signer: null };
  const material = (fields: Partial<Material>): Material => ({ uri: null, name: null, kind: 'dataset', digest: `sha256:${'da'.repeat(32)}`, digests: {}, signature: null, ...fields });
  const judge = (materials: Material[], about = provenance) => evaluateDataProvenance({ subject: MODEL, provenance: about, materials, rejected: [], supplied: [] }, { evaluatedAt: AT, policyDigest: `sha256:${'77'.repeat(32)}`, thresholds });

  it('passes datasets from any approved source', () => {
    const report = judge([material({ uri: 'https://datasets.example/approved/a.jsonl' }), material({ uri: 'https://mirror.example/vetted/b.jsonl' })]);
    expect([report.verdict, report.reasons]).toEqual(['pass', []]);
  });

  it('names each material by its URI, its name, or as unnamed, and a base model not pinned by sha256', () => {
    const report = judge([material({ name: 'base', kind: 'base-model', digest: null }), material({ kind: 'base-model', digest: null }), material({ uri: 'https://x.example/d.jsonl' })]);
    expect([report.verdict, report.reasons]).toEqual([
      'fail',
      ['base model base is not pinned by a sha256 digest', 'base model (unnamed) is not pinned by a sha256 digest', 'dataset https://x.example/d.jsonl is neither signed by the data team nor from an approved source'],
    ]);
  });

  it('says which models the provenance is about when it is not this one', () => {
    expect(judge([], { ...provenance, subjects: [OTHER, `sha256:${'0f'.repeat(32)}`] }).reasons).toEqual([`the provenance is about ${OTHER}, sha256:${'0f'.repeat(32)}, not the model ${MODEL}`]);
  });
});
