// Keyless signers in policy data as users write them: one entry for every
// push-triggered run of a repository (issuer and certificate extensions),
// verified against a trust root the policy takes through TUF; the decision
// record pins that root's digest, and a replay uses exactly that root or
// refuses. Over-broad entries are refused when the policy is built.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionEngine } from '../../src/decide/decide.ts';
import { signDecision } from '../../src/decide/record.ts';
import { replayRecord } from '../../src/decide/workflow.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { InputError } from '../../src/error.ts';
import { attestGate } from '../../src/gates/gate.ts';
import { extensionDataKey, policyDataOf } from '../../src/policy/data.ts';
import policyDataSchema from '../../src/policy/schemas/policy-data.schema.json' with { type: 'json' };
import { CERTIFICATE_EXTENSIONS, type CertificateExtensionName } from '../../src/verify/certificate.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { TrustRootError } from '../../src/verify/error.ts';
import { integrityPredicate } from '../support/chain.ts';
import { buildTestBundle, demoSigner } from '../support/policy.ts';
import { ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';
import { TUFTestRepository } from '../support/tuf-repository.ts';

const ARTIFACT: ArtifactDigest = `sha256:${'b8'.repeat(32)}`;
const RELEASE = { iss: ISSUER, sub: 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main', repository: 'acme/models', event_name: 'push', ref: 'refs/heads/main' };

let sigstore: MockSigstore;
let repository: TUFTestRepository;
let directory: string;
let built: Awaited<ReturnType<typeof buildTestBundle>>;
let rootBytes: Buffer;

beforeAll(async () => {
  sigstore = await startMockSigstore();
  repository = await TUFTestRepository.start();
  rootBytes = Buffer.from(JSON.stringify(TrustedRoot.toJSON(sigstore.trustedRoot)));
  repository.publish({ 'trusted_root.json': rootBytes });
  directory = mkdtempSync(join(tmpdir(), 'gatehouse-trust-roots-'));
  built = await buildTestBundle((data) => {
    data.trust_roots = { ci: { tuf_mirror: repository.url, tuf_root: JSON.parse(repository.initialRoot.toString('utf8')) } };
    data.signers['ci-integrity'] = { kind: 'keyless', issuer: ISSUER, extensions: { github_workflow_repository: 'acme/models', github_workflow_trigger: 'push' }, trust_roots: ['ci'] };
    data.gates.integrity.signers = ['ci-integrity'];
    data.stages.test = { required_gates: ['integrity'] };
  });
}, 120_000);

afterAll(async () => {
  built?.cleanup();
  sigstore?.stop();
  await repository?.stop();
  rmSync(directory, { recursive: true, force: true });
});

async function evidence(claims: Record<string, unknown>): Promise<Buffer> {
  const run = await attestGate({ name: 'model', digest: ARTIFACT }, integrityPredicate(ARTIFACT, new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')), sigstore.signing(claims));
  return Buffer.from(JSON.stringify(run.bundle));
}

async function decideWith(engine: DecisionEngine, bytes: Buffer) {
  const store = new FileSystemAttestationStore(mkdtempSync(join(directory, 'store-')));
  await store.put(bytes);
  const decision = await engine.decide({ artifact: ARTIFACT, stage: 'test', deployed: null, evaluationTime: new Date(), evaluationTimeSource: 'clock', bundles: (await import('../../src/store/store.ts')).storeEntries(store, ARTIFACT) });
  return { decision, store };
}

describe('keyless signers with trust roots through TUF', () => {
  describe('when evidence comes from a run the entry names', () => {
    it('admits it, pins the trust root in the record, and replays with that root', async () => {
      const cache = join(directory, 'cache');
      const engine = await DecisionEngine.create(built.bundle, { tufCacheDirectory: cache });
      const { decision, store } = await decideWith(engine, await evidence(RELEASE));
      expect(decision.result.violations).toEqual([]);
      expect(decision.result.allowed).toBe(true);
      const record = decision.input.attestations[0]!;
      expect(record.verified && record.signer.ids).toEqual(['ci-integrity']);
      const digest = `sha256:${createHash('sha256').update(rootBytes).digest('hex')}`;
      expect(decision.trustedRoots).toEqual({ ci: digest });

      const signed = Buffer.from(JSON.stringify(await signDecision(decision, await demoSigner('decision-recorder'), 'model')));
      const replay = (tufCacheDirectory: string) => replayRecord({ record: signed, source: 'decision.json', store, policy: built.bundle, tufCacheDirectory });
      const same = await replay(cache);
      expect(same.differences).toEqual([]);
      expect(same.record.predicate.gatehouse.trustedRoots).toEqual({ ci: digest });

      // The repository moves on to another root: the replay still uses the pinned one, kept in the cache.
      const other = TrustedRoot.toJSON(sigstore.trustedRoot) as { certificateAuthorities: Array<{ uri: string }> };
      other.certificateAuthorities[0]!.uri = 'https://fulcio.rotated.test';
      repository.publish({ 'trusted_root.json': JSON.stringify(other) });
      const requests = repository.requests.length;
      expect((await replay(cache)).differences).toEqual([]);
      expect(repository.requests.length).toBe(requests);
      // Without the pinned root in the cache, the root TUF serves now is not the one the decision used.
      const error = await replay(join(directory, 'empty-cache')).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TrustRootError);
      expect((error as TrustRootError).code).toBe('TRUSTED_ROOT_UNPINNED');
      expect((error as TrustRootError).message).toContain(`pins trust root ci at ${digest}`);
    });

    it('replays a record made before roots were pinned with the root the policy gives now', async () => {
      const cache = join(directory, 'cache-unpinned');
      const engine = await DecisionEngine.create(built.bundle, { tufCacheDirectory: cache });
      const { decision, store } = await decideWith(engine, await evidence(RELEASE));
      expect(decision.trustedRoots?.['ci']).toMatch(/^sha256:/);
      delete decision.trustedRoots;
      const signed = Buffer.from(JSON.stringify(await signDecision(decision, await demoSigner('decision-recorder'), 'model')));
      const replayed = await replayRecord({ record: signed, source: 'decision.json', store, policy: built.bundle, tufCacheDirectory: cache });
      expect(replayed.record.predicate.gatehouse.trustedRoots).toBeUndefined();
      expect(replayed.differences).toEqual([]);
      expect(replayed.replayed.result.allowed).toBe(true);
    });
  });

  describe('when evidence comes from another repository, trigger or Sigstore instance', () => {
    it.each([
      ['another repository', { ...RELEASE, repository: 'acme/models-evil', sub: 'https://github.com/acme/models-evil/.github/workflows/release.yml@refs/heads/main' }],
      ['another trigger', { ...RELEASE, event_name: 'pull_request_target' }],
    ])('does not count it: %s', async (_, claims) => {
      const engine = await DecisionEngine.create(built.bundle, { tufCacheDirectory: join(directory, 'cache-each') });
      expect((await decideWith(engine, await evidence(RELEASE))).decision.result.allowed).toBe(true);
      const { decision } = await decideWith(engine, await evidence(claims));
      expect(decision.result.allowed).toBe(false);
      const record = decision.input.attestations[0]!;
      expect(record.verified).toBe(false);
      expect(!record.verified && record.reason).toContain('not a trusted identity');
    });
  });
});

describe('policyDataOf on keyless signers', () => {
  const data = () => ({
    stages: { test: { required_gates: ['integrity'] } },
    gates: { integrity: { predicate_type: 'https://gatehouse.dev/attestations/integrity/v1', signers: ['ci'] } },
    signers: { ci: { kind: 'keyless', issuer: ISSUER, subject_regexp: 'https://github\\.com/acme/models/\\.github/workflows/release\\.yml@refs/tags/v.*' } } as Record<string, Record<string, unknown>>,
  });
  const refused = (patch: (d: ReturnType<typeof data>) => void) => {
    const d = data();
    patch(d);
    try {
      policyDataOf({ gatehouse: d }, 'policy');
    } catch (error) {
      if (error instanceof InputError) return error;
      throw error;
    }
    throw new Error('nothing was refused');
  };

  it('accepts a narrow pattern, and refuses over-broad or incomplete entries at build (SCHEMA_INVALID)', () => {
    expect(policyDataOf({ gatehouse: data() }, 'policy').signers['ci']).toBeDefined();
    const cases: Array<[(d: Record<string, any>) => void, string]> = [
      [(d) => (d.signers.ci.subject_regexp = '.*'), 'signers.ci.subject_regexp: .* is too broad'],
      [(d) => (d.signers.ci.subject_regexp = 'https://github\\.com/acme/models.*'), 'is too broad'],
      [(d) => (d.signers.ci.subject_regexp = 'https://github\\.com/acme/models/x|.*'), 'alternation'],
      [(d) => (d.signers.ci.subject_regexp = ''), '/signers/ci'],
      [(d) => (d.signers.ci = { kind: 'keyless', issuer: ISSUER, extensions: { github_workflow_trigger: 'push' } }), 'or a repository extension'],
      [(d) => (d.signers.ci.issuer_regexp = '.*'), 'exactly one of issuer and issuer_regexp'],
      [(d) => (d.signers.ci = { kind: 'keyless', issuer_regexp: 'https://.*', subject: 'x' }), 'signers.ci.issuer_regexp: https://.* is too broad'],
      [(d) => (d.signers.ci.trust_roots = ['github']), 'names trust root github, which trust_roots does not define'],
      [(d) => ((d as Record<string, any>).trust_roots = { github: { tuf_mirror: 'https://tuf-repo.github.com' } }), 'needs tuf_root'],
    ];
    for (const [patch, message] of cases) {
      const error = refused(patch);
      expect(error.code, message).toBe('SCHEMA_INVALID');
      expect(error.message, message).toContain(message);
    }
  });

  it('names in its schema exactly the extensions the verifier reads', () => {
    const keyless = policyDataSchema.properties.signers.additionalProperties.oneOf[1] as { properties: { extensions: { properties: Record<string, unknown> } } };
    const names = (Object.keys(CERTIFICATE_EXTENSIONS) as CertificateExtensionName[]).map(extensionDataKey);
    expect(Object.keys(keyless.properties.extensions.properties).sort()).toEqual(names.sort());
    expect(names).toContain('github_workflow_repository');
    expect(names).toContain('build_signer_uri');
  });

  it('refuses an over-broad pattern when the policy is built', async () => {
    const error = await buildTestBundle((d) => {
      d.signers['ci'] = { kind: 'keyless', issuer: ISSUER, subject_regexp: '^.*$' };
    }).then(
      (result) => {
        result.cleanup();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain('signers.ci.subject_regexp: ^.*$ is too broad');
  }, 60_000);
});
