import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStatement } from '../../src/attest/statement.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { SigningError } from '../../src/sign/error.ts';
import { keylessSigning } from '../../src/sign/keyless/keyless.ts';
import { VerificationError } from '../../src/verify/error.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { FULCIO, ISSUER, REKOR, SUBJECT, b64, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';

let sigstore: MockSigstore;
let trustedRoot: TrustedRoot;

beforeAll(async () => {
  sigstore = await startMockSigstore();
  trustedRoot = sigstore.trustedRoot;
});

afterAll(() => sigstore.stop());

const statement = toStatement({
  subjects: [{ name: 'model', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://gatehouse.dev/attestations/integrity/v1',
  predicate: { verdict: 'pass' },
});

async function signKeyless(claims: Record<string, unknown> = { iss: ISSUER, sub: SUBJECT }, withTSA = false) {
  return signStatement(statement, sigstore.signing(claims, { withTSA }));
}

describe('keylessSigning', () => {
  describe('when Fulcio, Rekor and a TSA answer', () => {
    it('produces a v0.3 bundle with a certificate, a Rekor entry and a timestamp', async () => {
      const bundle = await signKeyless(undefined, true);
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(bundle.verificationMaterial.certificate?.rawBytes).toBeTruthy();
      expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
      expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    });

    it('verifies offline against the trusted root and names the identity', async () => {
      const bundle = await signKeyless();
      const verifier = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      const verified = verifier.verifyJSON(bundle, 'keyless.sigstore.json');
      expect(verified.signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: SUBJECT });
      expect(verified.statement).toEqual(statement);
    });

    it('accepts a subject pattern only when it matches the whole SAN', async () => {
      const bundle = await signKeyless();
      const whole = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: /https:\/\/github\.com\/acme\/.+/ }] } });
      expect(whole.verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const partial = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: /acme\/models/ }] } });
      expect(() => partial.verifyJSON(bundle, 'x')).toThrowError(VerificationError);
    });

    it('verifies the RFC 3161 timestamp too, and can require both timestamps', async () => {
      const bundle = await signKeyless(undefined, true);
      const both = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }], timestampThreshold: 2 } });
      expect(both.verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
      const withoutTSA = await signKeyless();
      expect(() => both.verifyJSON(withoutTSA, 'x')).toThrowError(expect.objectContaining({ code: 'TIMESTAMP_INVALID' }));
    });

    it('rejects a timestamp from an authority the trusted root does not hold', async () => {
      const bundle = await signKeyless(undefined, true);
      const json = TrustedRoot.toJSON(trustedRoot) as Record<string, any>;
      json.timestampAuthorities = [];
      const verifier = new AttestationVerifier({ keyless: { trustedRoot: TrustedRoot.fromJSON(json), identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(VerificationError);
    });

    it('refuses to verify keyless bundles without any timestamp requirement', () => {
      expect(() => new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }], timestampThreshold: 0 } })).toThrow(RangeError);
    });

    it('rejects another identity', async () => {
      const bundle = await signKeyless({ iss: ISSUER, sub: 'https://github.com/mallory/models/.github/workflows/x.yml@refs/heads/main' });
      const verifier = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'UNTRUSTED_IDENTITY' }));
    });

    it('rejects the right subject from another issuer', async () => {
      const bundle = await signKeyless({ iss: 'https://issuer.evil.test', sub: SUBJECT });
      const verifier = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'UNTRUSTED_IDENTITY' }));
    });

    it('rejects a certificate from a CA the trusted root does not hold', async () => {
      const bundle = await signKeyless();
      const json = TrustedRoot.toJSON(trustedRoot) as Record<string, any>;
      json.certificateAuthorities[0].certChain.certificates[0].rawBytes = b64(await sigstore.otherCARoot());
      const verifier = new AttestationVerifier({ keyless: { trustedRoot: TrustedRoot.fromJSON(json), identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'CERTIFICATE_INVALID' }));
    });

    it('rejects a bundle whose Rekor entry was stripped: nothing then places the certificate in time', async () => {
      const bundle = await signKeyless();
      bundle.verificationMaterial.tlogEntries = [];
      const verifier = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'TIMESTAMP_INVALID' }));
    });

    it('rejects a Rekor entry that does not log this signature', async () => {
      const bundle = await signKeyless();
      const other = await signKeyless();
      bundle.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries;
      const verifier = new AttestationVerifier({ keyless: { trustedRoot, identities: [{ issuer: ISSUER, subject: SUBJECT }] } });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'TLOG_INVALID' }));
    });

    it('rejects a certificate-signed bundle when only keys are trusted', async () => {
      const bundle = await signKeyless();
      const verifier = new AttestationVerifier({ keys: [] });
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(expect.objectContaining({ code: 'NO_TRUST_MATERIAL' }));
    });
  });

  describe('when there is no identity token', () => {
    it('fails with IDENTITY_TOKEN_MISSING instead of signing anonymously', async () => {
      const saved = { ...process.env };
      for (const name of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'SIGSTORE_ID_TOKEN', 'BUILDKITE']) delete process.env[name];
      try {
        const signing = keylessSigning({ fulcioURL: FULCIO, rekorURL: REKOR });
        await expect(signStatement(statement, signing)).rejects.toBeInstanceOf(SigningError);
      } finally {
        process.env = saved;
      }
    });
  });
});
