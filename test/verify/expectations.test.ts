// What `verify-attestation --expect-predicate-type` and `--expect-subject`
// promise, tested in process so that the verify folder's own tests reach
// src/verify/expectations.ts: a bundle that verifies but is of another
// predicate type, or about another artifact, is refused; the artifact may be
// named by a digest or by a path hashed the way the statement names it.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { VerificationError } from '../../src/verify/error.ts';
import { verifyAttestationFile, type AttestationExpectations } from '../../src/verify/expectations.ts';
import { readTrustedKeys, type TrustPolicy } from '../../src/verify/trust.ts';
import { KEYS, temporaryDirectory } from '../helpers.ts';

const PREDICATE_TYPE = 'https://example.com/expectations-test/v1';
const ARTIFACT = Buffer.from('model weights\n');
const OTHER = Buffer.from('other weights\n');
const hex = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

/** A bundle file, signed by the trusted ecdsa-p256 key, of a statement about ARTIFACT named by `digest` (as npm names tarballs: sha512 only). */
async function bundleFile(dir: string, digest: Record<string, string> = { sha512: hex('sha512', ARTIFACT) }): Promise<string> {
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'model.bin', digest }], predicateType: PREDICATE_TYPE, predicate: {} };
  const signer = new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key')));
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: Buffer.from(JSON.stringify(statement)), type: 'application/vnd.in-toto+json' });
  const path = join(dir, 'bundle.sigstore.json');
  await writeFile(path, JSON.stringify(bundleToJSON(bundle)));
  return path;
}

async function trust(): Promise<TrustPolicy> {
  return { keys: await readTrustedKeys([join(KEYS, 'ecdsa-p256.pub')]) };
}

/** The error `verifyAttestationFile` rejects with; a verified result fails the test. */
async function refused(path: string, expected: AttestationExpectations): Promise<unknown> {
  return verifyAttestationFile(path, await trust(), expected).then(
    () => expect.fail(`expected ${JSON.stringify(expected)} to be refused`),
    (error: unknown) => error,
  );
}

describe('verifyAttestationFile', () => {
  describe('without expectations', () => {
    it('returns the verified statement of any predicate type and subject', async () => {
      const path = await bundleFile(await temporaryDirectory());
      const verified = await verifyAttestationFile(path, await trust());
      expect(verified.statement.predicateType).toBe(PREDICATE_TYPE);
      expect(verified.signer.kind).toBe('key');
    });
  });

  describe('when a predicate type is expected', () => {
    it('accepts the statement of that type and refuses one of another type', async () => {
      const path = await bundleFile(await temporaryDirectory());
      expect((await verifyAttestationFile(path, await trust(), { predicateType: PREDICATE_TYPE })).statement.predicateType).toBe(PREDICATE_TYPE);
      const error = await refused(path, { predicateType: 'https://slsa.dev/provenance/v1' });
      expect(error).toBeInstanceOf(VerificationError);
      expect((error as VerificationError).code).toBe('STATEMENT_INVALID');
      expect((error as VerificationError).message).toContain(`${path}: predicate type is ${PREDICATE_TYPE}, expected https://slsa.dev/provenance/v1`);
    });
  });

  describe('when a subject is expected by digest', () => {
    it('accepts the digest the statement carries, however written, and refuses another', async () => {
      const path = await bundleFile(await temporaryDirectory());
      const sha512 = hex('sha512', ARTIFACT);
      for (const subject of [`sha512:${sha512}`, `SHA512:${sha512.toUpperCase()}`, ` sha512:${sha512}\n`]) {
        expect((await verifyAttestationFile(path, await trust(), { subject })).statement.subject[0]!.name).toBe('model.bin');
      }
      const error = await refused(path, { subject: `sha512:${hex('sha512', OTHER)}` });
      expect(error).toBeInstanceOf(VerificationError);
      expect((error as VerificationError).code).toBe('STATEMENT_INVALID');
      expect((error as VerificationError).message).toContain(`${path}: not about sha512:${hex('sha512', OTHER)}`);
    });

    it('refuses a malformed digest as bad input, naming no file to hash', async () => {
      const path = await bundleFile(await temporaryDirectory());
      const error = await refused(path, { subject: 'sha512:not-hex' });
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe('DIGEST_INVALID');
      // The value came from the command line, so the refusal names the flag, not a file.
      expect((error as InputError).message).toMatch(/^--subject: .*got "sha512:not-hex"$/);
    });
  });

  describe('when a subject is expected by path', () => {
    it('hashes the file in the algorithm the statement uses (sha512 only) and refuses another file', async () => {
      const dir = await temporaryDirectory();
      const path = await bundleFile(dir);
      await writeFile(join(dir, 'model.bin'), ARTIFACT);
      await writeFile(join(dir, 'other.bin'), OTHER);
      expect((await verifyAttestationFile(path, await trust(), { subject: join(dir, 'model.bin') })).statement.predicateType).toBe(PREDICATE_TYPE);
      const error = await refused(path, { subject: join(dir, 'other.bin') });
      expect(error).toBeInstanceOf(VerificationError);
      expect((error as VerificationError).code).toBe('STATEMENT_INVALID');
      // A file is hashed in sha256 too (the digest gatehouse's own subjects carry); the refusal names each digest it tried.
      expect((error as VerificationError).message).toContain(`${path}: not about sha256:${hex('sha256', OTHER)} or sha512:${hex('sha512', OTHER)}`);
    });

    it('reads a path that contains an algorithm name and a colon as a path, not as a digest', async () => {
      const dir = await temporaryDirectory();
      const path = await bundleFile(dir);
      await mkdir(join(dir, 'by-sha512:model'));
      await writeFile(join(dir, 'by-sha512:model', 'model.bin'), ARTIFACT);
      const subject = join(dir, 'by-sha512:model', 'model.bin');
      expect((await verifyAttestationFile(path, await trust(), { subject })).statement.subject[0]!.digest.sha512).toBe(hex('sha512', ARTIFACT));
    });

    it('checks both expectations: the right subject does not excuse the wrong type', async () => {
      const dir = await temporaryDirectory();
      const path = await bundleFile(dir, { sha256: hex('sha256', ARTIFACT) });
      await writeFile(join(dir, 'model.bin'), ARTIFACT);
      const subject = join(dir, 'model.bin');
      expect((await verifyAttestationFile(path, await trust(), { predicateType: PREDICATE_TYPE, subject })).statement.predicateType).toBe(PREDICATE_TYPE);
      const error = await refused(path, { predicateType: 'https://slsa.dev/provenance/v1', subject });
      expect((error as VerificationError).code).toBe('STATEMENT_INVALID');
    });
  });
});
