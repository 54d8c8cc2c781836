import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { keylessIdentity, policyDataOf, type KeylessSignerData } from '../../src/policy/data.ts';
import { readTarGz } from '../../src/policy/tar.ts';
import { ROOT } from '../helpers.ts';
import { refusal } from '../support/refusal.ts';

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
      expect(policyDataOf(withSigner({ issuer: ISSUER, subject: SUBJECT, trust_roots: ['sigstore'] }, (g) => (g.trust_roots = { sigstore: { tuf_mirror: 'https://tuf-repo-cdn.sigstore.dev/' } })), 'b').trust_roots).toBeDefined();
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
