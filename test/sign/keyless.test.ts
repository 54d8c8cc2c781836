import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStatement } from '../../src/attest/statement.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { SigningError } from '../../src/sign/error.ts';
import { keylessSigning } from '../../src/sign/keyless/keyless.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import type { TrustedIdentity } from '../../src/verify/trust.ts';
import { FULCIO, ISSUER, REKOR, SUBJECT, b64, identityToken, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';
import { refusal } from '../support/refusal.ts';

const statement = toStatement({
  subjects: [{ name: 'model', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://gatehouse.dev/attestations/integrity/v1',
  predicate: { verdict: 'pass' },
});

const MALLORY = 'https://github.com/mallory/models/.github/workflows/x.yml@refs/heads/main';
const EVIL_ISSUER = 'https://issuer.evil.test';

// Every test runs twice: as the mocks normally start, and with their setup
// slowed past a second boundary, which once left the mock authorities' own
// certificates valid only after the timestamps they issued.
describe.each([
  { setup: 'set up as fast as the machine allows', setupDelayMs: undefined },
  { setup: 'set up slowly (1.1 s, across a second boundary)', setupDelayMs: 1100 },
])('keylessSigning with mock services $setup', ({ setupDelayMs }) => {
  let sigstore: MockSigstore;
  let trustedRoot: TrustedRoot;

  beforeAll(async () => {
    sigstore = await startMockSigstore(setupDelayMs === undefined ? {} : { setupDelayMs });
    trustedRoot = sigstore.trustedRoot;
  });

  afterAll(() => sigstore.stop());

  const signKeyless = (claims: Record<string, unknown> = { iss: ISSUER, sub: SUBJECT }, withTSA = false) => signStatement(statement, sigstore.signing(claims, { withTSA }));
  const verifier = (identities: TrustedIdentity[] = [{ issuer: ISSUER, subject: SUBJECT }], root: TrustedRoot = trustedRoot, timestampThreshold?: number) =>
    new AttestationVerifier({ keyless: { trustedRoot: root, identities, ...(timestampThreshold === undefined ? {} : { timestampThreshold }) } });
  const rootJSON = () => TrustedRoot.toJSON(trustedRoot) as Record<string, any>;

  describe('when Fulcio, Rekor and a TSA answer', () => {
    it('produces a v0.3 bundle with a certificate, a Rekor entry and a timestamp', async () => {
      const bundle = await signKeyless(undefined, true);
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(bundle.verificationMaterial.certificate?.rawBytes).toBeTruthy();
      expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
      expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    });

    it('verifies offline against the trusted root and names the identity', async () => {
      const verified = verifier().verifyJSON(await signKeyless(), 'keyless.sigstore.json');
      expect(verified.signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT });
      expect(verified.statement).toEqual(statement);
    });

    it('accepts a subject pattern only when it matches the whole SAN, not a part inside it', async () => {
      const bundle = await signKeyless();
      expect(verifier([{ issuer: ISSUER, subject: /https:\/\/github\.com\/acme\/.+/ }]).verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      expect(refusal(() => verifier([{ issuer: ISSUER, subject: /acme\/models/ }]).verifyJSON(bundle, 'x')).code).toBe('UNTRUSTED_IDENTITY');
    });

    it('accepts a signer matching any one of several trusted identities, not only one matching all', async () => {
      const bundle = await signKeyless();
      const others = [{ issuer: ISSUER, subject: 'https://github.com/acme/other/.github/workflows/x.yml@refs/heads/main' }, { issuer: 'https://issuer.example', subject: SUBJECT }];
      expect(refusal(() => verifier(others).verifyJSON(bundle, 'x')).code).toBe('UNTRUSTED_IDENTITY');
      expect(verifier([...others, { issuer: ISSUER, subject: SUBJECT }]).verifyJSON(bundle, 'x').signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT });
    });

    it('verifies the RFC 3161 timestamp too, and can require both timestamps', async () => {
      const bundle = await signKeyless(undefined, true);
      expect(verifier(undefined, undefined, 2).verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const withoutTSA = await signKeyless();
      expect(verifier().verifyJSON(withoutTSA, 'x').signer.kind).toBe('keyless');
      expect(refusal(() => verifier(undefined, undefined, 2).verifyJSON(withoutTSA, 'x')).code).toBe('TIMESTAMP_INVALID');
    });

    it('rejects a timestamp from an authority the trusted root does not hold', async () => {
      const bundle = await signKeyless(undefined, true);
      expect(verifier().verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const json = rootJSON();
      json.timestampAuthorities = [];
      expect(refusal(() => verifier(undefined, TrustedRoot.fromJSON(json)).verifyJSON(bundle, 'x')).code).toBe('TIMESTAMP_INVALID');
    });

    it('refuses to verify keyless bundles without any timestamp requirement', () => {
      expect(verifier(undefined, undefined, 1)).toBeInstanceOf(AttestationVerifier);
      expect(() => verifier(undefined, undefined, 0)).toThrow(RangeError);
      expect(() => verifier(undefined, undefined, 0)).toThrow('keyless verification needs timestampThreshold >= 1');
    });

    it('rejects another identity', async () => {
      const bundle = await signKeyless({ iss: ISSUER, sub: MALLORY });
      expect(verifier([{ issuer: ISSUER, subject: MALLORY }]).verifyJSON(bundle, 'x').signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: MALLORY });
      const error = refusal(() => verifier().verifyJSON(bundle, 'mallory.sigstore.json'));
      expect(error.code).toBe('UNTRUSTED_IDENTITY');
      // A certificate without GitHub extensions: the refusal names the signer and issuer, nothing more.
      expect(error.message).toBe(`mallory.sigstore.json: signed by ${MALLORY} (issuer ${ISSUER}), which is not a trusted identity`);
    });

    it('rejects the right subject from another issuer', async () => {
      const bundle = await signKeyless({ iss: EVIL_ISSUER, sub: SUBJECT });
      expect(verifier([{ issuer: EVIL_ISSUER, subject: SUBJECT }]).verifyJSON(bundle, 'x').signer).toEqual({ kind: 'keyless', issuer: EVIL_ISSUER, subject: SUBJECT });
      expect(refusal(() => verifier().verifyJSON(bundle, 'x')).code).toBe('UNTRUSTED_IDENTITY');
    });

    it('rejects a certificate from a CA the trusted root does not hold', async () => {
      const bundle = await signKeyless();
      expect(verifier().verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const json = rootJSON();
      json.certificateAuthorities[0].certChain.certificates[0].rawBytes = b64(await sigstore.otherCARoot());
      expect(refusal(() => verifier(undefined, TrustedRoot.fromJSON(json)).verifyJSON(bundle, 'x')).code).toBe('CERTIFICATE_INVALID');
    });

    it('rejects a bundle whose Rekor entry was stripped: nothing then places the certificate in time', async () => {
      const bundle = await signKeyless();
      expect(verifier().verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      bundle.verificationMaterial.tlogEntries = [];
      expect(refusal(() => verifier().verifyJSON(bundle, 'x')).code).toBe('TIMESTAMP_INVALID');
    });

    it('rejects a Rekor entry that does not log this signature', async () => {
      const bundle = await signKeyless();
      const other = await signKeyless();
      expect(verifier().verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      expect(verifier().verifyJSON(other, 'x').signer.kind).toBe('keyless');
      bundle.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries;
      expect(refusal(() => verifier().verifyJSON(bundle, 'x')).code).toBe('TLOG_INVALID');
    });

    it('rejects a certificate-signed bundle when only keys are trusted', async () => {
      const bundle = await signKeyless();
      expect(verifier().verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const error = refusal(() => new AttestationVerifier({ keys: [] }).verifyJSON(bundle, 'keyless.sigstore.json'));
      expect(error.code).toBe('NO_TRUST_MATERIAL');
      expect(error.message).toContain('keyless.sigstore.json: certificate-signed bundle, but no trusted root was given');
    });
  });

  describe('when there is no identity token', () => {
    it('fails with IDENTITY_TOKEN_MISSING instead of signing anonymously', async () => {
      const saved = { ...process.env };
      for (const name of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'SIGSTORE_ID_TOKEN', 'BUILDKITE']) delete process.env[name];
      try {
        const withToken = keylessSigning({ identityToken: identityToken({ iss: ISSUER, sub: SUBJECT }), fulcioURL: FULCIO, rekorURL: REKOR, rekorEntryType: 'intoto' });
        expect((await signStatement(statement, withToken)).verificationMaterial.certificate?.rawBytes).toBeTruthy();
        const signing = keylessSigning({ fulcioURL: FULCIO, rekorURL: REKOR, rekorEntryType: 'intoto' });
        const failure = signStatement(statement, signing);
        await expect(failure).rejects.toBeInstanceOf(SigningError);
        await expect(failure).rejects.toMatchObject({ code: 'IDENTITY_TOKEN_MISSING', message: expect.stringMatching(/--identity-token.*ACTIONS_ID_TOKEN_REQUEST_URL.*not set.*BUILDKITE=true.*SIGSTORE_ID_TOKEN \(not set\)/) });
      } finally {
        process.env = saved;
      }
    });
  });
});

describe('startMockSigstore', () => {
  describe('when the setup delay variable is not a whole number of milliseconds', () => {
    it('refuses to start rather than run with an unknown delay', async () => {
      const saved = process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'];
      try {
        process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'] = '0';
        (await startMockSigstore()).stop();
        process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'] = '1.1s';
        await expect(startMockSigstore()).rejects.toThrow(/GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS must be a whole number/);
      } finally {
        if (saved === undefined) delete process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'];
        else process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'] = saved;
      }
    });
  });
});
