import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLES, KEYS, gatehouse, run, temporaryDirectory, tool } from '../helpers.ts';

const TYPE = 'https://gatehouse.dev/attestations/integrity/v1';

function cosignVerify(bundle: string, key: string, artifact: string, type: string) {
  return run(tool('.tools/bin/cosign'), ['verify-blob-attestation', '--key', key, '--bundle', bundle, '--insecure-ignore-tlog', '--type', type, artifact]);
}

describe('cosign interoperability', () => {
  for (const alg of ['ecdsa-p256', 'ed25519'] as const) {
    describe(`a bundle gatehouse signs with an ${alg} key`, () => {
      it('verifies with cosign verify-blob-attestation, and a tampered copy does not', async () => {
        const dir = await temporaryDirectory();
        const artifact = join(dir, 'model.bin');
        writeFileSync(artifact, 'weights\n');
        const predicate = join(dir, 'predicate.json');
        writeFileSync(predicate, JSON.stringify({ note: 'interop' }));
        const out = join(dir, 'a.sigstore.json');
        const attest = gatehouse(['attest', '--subject', artifact, '--predicate-type', TYPE.replace('integrity', 'interop'), '--predicate', predicate, '--key', join(KEYS, `${alg}.key`), '--out', out]);
        expect(attest.status, attest.stderr).toBe(0);

        const verified = cosignVerify(out, join(KEYS, `${alg}.pub`), artifact, TYPE.replace('integrity', 'interop'));
        expect(verified.status, verified.stderr).toBe(0);
        expect(verified.stderr).toContain('Verified OK');

        const wrongKey = cosignVerify(out, join(KEYS, 'untrusted.pub'), artifact, TYPE.replace('integrity', 'interop'));
        expect(wrongKey.status).not.toBe(0);

        writeFileSync(artifact, 'other weights\n');
        const otherArtifact = cosignVerify(out, join(KEYS, `${alg}.pub`), artifact, TYPE.replace('integrity', 'interop'));
        expect(otherArtifact.status).not.toBe(0);
      });
    });
  }

  it('cosign verifies a committed gatehouse gate attestation about a model directory, by its digest', async () => {
    const bundle = join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json');
    const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(bundle, 'utf8')).dsseEnvelope.payload, 'base64').toString());
    const verified = run(tool('.tools/bin/cosign'), [
      'verify-blob-attestation', '--key', join(KEYS, 'ecdsa-p256.pub'), '--bundle', bundle, '--insecure-ignore-tlog', '--type', TYPE,
      '--digest', statement.subject[0].digest.sha256, '--digestAlg', 'sha256',
    ]);
    expect(verified.status, verified.stderr).toBe(0);
  });

  describe('a bundle from cosign attest-blob --key', () => {
    it('verifies with gatehouse verify-attestation, bound to its artifact', () => {
      const bundle = join(BUNDLES, 'cosign-attest-blob.sigstore.json');
      const artifact = join(BUNDLES, 'cosign-artifact.txt');
      const ok = gatehouse(['verify-attestation', bundle, '--key', join(KEYS, 'cosign.pub'), '--subject', artifact, '--json']);
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).statement.predicateType).toBe('https://example.com/cosign-fixture/v1');
      const wrongKey = gatehouse(['verify-attestation', bundle, '--key', join(KEYS, 'ecdsa-p256.pub')]);
      expect(wrongKey.status).toBe(1);
    });

    it('verifies one made now by cosign', async () => {
      const dir = await temporaryDirectory();
      const env = { ...process.env, COSIGN_PASSWORD: '' };
      const cosign = tool('.tools/bin/cosign');
      expect(run(cosign, ['generate-key-pair', '--output-key-prefix', join(dir, 'c')], { env }).status).toBe(0);
      writeFileSync(join(dir, 'artifact'), 'blob');
      writeFileSync(join(dir, 'p.json'), '{"ok": true}');
      const attest = run(cosign, [
        'attest-blob', '--key', join(dir, 'c.key'), '--predicate', join(dir, 'p.json'), '--type', 'https://example.com/live/v1',
        '--bundle', join(dir, 'b.json'), '--use-signing-config=false', '--tlog-upload=false', '--new-bundle-format', '--yes', join(dir, 'artifact'),
      ], { env });
      expect(attest.status, attest.stderr).toBe(0);
      const ok = gatehouse(['verify-attestation', join(dir, 'b.json'), '--key', join(dir, 'c.pub'), '--subject', join(dir, 'artifact'), '--predicate-type', 'https://example.com/live/v1']);
      expect(ok.status, ok.stderr).toBe(0);
      const otherSubject = gatehouse(['verify-attestation', join(dir, 'b.json'), '--key', join(dir, 'c.pub'), '--subject', join(dir, 'p.json')]);
      expect(otherSubject.status).toBe(1);
    });
  });
});
