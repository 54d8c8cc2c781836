import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler } from '@sigstore/mock';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStatement } from '../../src/attest/statement.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { SigningError } from '../../src/sign/error.ts';
import { keylessSigning } from '../../src/sign/keyless/keyless.ts';
import { VerificationError } from '../../src/verify/error.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

const FULCIO = 'https://fulcio.gatehouse.test';
const REKOR = 'https://rekor.gatehouse.test';
const TSA = 'https://tsa.gatehouse.test';
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }> };

// Sigstore services answered in-process by @sigstore/mock through nock; each
// request is served by the same CA, log and TSA whose keys go into the trusted root.
function serve(base: string, handler: Handler): void {
  nock(base)
    .persist()
    .post(handler.path)
    .reply(async (_uri, body) => {
      const result = await handler.fn(typeof body === 'string' ? body : JSON.stringify(body));
      return [result.statusCode, result.response as never, { 'Content-Type': result.contentType ?? 'text/plain' }];
    });
}

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function identityToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ aud: 'sigstore', iat: 1, exp: 4102444800, ...claims })}.`;
}

function b64(bytes: ArrayBufferView | Buffer): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

let trustedRoot: TrustedRoot;

beforeAll(async () => {
  nock.disableNetConnect();
  const ctKeys = keyPair();
  const tlogKeys = keyPair();
  const ctlog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(keyPair(), ctlog);
  const tlog = await initializeTLog(REKOR, tlogKeys);
  const tsa = await initializeTSA(keyPair());
  serve(FULCIO, fulcioHandler(ca) as Handler);
  serve(REKOR, rekorHandler(tlog) as Handler);
  serve(TSA, tsaHandler(tsa) as Handler);

  const validFor = { start: '2000-01-01T00:00:00Z' };
  const logKey = (publicKey: Buffer) => ({
    publicKey: { rawBytes: publicKey.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
    logId: { keyId: createHash('sha256').update(publicKey).digest('base64') },
  });
  trustedRoot = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: REKOR, hashAlgorithm: 'SHA2_256', ...logKey(tlog.publicKey) }],
    ctlogs: [{ baseUrl: 'https://ctfe.gatehouse.test', hashAlgorithm: 'SHA2_256', ...logKey(ctlog.publicKey) }],
    certificateAuthorities: [{ uri: FULCIO, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor }],
    timestampAuthorities: [{ uri: TSA, certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] }, validFor }],
  });
});

afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const statement = toStatement({
  subjects: [{ name: 'model', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://gatehouse.dev/attestations/integrity/v1',
  predicate: { verdict: 'pass' },
});

async function signKeyless(claims: Record<string, unknown> = { iss: ISSUER, sub: SUBJECT }, withTSA = false) {
  // The mock Rekor stores a proposed entry as sent, without the canonical
  // form real Rekor gives 'dsse' entries, so these tests log 'intoto' entries,
  // which it stores exactly as real Rekor does.
  return signStatement(
    statement,
    keylessSigning({ identityToken: identityToken(claims), fulcioURL: FULCIO, rekorURL: REKOR, rekorEntryType: 'intoto', ...(withTSA ? { tsaURL: TSA } : {}) }),
  );
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
      const otherCA = await initializeCA(keyPair(), await initializeCTLog(keyPair()));
      const json = TrustedRoot.toJSON(trustedRoot) as Record<string, any>;
      json.certificateAuthorities[0].certChain.certificates[0].rawBytes = b64(otherCA.rootCertificate);
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
