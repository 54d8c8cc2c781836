// Keyless identity policies: SAN patterns anchored at both ends and refused
// when over-broad, and Fulcio certificate extensions read from certificates the
// mock Fulcio issues for GitHub Actions claims, as cosign's
// --certificate-github-workflow-* flags read them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStatement } from '../../src/attest/statement.ts';
import { InputError } from '../../src/error.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { certificateExtensions, identityMatches, narrowPattern, type TrustedIdentity } from '../../src/verify/certificate.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { refusal } from '../support/refusal.ts';
import { ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';

const statement = toStatement({ subjects: [{ name: 'model', digest: { sha256: 'c'.repeat(64) } }], predicateType: 'https://example.com/identity-test/v1', predicate: {} });
const RELEASE = 'https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1.2.0';
const EVIL = 'https://github.com/acme/models-evil/.github/workflows/release.yml@refs/tags/v1.2.0';
const GITHUB_CLAIMS = {
  iss: ISSUER,
  repository: 'acme/models',
  ref: 'refs/tags/v1.2.0',
  event_name: 'push',
  sha: 'a'.repeat(40),
  workflow: 'Release',
  runner_environment: 'github-hosted',
  job_workflow_ref: 'acme/models/.github/workflows/release.yml@refs/tags/v1.2.0',
};

let sigstore: MockSigstore;
beforeAll(async () => {
  sigstore = await startMockSigstore();
});
afterAll(() => sigstore.stop());

const signAs = (claims: Record<string, unknown>) => signStatement(statement, sigstore.signing(claims));
const verifier = (identities: TrustedIdentity[]) => new AttestationVerifier({ keyless: { trustedRoot: sigstore.trustedRoot, identities } });
const pattern = (source: string, role: 'subject' | 'issuer' = 'subject') => narrowPattern(source, role, { what: '--certificate-identity-regexp', code: 'USAGE' });

describe('narrowPattern', () => {
  describe('when a pattern begins with a literal scheme://host/owner/repository/', () => {
    it('compiles it anchored at both ends', () => {
      const release = pattern('https://github\\.com/acme/models/\\.github/workflows/release\\.yml@refs/tags/v[0-9.]+');
      expect(release.test(RELEASE)).toBe(true);
      expect(release.test(`${RELEASE}-evil`)).toBe(false);
      expect(release.test(`x${RELEASE}`)).toBe(false);
      expect(release.test('https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main')).toBe(false);
      // An alternation inside a group after the literal start is fine.
      expect(pattern('https://github\\.com/acme/models/\\.github/workflows/release\\.ya?ml@refs/(heads/main|tags/v.*)').test(RELEASE)).toBe(true);
      // A pattern with no metacharacters is an exact value.
      expect(pattern('alice@example.test'.replace('.', '\\.')).test('alice@example.test')).toBe(true);
    });
  });

  describe('when a pattern could match every identity, or another repository', () => {
    it.each([
      ['.*', '""'],
      ['.+', '""'],
      ['^.*$', '""'],
      ['(.*)', '""'],
      ['https://.*', '"https://"'],
      ['https://github\\.com/.*', '"https://github.com/"'],
      ['https://github\\.com/acme/.*', '"https://github.com/acme/"'],
      ['https://github\\.com/acme/models.*', '"https://github.com/acme/models"'],
      ['https://github\\.com/acme/models/?.*', '"https://github.com/acme/models"'],
      ['https://github.com/acme/models/.*', '"https://github"'],
      ['\\w+://github\\.com/acme/models/.*', '""'],
    ])('refuses %s (its literal start is %s)', (source, start) => {
      expect(pattern('https://github\\.com/acme/models/.*').test('https://github.com/acme/models/x')).toBe(true);
      const error = refusal(() => pattern(source), InputError);
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain(`--certificate-identity-regexp: ${source} is too broad: a pattern must begin with a literal scheme://host/owner/repository/ so it names one repository`);
      expect(error.message).toContain(`its literal start is ${start}`);
      // Only an unescaped dot in the host earns the hint.
      expect(error.message.endsWith(' (escape the dots in the host: an unescaped . matches any character)')).toBe(source === 'https://github.com/acme/models/.*');
    });

    it('refuses a top-level alternation, empty and invalid patterns', () => {
      expect(pattern('https://github\\.com/acme/models/x').test('https://github.com/acme/models/x')).toBe(true);
      expect(refusal(() => pattern('https://github\\.com/acme/models/x|.*'), InputError).message).toContain('--certificate-identity-regexp: https://github\\.com/acme/models/x|.* has an alternation (|) outside a group');
      expect(refusal(() => pattern('  '), InputError).message).toBe('--certificate-identity-regexp: empty pattern');
      // The pattern as given, and the regular expression engine's reason.
      expect(refusal(() => pattern('https://github\\.com/acme/models/(x'), InputError).message).toMatch(/^--certificate-identity-regexp: not a valid pattern: https:\/\/github\\\.com\/acme\/models\/\(x \(.*Unterminated group\)$/);
    });

    it('names the policy-data file a pattern came from, when there is one', () => {
      const source = { what: 'signers.release.subject_regexp', code: 'SCHEMA_INVALID', path: 'policies/data/signers.json' } as const;
      const error = refusal(() => narrowPattern('.*', 'subject', source), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.toString()).toMatch(/^policies\/data\/signers\.json: signers\.release\.subject_regexp: \.\* is too broad/);
    });

    it('asks an issuer pattern for a literal scheme://host/', () => {
      expect(pattern('https://token\\.actions\\.githubusercontent\\.com/[a-z-]+', 'issuer').test('https://token.actions.githubusercontent.com/acme')).toBe(true);
      expect(refusal(() => pattern('https://token\\.actions\\.githubusercontent\\.com.*', 'issuer'), InputError).message).toContain('must begin with a literal scheme://host/ so it names one issuer and cannot match every identity');
    });
  });
});

describe('narrowPattern, reading the literal start', () => {
  const MODELS = 'https://github.com/acme/models/';
  const HINT = ' (escape the dots in the host: an unescaped . matches any character)';

  it.each([
    // A leading ^ is not part of the literal start.
    ['^https://github\\.com/acme/models/x', 'subject', `${MODELS}x`],
    // Escaped metacharacters are literals, and a digit class after the repository is fine.
    ['https://github\\.com/acme/models/a\\|b', 'subject', `${MODELS}a|b`],
    ['https://github\\.com/acme/models/\\d+', 'subject', `${MODELS}42`],
    // A | in a class or a group, or escaped, is no top-level alternation.
    ['https://github\\.com/acme/models/[|]x', 'subject', `${MODELS}|x`],
    ['https://github\\.com/acme/models/[ab|]x', 'subject', `${MODELS}|x`],
    ['https://github\\.com/acme/models/(a|b)', 'subject', `${MODELS}b`],
    // A final $ ends an exact value, so an issuer needs no trailing slash.
    ['^https://token\\.actions\\.githubusercontent\\.com$', 'issuer', 'https://token.actions.githubusercontent.com'],
    ['https://accounts\\.google\\.com', 'issuer', 'https://accounts.google.com'],
  ] as const)('accepts %s (%s) and matches %s', (source, role, value) => {
    expect(pattern(source, role).test(value)).toBe(true);
  });

  it.each([
    // Whatever stands before the scheme can match anything.
    ['.*https://github\\.com/acme/models/', '""'],
    // \w is a class, not the letter w.
    ['https://github\\.com/acme\\w/models/', '"https://github.com/acme"'],
    // A quantifier may make the slash after the repository absent (models-evil), or repeat the last letter.
    ['https://github\\.com/acme/models/{0}.*', '"https://github.com/acme/models"'],
    ['https://github\\.com/acme/models/*x', '"https://github.com/acme/models"'],
    ['https://github\\.com/acme/models+', '"https://github.com/acme/model"'],
  ])('refuses %s as too broad (its literal start is %s)', (source, start) => {
    expect(refusal(() => pattern(source), InputError).message).toContain(`is too broad: a pattern must begin with a literal scheme://host/owner/repository/ so it names one repository and cannot match every identity; its literal start is ${start}`);
  });

  it.each([
    'https://github\\.com/acme/models/[a]|.*',
    'https://github\\.com/acme/models/(a)|.*',
    'https://github\\.com/acme/models/\\[|.*',
    'https://github\\.com/acme/models/\\(|.*',
  ])('refuses %s: its alternation, after a closed class or group or an escaped bracket, is at the top level', (source) => {
    expect(refusal(() => pattern(source), InputError).message).toBe(`--certificate-identity-regexp: ${source} has an alternation (|) outside a group, which lets a branch skip the literal start; put the alternatives in a group after it`);
  });

  it.each([
    ['^https://github.com/acme/models/.*', 'subject', true],
    ['HTTPS://github.com/acme/models/.*', 'subject', true],
    ['https://gith.b\\.com/acme/models/', 'subject', true],
    ['https://token.actions.githubusercontent.com', 'issuer', true],
    ['git-ssh://github.com/acme/models/.*', 'subject', true],
    // The dot is escaped, or not in the host: the hint would mislead.
    ['https://[a-z]+\\.com/acme/models/', 'subject', false],
    ['https://github/acme/models.*', 'subject', false],
    ['https://[a-z]+/acme/models/via-https://github.com', 'subject', false],
    ['https://github\\.com.*', 'issuer', false],
    // No scheme: the hint is not what is wrong.
    ['_x://github.com/acme/models/.*', 'subject', false],
  ] as const)('refuses %s (%s), with the hint about dots: %s', (source, role, hinted) => {
    const message = refusal(() => pattern(source, role), InputError).message;
    expect(message).toContain('is too broad');
    expect(message.endsWith(HINT)).toBe(hinted);
    if (!hinted) expect(message).toMatch(/its literal start is "[^"]*"$/);
  });
});

describe('identityMatches', () => {
  const identity = (subject: RegExp): TrustedIdentity => ({ issuer: ISSUER, subject });
  const certificate = (subject: string) => ({ issuer: ISSUER, subject, extensions: {} });

  it('matches a pattern against the whole SAN, asked again with the same pattern', () => {
    for (const subject of [/https:\/\/github\.com\/acme\/models\/.*/g, /https:\/\/github\.com\/acme\/models\/.*/y]) {
      expect(identityMatches(identity(subject), certificate(RELEASE))).toBe(true);
      // A global or sticky pattern keeps a lastIndex; the match must not depend on it.
      expect(identityMatches(identity(subject), certificate(RELEASE))).toBe(true);
      expect(subject.lastIndex).toBe(0);
    }
    expect(identityMatches(identity(/https:\/\/github\.com\/acme\/models/), certificate(RELEASE))).toBe(false);
    // A SAN given as a string is an exact value: its dots match dots only.
    const exact: TrustedIdentity = { issuer: ISSUER, subject: RELEASE };
    expect(identityMatches(exact, certificate(RELEASE))).toBe(true);
    expect(identityMatches(exact, certificate(RELEASE.replace('github.com', 'githubXcom')))).toBe(false);
    expect(identityMatches(identity(/acme\/models\/.*/), certificate(RELEASE))).toBe(false);
  });
});

describe('certificateExtensions', () => {
  const oid = (last: number) => ({ id: [1, 3, 6, 1, 4, 1, 57264, 1, last] });
  // runnerEnvironment (1.11) is a DER UTF8String; githubWorkflowRepository (1.5) a raw string.
  const runner = (value: number[] | Buffer) => certificateExtensions([{ oid: oid(11), value: Uint8Array.from(value) }]).runnerEnvironment;
  const utf8 = (text: string, length: number[]) => Buffer.concat([Buffer.from([0x0c, ...length]), Buffer.from(text)]);

  describe('when the extensions are well formed', () => {
    it('reads raw strings as they are and DER UTF8Strings in short and long form', () => {
      expect(certificateExtensions([{ oid: oid(5), value: Buffer.from('acme/models') }, { oid: oid(11), value: utf8('github-hosted', [13]) }])).toEqual({ githubWorkflowRepository: 'acme/models', runnerEnvironment: 'github-hosted' });
      expect(runner(utf8('', [0]))).toBe('');
      expect(runner(utf8('x'.repeat(200), [0x81, 200]))).toBe('x'.repeat(200));
      expect(runner(utf8('y'.repeat(300), [0x82, 0x01, 0x2c]))).toBe('y'.repeat(300));
      expect(runner(utf8('z', [0x84, 0, 0, 0, 1]))).toBe('z');
      expect(certificateExtensions([{ value: Buffer.from('no oid') }, { oid: oid(99), value: utf8('unknown', [7]) }])).toEqual({});
    });
  });

  describe('when a DER value is malformed', () => {
    it.each([
      ['empty', []],
      ['a tag alone', [0x0c]],
      ['another tag (PrintableString)', [0x13, 1, 0x61]],
      ['a length longer than the value', [0x0c, 2, 0x61]],
      ['a length shorter than the value', [0x0c, 1, 0x61, 0x62]],
      ['a long-form length of no bytes', [0x0c, 0x80]],
      ['a long-form length of five bytes', [0x0c, 0x85, 0, 0, 0, 0, 1, 0x61]],
      ['a long-form length cut short', [0x0c, 0x82, 0x01]],
      ['a long-form length one short', [0x0c, 0x81, 2, 0x61]],
    ])('reads %s as absent, so it matches no requirement', (_, bytes) => {
      expect(runner(bytes)).toBeUndefined();
    });
  });
});

describe('AttestationVerifier', () => {
  describe('#verifyJSON', () => {
    describe('when a signer is named by issuer and GitHub certificate extensions', () => {
      it('accepts any workflow run of the repository that has every required value, and says what it read', async () => {
        const bundle = await signAs({ ...GITHUB_CLAIMS, sub: RELEASE });
        const trusted: TrustedIdentity = { issuer: ISSUER, extensions: { githubWorkflowRepository: 'acme/models', githubWorkflowTrigger: 'push', runnerEnvironment: 'github-hosted' } };
        const verified = verifier([trusted]).verifyJSON(bundle, 'x');
        expect(verified.signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: RELEASE });
        expect(verified.certificate?.extensions).toEqual({
          githubWorkflowTrigger: 'push',
          githubWorkflowSha: 'a'.repeat(40),
          githubWorkflowName: 'Release',
          githubWorkflowRepository: 'acme/models',
          githubWorkflowRef: 'refs/tags/v1.2.0',
          buildSignerURI: 'https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1.2.0',
          runnerEnvironment: 'github-hosted',
          sourceRepositoryURI: 'https://github.com/acme/models',
          sourceRepositoryDigest: 'a'.repeat(40),
          sourceRepositoryRef: 'refs/tags/v1.2.0',
          buildTrigger: 'push',
        });
      });

      // The refusal names the signer and the extensions a trust policy can
      // require, as read from the certificate, so the user sees which one differs.
      const RUN = 'githubWorkflowRepository acme/models, githubWorkflowRef refs/tags/v1.2.0';
      it.each([
        ['another repository', { repository: 'acme/models-evil', sub: EVIL }, `${EVIL} (issuer ${ISSUER}, githubWorkflowRepository acme/models-evil, githubWorkflowRef refs/tags/v1.2.0, githubWorkflowTrigger push, runnerEnvironment github-hosted)`],
        ['another trigger', { event_name: 'pull_request_target' }, `${RELEASE} (issuer ${ISSUER}, ${RUN}, githubWorkflowTrigger pull_request_target, runnerEnvironment github-hosted)`],
        ['a self-hosted runner', { runner_environment: 'self-hosted' }, `${RELEASE} (issuer ${ISSUER}, ${RUN}, githubWorkflowTrigger push, runnerEnvironment self-hosted)`],
        ['no runner environment at all', { runner_environment: undefined }, `${RELEASE} (issuer ${ISSUER}, ${RUN}, githubWorkflowTrigger push)`],
        ['another issuer', { iss: 'https://gitlab.com' }, `${RELEASE} (issuer https://gitlab.com, ${RUN}, githubWorkflowTrigger push, runnerEnvironment github-hosted)`],
      ])('refuses a run with %s (UNTRUSTED_IDENTITY), saying what it read', async (_, change, read) => {
        const trusted: TrustedIdentity = { issuer: ISSUER, extensions: { githubWorkflowRepository: 'acme/models', githubWorkflowTrigger: 'push', runnerEnvironment: 'github-hosted' } };
        expect(verifier([trusted]).verifyJSON(await signAs({ ...GITHUB_CLAIMS, sub: RELEASE }), 'x').signer.kind).toBe('keyless');
        const claims: Record<string, unknown> = { ...GITHUB_CLAIMS, sub: RELEASE, ...change };
        for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
        const changed = await signAs(claims);
        const error = refusal(() => verifier([trusted]).verifyJSON(changed, 'run.sigstore.json'));
        expect(error.code).toBe('UNTRUSTED_IDENTITY');
        expect(error.message).toContain(`run.sigstore.json: signed by ${read}, which is not a trusted identity`);
      });
    });

    describe('when a SAN pattern names the repository', () => {
      it('accepts its release workflows and refuses the repository sharing its prefix', async () => {
        const trusted: TrustedIdentity = { issuer: ISSUER, subject: pattern('https://github\\.com/acme/models/\\.github/workflows/release\\.yml@refs/tags/v.*') };
        expect(verifier([trusted]).verifyJSON(await signAs({ ...GITHUB_CLAIMS, sub: RELEASE }), 'x').signer).toMatchObject({ subject: RELEASE });
        const evil = await signAs({ ...GITHUB_CLAIMS, repository: 'acme/models-evil', sub: EVIL });
        expect(verifier([{ issuer: ISSUER, subject: EVIL }]).verifyJSON(evil, 'x').signer).toMatchObject({ subject: EVIL });
        expect(refusal(() => verifier([trusted]).verifyJSON(evil, 'x')).code).toBe('UNTRUSTED_IDENTITY');
      });
    });

    describe('when two trusted roots each trust their own identities', () => {
      it('accepts a certificate only under the root that trusts its identity', async () => {
        const bundle = await signAs({ ...GITHUB_CLAIMS, sub: RELEASE });
        const other = await startOtherRoot();
        const trust = (identity: TrustedIdentity, elsewhere: TrustedIdentity) =>
          new AttestationVerifier({ keyless: [{ name: 'other', trustedRoot: other, identities: [identity] }, { name: 'mock', trustedRoot: sigstore.trustedRoot, identities: [elsewhere] }] });
        const named: TrustedIdentity = { issuer: ISSUER, subject: RELEASE };
        const nobody: TrustedIdentity = { issuer: ISSUER, subject: EVIL };
        expect(trust(nobody, named).verifyJSON(bundle, 'x').certificate?.trustedRoot).toBe('mock');
        // The identity is trusted only under a root that did not issue the certificate.
        expect(refusal(() => trust(named, nobody).verifyJSON(bundle, 'x')).code).toBe('UNTRUSTED_IDENTITY');
      });
    });
  });
});

// A trusted root with a CA the mock Fulcio did not use: it verifies nothing the mock signed.
async function startOtherRoot() {
  const { TrustedRoot } = await import('@sigstore/protobuf-specs');
  const json = TrustedRoot.toJSON(sigstore.trustedRoot) as { certificateAuthorities: Array<{ certChain: { certificates: Array<{ rawBytes: string }> } }> };
  const der = await sigstore.otherCARoot();
  json.certificateAuthorities[0]!.certChain.certificates = [{ rawBytes: Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64') }];
  return TrustedRoot.fromJSON(json);
}
