import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { toStatement } from '../../src/attest/statement.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { signStatement } from '../../src/sign/attest.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { VerificationError } from '../../src/verify/error.ts';
import { readTrustedKeys, readTrustedRoot, trustedRootFromJSON } from '../../src/verify/trust.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { BUNDLES, FIXTURES, KEYS, temporaryDirectory } from '../helpers.ts';

const GOLDEN = {
  'ecdsa-p256': join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json'),
  ed25519: join(BUNDLES, 'integrity-ed25519.sigstore.json'),
};
const MODEL_TREE_DIGEST = '155f19372076c22b85125538afa3c9aeb90dfc8bc8e71684ab6f6853e8cf302a';

async function verifierFor(...names: string[]): Promise<AttestationVerifier> {
  return new AttestationVerifier({ keys: await readTrustedKeys(names.map((n) => join(KEYS, `${n}.pub`))) });
}

function golden(alg: keyof typeof GOLDEN): Record<string, any> {
  return JSON.parse(readFileSync(GOLDEN[alg], 'utf8'));
}

function payloadOf(bundle: Record<string, any>): Record<string, any> {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
}

function withPayload(bundle: Record<string, any>, statement: unknown): Record<string, any> {
  const copy = structuredClone(bundle);
  copy.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  return copy;
}

/**
 * Runs `action`, expecting a refusal of `errorClass` with `code` whose user-facing
 * line (an InputError's "<path>: <problem>") holds each of `says`: a string as
 * it is, a pattern as it matches.
 */
function expectRejected(action: () => unknown, errorClass: typeof VerificationError | typeof InputError, code: string, says: (string | RegExp)[] = []): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected the bundle to be rejected').toBeInstanceOf(errorClass);
  expect((thrown as VerificationError).code).toBe(code);
  const line = thrown instanceof InputError ? thrown.toString() : (thrown as Error).message;
  for (const part of says) {
    if (typeof part === 'string') expect(line).toContain(part);
    else expect(line).toMatch(part);
  }
}

async function fingerprintOf(name: string): Promise<string> {
  return (await readTrustedKeys([join(KEYS, `${name}.pub`)]))[0]!.fingerprint;
}

