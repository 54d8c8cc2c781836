import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { keylessIdentity, policyDataOf, policyDataSchema, policySigners, withGateFacts, type KeylessSignerData, type PolicyData } from '../../src/policy/data.ts';
import { canonicalize } from '../../src/canonical/json.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { keyFingerprint, readPublicKey } from '../../src/keys/keys.ts';
import { TrustRootError } from '../../src/verify/error.ts';
import { GateRegistry, gateRegistry } from '../../src/gates/registry.ts';
import { toyDefinition } from '../fixtures/toy-gate/definition.ts';
import { readTarGz } from '../../src/policy/tar.ts';
import { ROOT } from '../helpers.ts';
import { refusal, rejection } from '../support/refusal.ts';

// The committed bundle's data, as a starting point each test changes in one place.
function committedData(): Record<string, any> {
  const files = readTarGz(readFileSync(join(ROOT, 'bundles', 'gatehouse.tar.gz')), 'gatehouse.tar.gz');
  return JSON.parse(files.get('data.json')!.toString('utf8'));
}

describe('policyDataOf', () => {
  it('accepts the committed data', () => {
    expect(Object.keys(policyDataOf(committedData(), 'b').gates)).toContain('provenance');
  });

  describe('when two gates share a predicate type', () => {
    it('refuses the data as bad input, naming both gates', () => {
      const data = committedData();
      data.gatehouse.gates.canary.predicate_type = data.gatehouse.gates.approval.predicate_type;
      const error = refusal(() => policyDataOf(data, 'b'), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.message).toBe('gates approval and canary share the predicate type https://gatehouse.dev/attestations/approval/v2');
    });
  });

  describe('when a signer list names an undefined signer', () => {
    for (const [where, change] of [
      ['a gate', (d: Record<string, any>) => d.gatehouse.gates.bias.signers.push('ghost')],
      ['model_signers', (d: Record<string, any>) => d.gatehouse.model_signers.push('ghost')],
      ['decision_signers', (d: Record<string, any>) => d.gatehouse.decision_signers.push('ghost')],
    ] as const) {
      it(`refuses ${where} naming it`, () => {
        const data = committedData();
        change(data);
        expect(refusal(() => policyDataOf(data, 'b'), InputError).message).toMatch(/names signer ghost, which signers does not define/);
      });
    }
  });

  describe('when approval names a role or a signer it does not define', () => {
    it('accepts the committed approval, and approval with no break-glass', () => {
      const data = committedData();
      delete data.gatehouse.approval.break_glass;
      expect(policyDataOf(data, 'b').approval?.escalation_roles).toEqual(['release-leads']);
    });

    const changes: Array<[string, (approval: Record<string, any>) => void]> = [
      ['approval.requesters names signer ghost', (a) => a.requesters.push('ghost')],
      ['approval role ml-reviewers names signer ghost', (a) => a.roles['ml-reviewers'].push('ghost')],
      ['approval.tiers.medium names role ghosts', (a) => Object.assign(a.tiers.medium.roles, { ghosts: 1 })],
      ['approval.escalation_roles names role ghosts', (a) => a.escalation_roles.push('ghosts')],
      ['approval.break_glass names role ghosts', (a) => a.break_glass.roles.push('ghosts')],
    ];
    it.each(changes)('refuses the data: %s', (said, change) => {
      const data = committedData();
      change(data.gatehouse.approval);
      const error = refusal(() => policyDataOf(data, 'b'), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.message).toBe(`${said}, which ${said.includes('role ghosts') ? 'approval.roles' : 'signers'} does not define`);
      expect(error.path).toBe('b:data.json');
    });
  });

  describe('when a keyless signer is added', () => {
    const ISSUER = 'https://token.actions.githubusercontent.com';
    const withSigner = (signer: Record<string, unknown>, extra: (data: Record<string, any>) => void = () => {}) => {
      const data = committedData();
      data.gatehouse.signers.ci = { kind: 'keyless', ...signer };
      extra(data.gatehouse);
      return data;
    };
    const SUBJECT = 'https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1';

    it('accepts one named by its SAN, or by a repository extension, under the public-good root or a root it defines', () => {
      expect(policyDataOf(withSigner({ issuer: ISSUER, subject: SUBJECT }), 'b').signers.ci).toBeDefined();
      expect(policyDataOf(withSigner({ issuer: ISSUER, extensions: { github_workflow_repository: 'acme/models' }, trust_roots: ['public-good'] }), 'b').signers.ci).toBeDefined();
      // The public-good mirror, written with a trailing slash, needs no initial root.
      for (const mirror of ['https://tuf-repo-cdn.sigstore.dev/', 'https://tuf-repo-cdn.sigstore.dev//']) {
        expect(policyDataOf(withSigner({ issuer: ISSUER, subject: SUBJECT, trust_roots: ['sigstore'] }, (g) => (g.trust_roots = { sigstore: { tuf_mirror: mirror } })), 'b').trust_roots, mirror).toBeDefined();
      }
    });

    it('accepts a signer under the legacy embedded trusted_root, and another mirror with its initial root', () => {
      const embedded = policyDataOf(withSigner({ issuer: ISSUER, subject: SUBJECT, trust_roots: ['trusted_root'] }, (g) => (g.trusted_root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' })), 'b');
      expect(embedded.trusted_root).toBeDefined();
      const mirror = withSigner({ issuer: ISSUER, subject: SUBJECT, trust_roots: ['github'] }, (g) => (g.trust_roots = { github: { tuf_mirror: 'https://tuf-repo.github.com', tuf_root: { signed: { _type: 'root' } } } }));
      expect(Object.keys(policyDataOf(mirror, 'b').trust_roots ?? {})).toEqual(['github']);
    });

    it.each([
      ['signers.ci: give exactly one of issuer and issuer_regexp', { subject: SUBJECT }],
      ['signers.ci: give exactly one of issuer and issuer_regexp', { issuer: ISSUER, issuer_regexp: 'https://token\\.actions\\.githubusercontent\\.com', subject: SUBJECT }],
      ['signers.ci: give subject or subject_regexp, not both', { issuer: ISSUER, subject: SUBJECT, subject_regexp: 'https://github\\.com/acme/models/.*' }],
      ['signers.ci: name the signer by subject, subject_regexp, or a repository extension', { issuer: ISSUER, extensions: { github_workflow_trigger: 'push', github_workflow_ref: 'refs/tags/v1' } }],
      ['signers.ci names trust root trusted_root, which trust_roots does not define', { issuer: ISSUER, subject: SUBJECT, trust_roots: ['trusted_root'] }],
      ['signers.ci names trust root github, which trust_roots does not define', { issuer: ISSUER, subject: SUBJECT, trust_roots: ['public-good', 'github'] }],
    ])('refuses: %s', (said, signer) => {
      const error = refusal(() => policyDataOf(withSigner(signer), 'b'), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.message.startsWith(said)).toBe(true);
    });

    it('refuses a mirror other than public-good without its initial root', () => {
      const data = withSigner({ issuer: ISSUER, subject: SUBJECT, trust_roots: ['github'] }, (g) => (g.trust_roots = { github: { tuf_mirror: 'https://tuf-repo.github.com/' } }));
      expect(refusal(() => policyDataOf(data, 'b'), InputError).message).toBe(
        "trust_roots.github: tuf_mirror https://tuf-repo.github.com/ needs tuf_root (its initial root.json); only https://tuf-repo-cdn.sigstore.dev's is embedded",
      );
    });
  });
});

describe('keylessIdentity', () => {
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const identity = (signer: Omit<KeylessSignerData, 'kind'>) => keylessIdentity('ci', { kind: 'keyless', ...signer } as KeylessSignerData, 'signers.yaml');

  it('gives the issuer and SAN as the verifier matches them, with extensions by their certificate names and nothing unset', () => {
    expect(identity({ issuer: ISSUER, subject: 'https://github.com/acme/models/x' })).toStrictEqual({ issuer: ISSUER, subject: 'https://github.com/acme/models/x' });
    expect(identity({ issuer: ISSUER, extensions: { github_workflow_repository: 'acme/models', source_repository_ref: 'refs/heads/main' } })).toStrictEqual({
      issuer: ISSUER,
      extensions: { githubWorkflowRepository: 'acme/models', sourceRepositoryRef: 'refs/heads/main' },
    });
    const patterns = identity({ issuer_regexp: 'https://token\\.actions\\.githubusercontent\\.com', subject_regexp: 'https://github\\.com/acme/models/.*' });
    expect(patterns.issuer).toStrictEqual(/^(?:https:\/\/token\.actions\.githubusercontent\.com)$/);
    expect(patterns.subject).toStrictEqual(/^(?:https:\/\/github\.com\/acme\/models\/.*)$/);
  });

  it('refuses an extension it does not read, listing those it does', () => {
    const error = refusal(() => identity({ issuer: ISSUER, subject: 'https://github.com/acme/models/x', extensions: { github_workflow_colour: 'blue' } as never }), InputError);
    expect(error.message).toMatch(/^signers\.ci: extensions\.github_workflow_colour is not an extension gatehouse reads \(github_workflow_trigger, github_workflow_sha, .*source_repository_uri/);
    expect(error.path).toBe('signers.yaml');
  });
});

describe('policySigners', () => {
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const SUBJECT = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';
  const TRUST = join(ROOT, 'test', 'fixtures', 'real-world', 'trust');
  const root = (name: string) => JSON.parse(readFileSync(join(TRUST, `${name}.trusted_root.json`), 'utf8')) as Record<string, unknown>;
  const digestOf = (name: string) => `sha256:${sha256Hex(canonicalize(root(name)))}`;

  // The committed signers, one key listed under a second id, and one keyless
  // signer per embedded root, both for the same workflow.
  function data(change: (g: Record<string, any>) => void = () => {}): PolicyData {
    const { gatehouse } = committedData();
    gatehouse.signers['integrity-alias'] = { ...gatehouse.signers['integrity-gate'] };
    gatehouse.signers['ci-good'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT, trust_roots: ['good'] };
    gatehouse.signers['ci-staging'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT, trust_roots: ['staging'] };
    gatehouse.trust_roots = { good: { trusted_root: root('public-good') }, staging: { trusted_root: root('staging') } };
    gatehouse.decision_signers = ['integrity-alias'];
    change(gatehouse);
    return gatehouse as PolicyData;
  }

  const fingerprint = async (name: string) => keyFingerprint(await readPublicKey(join(ROOT, 'examples', 'keys', `${name}.pub`)));

  it('trusts each key once however many ids list it, and each keyless identity under the roots it names', async () => {
    const policy = data();
    const signers = await policySigners(policy, 'b');
    const keySigners = Object.values(policy.signers).filter((signer) => signer.kind === 'key');
    const distinct = new Set(keySigners.map((signer) => (signer as { public_key: string }).public_key));
    expect(distinct.size).toBe(keySigners.length - 1);
    const fingerprints = Object.keys(policy.signers).filter((id) => policy.signers[id]!.kind === 'key').map((id) => fingerprintOf(policy, id));
    expect(signers.trust.keys!.map((key) => key.fingerprint).sort()).toEqual([...new Set(fingerprints)].sort());
    expect((signers.trust.keyless as Array<{ name: string; identities: unknown[] }>).map((root) => [root.name, root.identities])).toEqual([
      ['good', [{ issuer: ISSUER, subject: SUBJECT }]],
      ['staging', [{ issuer: ISSUER, subject: SUBJECT }]],
    ]);
    expect(signers.trustedRoots).toEqual({ good: digestOf('public-good'), staging: digestOf('staging') });
  });

  it('restricts trust to the ids asked for, keeping only roots that still have an identity', async () => {
    const signers = await policySigners(data(), 'b');
    const integrity = signers.restrictedTo(['integrity-alias']);
    expect(integrity.keys!.map((key) => key.fingerprint)).toEqual([await fingerprint('integrity-gate')]);
    expect(integrity).not.toHaveProperty('keyless');
    const staging = signers.restrictedTo(['ci-staging']);
    expect(staging.keys).toEqual([]);
    expect((staging.keyless as Array<{ name: string }>).map((root) => root.name)).toEqual(['staging']);
    expect(signers.restrictedTo([])).toEqual({ keys: [] });
  });

  it('maps a verified identity back to every id whose entry it matches, sorted, and a keyless one only under the root it was verified with', async () => {
    const signers = await policySigners(data(), 'b');
    const keyId = await fingerprint('integrity-gate');
    expect(signers.idsFor({ kind: 'key', keyId, algorithm: 'ecdsa-p256' })).toEqual(['integrity-alias', 'integrity-gate']);
    expect(signers.idsFor({ kind: 'key', keyId: `${keyId.slice(0, -1)}0`, algorithm: 'ecdsa-p256' })).toEqual([]);
    const keyless = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT } as const;
    expect(signers.idsFor(keyless)).toEqual(['ci-good', 'ci-staging']);
    expect(signers.idsFor(keyless, { trustedRoot: 'staging', extensions: {} } as never)).toEqual(['ci-staging']);
    expect(signers.idsFor(keyless, { trustedRoot: 'elsewhere', extensions: {} } as never)).toEqual([]);
    expect(signers.idsFor({ ...keyless, subject: `${SUBJECT}x` })).toEqual([]);
    // A key identity is never a keyless entry's, whatever its key id says.
    expect(signers.idsFor({ kind: 'key', keyId: SUBJECT, algorithm: 'ecdsa-p256' })).toEqual([]);
  });

  it('lets only a decision signer record decisions, by any id its identity has', async () => {
    const signers = await policySigners(data(), 'b');
    expect(signers.mayRecordDecisions({ kind: 'key', keyId: await fingerprint('integrity-gate'), algorithm: 'ecdsa-p256' })).toBe(true);
    expect(signers.mayRecordDecisions({ kind: 'key', keyId: await fingerprint('bias-gate'), algorithm: 'ecdsa-p256' })).toBe(false);
    const none = await policySigners(data((g) => delete g.decision_signers), 'b');
    expect(none.mayRecordDecisions({ kind: 'key', keyId: await fingerprint('integrity-gate'), algorithm: 'ecdsa-p256' })).toBe(false);
  });

  it('honours a pinned root digest exactly and refuses another, naming both', async () => {
    const pinned = await policySigners(data(), 'b', { pinnedTrustRoots: { good: digestOf('public-good') } });
    expect(pinned.trustedRoots['good']).toBe(digestOf('public-good'));
    const other = `sha256:${'0'.repeat(64)}`;
    const error = await rejection(policySigners(data(), 'b', { pinnedTrustRoots: { staging: other } }), TrustRootError);
    expect([error.code, error.message]).toEqual(['TRUSTED_ROOT_UNPINNED', `the decision record pins trust root staging at ${other}, but the policy embeds ${digestOf('staging')}`]);
  });

  it('reads the legacy embedded root for a keyless signer that names no root, and names the root that does not parse', async () => {
    const legacy = await policySigners(
      data((g) => {
        g.trusted_root = root('staging');
        g.signers['ci-legacy'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT };
      }),
      'b',
    );
    expect(legacy.trustedRoots['trusted_root']).toBe(digestOf('staging'));
    expect(legacy.idsFor({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT }, { trustedRoot: 'trusted_root', extensions: {} } as never)).toEqual(['ci-legacy']);
    const broken = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: 'no' };
    const named = await rejection(policySigners(data((g) => (g.trust_roots.good = { trusted_root: broken })), 'b'), InputError);
    expect(named.path).toBe('b:data.json: trust_roots.good.trusted_root');
    const legacyBroken = await rejection(policySigners(data((g) => ((g.trusted_root = broken), (g.signers['ci-legacy'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT }))), 'b'), InputError);
    expect(legacyBroken.path).toBe('b:data.json: trusted_root');
  });

  it('refuses a key signer whose key does not parse, naming it', async () => {
    const error = await rejection(policySigners(data((g) => (g.signers['bias-gate'].public_key = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')), 'b'), InputError);
    expect([error.code, error.path, error.message.startsWith('signer bias-gate: ')]).toEqual(['KEY_INVALID', 'b:data.json', true]);
  });

  function fingerprintOf(policy: PolicyData, id: string): string {
    return keyFingerprint(createPublicKey((policy.signers[id] as { public_key: string }).public_key));
  }
});

describe('withGateFacts', () => {
  it("fills in each registered gate's facts, accepts a fact stated as the registry has it, and keeps what it cannot read as written", () => {
    const facts = gateRegistry.facts();
    const filled = withGateFacts({ integrity: { signers: ['a'] }, custom: { signers: ['b'] }, regression: null, safety: ['x'], bias: 'x' }, 'gates.yaml') as Record<string, unknown>;
    expect(filled).toEqual({ integrity: { signers: ['a'], ...facts['integrity'] }, custom: { signers: ['b'] }, regression: null, safety: ['x'], bias: 'x' });
    const stated = withGateFacts({ integrity: { signers: ['a'], predicate_type: facts['integrity']!['predicate_type'] } }, 'gates.yaml');
    expect(stated).toEqual({ integrity: { signers: ['a'], ...facts['integrity'] } });
    for (const gates of [null, ['integrity'], 'integrity', 3]) expect(withGateFacts(gates, 'gates.yaml')).toBe(gates);
  });

  it('refuses a fact stated otherwise than the registry has it, naming the file', () => {
    const error = refusal(() => withGateFacts({ integrity: { predicate_type: 'https://example.com/x/v1' } }, 'gates.yaml'), InputError);
    expect([error.code, error.path]).toEqual(['SCHEMA_INVALID', 'gates.yaml']);
    expect(error.message).toMatch(/^gates\.integrity\.predicate_type is "https:\/\/example\.com\/x\/v1", but gatehouse's integrity gate has "https:\/\/gatehouse\.dev\/.+" \(leave it out: the build fills it in\)$/);
  });
});

describe('policyDataSchema', () => {
  it('has the published $id for the built-in gates, and its own for other registries or open thresholds', () => {
    const published = (policyDataSchema() as { $id: string }).$id;
    expect(published).not.toContain('?');
    expect(policyDataSchema(gateRegistry, { unknownThresholds: 'refuse' }).$id).toBe(published);
    expect(policyDataSchema(gateRegistry, { unknownThresholds: 'allow' }).$id).toBe(`${published}?thresholds=open`);
    const fewer = new GateRegistry(gateRegistry.all().filter((gate) => gate.name !== 'bias'));
    const names = fewer.all().filter((gate) => gate.thresholdsSchema !== undefined).map((gate) => gate.name).join(',');
    const gates = `gates=${sha256Hex(names).slice(0, 16)}`;
    expect(policyDataSchema(fewer).$id).toBe(`${published}?${gates}`);
    expect(policyDataSchema(fewer, { unknownThresholds: 'allow' }).$id).toBe(`${published}?${gates}&thresholds=open`);
    // Open thresholds admit a gate no registry knows; closed ones refuse it.
    const thresholds = (schema: Record<string, unknown>) => (schema['properties'] as { thresholds: { additionalProperties: boolean; properties: Record<string, unknown> } }).thresholds;
    expect(thresholds(policyDataSchema(gateRegistry, { unknownThresholds: 'allow' })).additionalProperties).toBe(true);
    expect(thresholds(policyDataSchema()).additionalProperties).toBe(false);
    expect(Object.keys(thresholds(policyDataSchema(fewer)).properties)).toEqual(names.split(','));
  });
});

// Last in this file: it registers a gate in the process-wide registry.
describe('policyDataOf, as the registry grows', () => {
  it("leaves a gate's thresholds to the bundle's own Rego while gatehouse does not know the gate, and checks them once it is registered", () => {
    const data = committedData();
    data.gatehouse.thresholds.toy = { max_wobble: 'lots' };
    expect(policyDataOf(data, 'b').thresholds).toHaveProperty('toy');
    gateRegistry.register(toyDefinition);
    const error = refusal(() => policyDataOf(data, 'b'), InputError);
    expect([error.code, error.message]).toEqual(['SCHEMA_INVALID', 'not a valid gatehouse policy data: at /thresholds/toy/max_wobble: must be number']);
    data.gatehouse.thresholds.toy = { max_wobble: 0.5 };
    expect(policyDataOf(data, 'b').thresholds).toHaveProperty('toy');
  });
});