describe('AttestationVerifier', () => {
  describe('#verifyFile', () => {
    for (const alg of ['ecdsa-p256', 'ed25519'] as const) {
      describe(`when given the committed ${alg} bundle`, () => {
        it('returns the statement and names the signing key', async () => {
          const verified = await (await verifierFor('untrusted', alg)).verifyFile(GOLDEN[alg]);
          expect(verified.signer).toEqual({ kind: 'key', keyId: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/), algorithm: alg });
          expect(verified.statement.predicateType).toBe('https://gatehouse.dev/attestations/integrity/v1');
          expect(verified.statement.subject[0]!.digest.sha256).toBe(MODEL_TREE_DIGEST);
          expect(verified.bundleDigest).toMatch(/^[0-9a-f]{64}$/);
        });
      });
    }

    it('accepts a bundle from cosign attest-blob (in-toto v0.1 statement)', async () => {
      const verified = await (await verifierFor('cosign')).verifyFile(join(BUNDLES, 'cosign-attest-blob.sigstore.json'));
      expect(verified.statement._type).toBe('https://in-toto.io/Statement/v0.1');
      expect(verified.statement.predicate).toEqual({ evaluator: 'cosign fixture', score: 0.97 });
    });
  });

  describe('#verifyJSON', () => {
    describe('when the bundle was tampered with', () => {
      it('rejects a changed payload', async () => {
        const bundle = golden('ecdsa-p256');
        const statement = payloadOf(bundle);
        statement.predicate.verdict = 'fail';
        const verifier = await verifierFor('ecdsa-p256');
        // With one trusted key the refusal names it, so the user sees which key was expected.
        expectRejected(() => verifier.verifyJSON(withPayload(bundle, statement), 'changed.sigstore.json'), VerificationError, 'UNTRUSTED_KEY', [
          `changed.sigstore.json: signature does not verify with any trusted key (${await fingerprintOf('ecdsa-p256')})`,
        ]);
      });

      it('rejects a changed subject digest', async () => {
        const bundle = golden('ed25519');
        const statement = payloadOf(bundle);
        statement.subject[0].digest.sha256 = 'f'.repeat(64);
        const verifier = await verifierFor('ed25519');
        expectRejected(() => verifier.verifyJSON(withPayload(bundle, statement), 'x'), VerificationError, 'UNTRUSTED_KEY');
      });

      it('rejects a changed payloadType, which DSSE binds into the signature', async () => {
        const bundle = golden('ecdsa-p256');
        bundle.dsseEnvelope.payloadType = 'application/json';
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'UNTRUSTED_KEY');
      });

      it('rejects a changed signature', async () => {
        const bundle = golden('ecdsa-p256');
        const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
        sig[sig.length - 1]! ^= 0x01;
        bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'UNTRUSTED_KEY');
      });

      it('rejects a bundle whose key hint names a trusted key but whose signature is from another', async () => {
        // The Ed25519 bundle relabelled with the ECDSA key's hint: hints are not trusted.
        const bundle = golden('ed25519');
        bundle.verificationMaterial.publicKey.hint = golden('ecdsa-p256').verificationMaterial.publicKey.hint;
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'UNTRUSTED_KEY');
      });
    });

    describe('when the signer is not trusted', () => {
      it('rejects a valid bundle signed by another key, saying how many keys it tried', async () => {
        const verifier = await verifierFor('untrusted', 'ed25519');
        expectRejected(() => verifier.verifyJSON(golden('ecdsa-p256'), 'other.sigstore.json'), VerificationError, 'UNTRUSTED_KEY', [
          'other.sigstore.json: signature does not verify with any trusted key (2 keys)',
        ]);
      });

      it('rejects a key-signed bundle when no key is trusted', () => {
        const verifier = new AttestationVerifier({ keys: [] });
        expectRejected(() => verifier.verifyJSON(golden('ecdsa-p256'), 'k.sigstore.json'), VerificationError, 'NO_TRUST_MATERIAL', [
          'k.sigstore.json: key-signed bundle, but no trusted public key was given',
        ]);
      });
    });

    describe('when a trusted key signed something that is not an in-toto attestation', () => {
      const sign = async (payload: Buffer, type: string) => {
        const signer = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
        return bundleToJSON(await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: payload, type }));
      };

      it('rejects another payloadType', async () => {
        const bundle = await sign(Buffer.from('{}'), 'application/vnd.example+json');
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'PAYLOAD_TYPE_UNSUPPORTED', [
          'x: payloadType is "application/vnd.example+json", expected application/vnd.in-toto+json',
        ]);
      });

      it('rejects a payload that is not a statement', async () => {
        const bundle = await sign(Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [] })), 'application/vnd.in-toto+json');
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'STATEMENT_INVALID', [/^x: signed payload is not an in-toto v1 statement: .*predicateType/]);
      });

      it('rejects a payload that is not JSON, with the parser\'s reason', async () => {
        const bundle = await sign(Buffer.from('{"_type": "https://in-toto.io/Statement/v1",'), 'application/vnd.in-toto+json');
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'STATEMENT_INVALID', [/^x: signed payload is not JSON: not valid JSON \(.+\)$/]);
      });

      it('rejects a payload that is not UTF-8, even where the bytes sit inside a JSON string', async () => {
        const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'm@', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://e.com/p', predicate: {} });
        const [before, after] = statement.split('@') as [string, string];
        const verifier = await verifierFor('ecdsa-p256');
        expect(verifier.verifyJSON(await sign(Buffer.from(statement), 'application/vnd.in-toto+json'), 'x').statement.subject[0]!.name).toBe('m@');
        const bundle = await sign(Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]), 'application/vnd.in-toto+json');
        // The decoder's failure is not the parser's: the line says what is wrong and stops there.
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'STATEMENT_INVALID', [/^x: signed payload is not JSON$/]);
      });

      it('rejects a subject without any digest, or with a malformed sha256', async () => {
        const verifier = await verifierFor('ecdsa-p256');
        for (const digest of [{}, { sha256: 'AB'.repeat(32) }, { sha512: 'ab' }]) {
          const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'm', digest }], predicateType: 'https://e.com/p', predicate: {} };
          const bundle = await sign(Buffer.from(JSON.stringify(statement)), 'application/vnd.in-toto+json');
          expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'STATEMENT_INVALID');
        }
      });
    });

    describe('when a trusted key signed an in-toto statement gatehouse would not write itself', () => {
      const sign = async (statement: unknown) => {
        const signer = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
        return bundleToJSON(await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' }));
      };
      const sha512 = 'ab'.repeat(64);

      it('accepts subjects named by sha512 only, keeping every algorithm they carry (npm provenance)', async () => {
        const subject = [{ name: 'pkg:npm/x@1', digest: { sha512 } }, { name: 'both', digest: { sha256: 'cd'.repeat(32), sha512, gitCommit: 'ef'.repeat(20) } }];
        const verified = (await verifierFor('ecdsa-p256')).verifyJSON(await sign({ _type: 'https://in-toto.io/Statement/v1', subject, predicateType: 'https://e.com/p', predicate: {} }), 'x');
        expect(verified.statement.subject).toEqual(subject);
      });

      it('accepts a null or absent predicate (PyPI publish attestations)', async () => {
        const verifier = await verifierFor('ecdsa-p256');
        const base = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: 'cd'.repeat(32) } }], predicateType: 'https://docs.pypi.org/attestations/publish/v1' };
        expect(verifier.verifyJSON(await sign({ ...base, predicate: null }), 'x').statement.predicate).toBeNull();
        expect(verifier.verifyJSON(await sign(base), 'x').statement).not.toHaveProperty('predicate');
        const textPredicate = await sign({ ...base, predicate: 'text' });
        expectRejected(() => verifier.verifyJSON(textPredicate, 'x'), VerificationError, 'STATEMENT_INVALID');
      });
    });

    describe('when the bundle is v0.1 (log inclusion by signed promise)', () => {
      const REAL = join(FIXTURES, 'real-world');
      const email = () => JSON.parse(readFileSync(join(REAL, 'bundles', 'email-slsa-provenance-0.0.7.v01.json'), 'utf8'));
      const keyless = async () => new AttestationVerifier({ keyless: { trustedRoot: await readTrustedRoot(join(REAL, 'trust', 'public-good.trusted_root.json')), identities: [{ issuer: 'https://github.com/login/oauth', subject: 'brian@dehamer.com' }] } });

      it('verifies one whose entry carries only the promise', async () => {
        expect((await keyless()).verifyJSON(email(), 'x').signer).toEqual({ kind: 'keyless', issuer: 'https://github.com/login/oauth', subject: 'brian@dehamer.com' });
      });

      it('refuses one whose entry has no promise, and a v0.2 one that has only a promise', async () => {
        const verifier = await keyless();
        const noPromise = email();
        delete noPromise.verificationMaterial.tlogEntries[0].inclusionPromise;
        expectRejected(() => verifier.verifyJSON(noPromise, 'v01.json'), InputError, 'BUNDLE_MALFORMED', ['v01.json: not a valid Sigstore bundle: invalid v0.1 bundle']);
        const relabelled = email();
        relabelled.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
        expectRejected(() => verifier.verifyJSON(relabelled, 'v02.json'), InputError, 'BUNDLE_MALFORMED', ['v02.json: not a valid Sigstore bundle: invalid v0.2 bundle']);
      });

      it('reports a key-signed bundle whose log entry fails as a log failure, not as an untrusted key', async () => {
        const verifier = await verifierFor('ecdsa-p256');
        const bundle = golden('ecdsa-p256');
        expect(verifier.verifyJSON(bundle, 'x').signer.kind).toBe('key');
        bundle.mediaType = email().mediaType;
        bundle.verificationMaterial.tlogEntries = email().verificationMaterial.tlogEntries;
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'TLOG_INVALID', ['x: inclusion promise could not be verified']);
      });

      it('refuses one whose promise does not cover its entry', async () => {
        const verifier = await keyless();
        const bundle = email();
        const entry = bundle.verificationMaterial.tlogEntries[0];
        entry.integratedTime = String(Number(entry.integratedTime) + 1);
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), VerificationError, 'TLOG_INVALID', ['x: inclusion promise could not be verified']);
      });

      it('refuses one whose certificate cannot be read, with the reason', async () => {
        const bundle = email();
        bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes = 'AAAA';
        const verifier = await keyless();
        expectRejected(() => verifier.verifyJSON(bundle, 'cert.json'), InputError, 'BUNDLE_MALFORMED', ['cert.json: unreadable verification material: unsupported tag 0x00']);
      });
    });

    describe('when the bundle is malformed', () => {
      it('rejects an unknown media type', async () => {
        const bundle = golden('ecdsa-p256');
        bundle.mediaType = 'application/vnd.dev.sigstore.bundle.v0.9+json';
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), InputError, 'BUNDLE_MALFORMED', ['x: not a Sigstore DSSE bundle: at /mediaType: must be equal to one of the allowed values']);
      });

      it('rejects an envelope with two signatures', async () => {
        const bundle = golden('ecdsa-p256');
        bundle.dsseEnvelope.signatures.push(structuredClone(bundle.dsseEnvelope.signatures[0]));
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), InputError, 'BUNDLE_MALFORMED');
      });

      it('rejects a message-signature bundle', async () => {
        const bundle = golden('ecdsa-p256');
        delete bundle.dsseEnvelope;
        bundle.messageSignature = { messageDigest: { algorithm: 'SHA2_256', digest: 'AA==' }, signature: 'AA==' };
        const verifier = await verifierFor('ecdsa-p256');
        expectRejected(() => verifier.verifyJSON(bundle, 'x'), InputError, 'BUNDLE_MALFORMED');
      });

      it('rejects JSON that is not an object', async () => {
        const verifier = await verifierFor('ecdsa-p256');
        for (const json of [null, 42, 'bundle', [golden('ecdsa-p256')]]) {
          expectRejected(() => verifier.verifyJSON(json, 'x'), InputError, 'BUNDLE_MALFORMED', ['x: not a Sigstore DSSE bundle: at document: must be object']);
        }
      });
    });
  });

  describe('#verifyBytes', () => {
    it('rejects truncated JSON and names the source', async () => {
      const bytes = readFileSync(GOLDEN['ecdsa-p256']);
      const verifier = await verifierFor('ecdsa-p256');
      expect(() => verifier.verifyBytes(bytes.subarray(0, bytes.length / 2), 'half.json')).toThrowError(/half\.json|not valid JSON/);
      expectRejected(() => verifier.verifyBytes(bytes.subarray(0, bytes.length / 2), 'half.json'), InputError, 'JSON_INVALID');
    });
  });

  describe('#verifyFile with a huge file', () => {
    it('refuses it by size without reading it', async () => {
      const dir = await temporaryDirectory();
      const path = join(dir, 'huge.sigstore.json');
      writeFileSync(path, '');
      // A sparse 200 MB file: refused from its size alone.
      const { truncateSync } = await import('node:fs');
      truncateSync(path, 200 * 1024 * 1024);
      const verifier = await verifierFor('ecdsa-p256');
      const started = performance.now();
      await expect(verifier.verifyFile(path)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', path });
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });

  describe('round trip', () => {
    it('verifies what signStatement produced and the verified statement equals the signed one', async () => {
      const signer = new KeySigner(createPrivateKey(readFileSync(join(KEYS, 'ed25519.key'))));
      const statement = toStatement({ subjects: [{ name: 'm', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://e.com/p/v1', predicate: { n: 1, s: 'é' } });
      const bundle = await signStatement(statement, { signer });
      const verified = (await verifierFor('ed25519')).verifyJSON(bundle, 'x');
      expect(verified.statement).toEqual(statement);
      expect(bundle.dsseEnvelope!.signatures[0]!.keyid).toBe(signer.fingerprint);
      // gatehouse reads v0.1 and v0.2 bundles but writes v0.3 only.
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    });
  });
});

describe('trustedRootFromJSON', () => {
  describe('when the JSON is not a trusted root', () => {
    it('refuses it, naming the file and what it should have been', () => {
      expectRejected(() => trustedRootFromJSON({ mediaType: 42 }, 'root.json'), InputError, 'SCHEMA_INVALID', [/^root\.json: not a valid Sigstore trusted root: \S/]);
    });
  });
});

describe('signStatement', () => {
  describe('when a subject is not named by sha256', () => {
    it('refuses to sign: what gatehouse writes names every subject by sha256', async () => {
      const signer = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
      const statement = toStatement({ subjects: [{ digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://e.com/p/v1', predicate: {} });
      await expect(signStatement(statement, { signer })).resolves.toHaveProperty('dsseEnvelope');
      const sha512Only = { ...statement, subject: [{ digest: { sha512: 'a'.repeat(128) } }] } as unknown as typeof statement;
      await expect(signStatement(sha512Only, { signer })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    });
  });

  describe('when the signer fails', () => {
    it('raises a SigningError and produces no bundle', async () => {
      const { SigningError } = await import('../../src/sign/error.ts');
      const failing = { sign: async () => Promise.reject(new Error('HSM unavailable')) } satisfies import('../../src/sign/signer.ts').Signer;
      const statement = toStatement({ subjects: [{ digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://e.com/p/v1', predicate: {} });
      await expect(signStatement(statement, { signer: failing })).rejects.toBeInstanceOf(SigningError);
      await expect(signStatement(statement, { signer: failing })).rejects.toThrow(/HSM unavailable/);
    });
  });

  describe('when a signer reports a key other than the one it signed with', () => {
    it('yields a bundle that the reported key does not verify', async () => {
      const real = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
      const lying = {
        sign: async (data: Buffer) => ({ ...(await real.sign(data)), key: { $case: 'publicKey' as const, publicKey: readFileSync(join(KEYS, 'untrusted.pub'), 'utf8'), hint: 'x' } }),
      } satisfies import('../../src/sign/signer.ts').Signer;
      const statement = toStatement({ subjects: [{ digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://e.com/p/v1', predicate: {} });
      const bundle = await signStatement(statement, { signer: lying });
      const verifier = await verifierFor('untrusted');
      expect(() => verifier.verifyJSON(bundle, 'x')).toThrowError(VerificationError);
    });
  });
});
