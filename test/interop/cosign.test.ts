import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLES, KEYS, ROOT, gatehouse, run, temporaryDirectory, tool } from '../helpers.ts';

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
        const attest = gatehouse(['attest', '--subject', artifact, '--predicate-type', TYPE.replace('integrity', 'interop'), '--predicate', predicate, '--signing-key', join(KEYS, `${alg}.key`), '--out', out]);
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
      const wrongKey = gatehouse(['verify-attestation', bundle, '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]);
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
      const ok = gatehouse(['verify-attestation', join(dir, 'b.json'), '--trusted-key', join(dir, 'c.pub'), '--subject', join(dir, 'artifact'), '--predicate-type', 'https://example.com/live/v1']);
      expect(ok.status, ok.stderr).toBe(0);
      const otherSubject = gatehouse(['verify-attestation', join(dir, 'b.json'), '--trusted-key', join(dir, 'c.pub'), '--subject', join(dir, 'p.json')]);
      expect(otherSubject.status).toBe(1);
    });
  });

  describe('a key pair made by cosign generate-key-pair (ENCRYPTED SIGSTORE PRIVATE KEY)', () => {
    const cosign = () => tool('.tools/bin/cosign');
    const attest = (dir: string, env: NodeJS.ProcessEnv, out = join(dir, 'b.json')) =>
      gatehouse(['attest', '--subject', join(dir, 'artifact'), '--predicate-type', TYPE_LIVE, '--predicate', join(dir, 'p.json'), '--signing-key', join(dir, 'c.key'), '--out', out], { env });
    const TYPE_LIVE = 'https://example.com/encrypted-key/v1';
    const keyPair = async (password: string) => {
      const dir = await temporaryDirectory();
      expect(run(cosign(), ['generate-key-pair', '--output-key-prefix', join(dir, 'c')], { env: { ...process.env, COSIGN_PASSWORD: password } }).status).toBe(0);
      writeFileSync(join(dir, 'artifact'), 'blob');
      writeFileSync(join(dir, 'p.json'), '{"ok": true}');
      return dir;
    };

    it('signs with the password from COSIGN_PASSWORD or GATEHOUSE_PASSWORD, and cosign verifies what it signed', async () => {
      const dir = await keyPair('correct horse');
      const signed = attest(dir, { COSIGN_PASSWORD: 'correct horse' });
      expect(signed.status, signed.stderr).toBe(0);
      const verified = run(cosign(), ['verify-blob-attestation', '--key', join(dir, 'c.pub'), '--bundle', join(dir, 'b.json'), '--insecure-ignore-tlog', '--type', TYPE_LIVE, join(dir, 'artifact')]);
      expect(verified.status, verified.stderr).toBe(0);
      expect(gatehouse(['verify-attestation', join(dir, 'b.json'), '--trusted-key', join(dir, 'c.pub'), '--subject', join(dir, 'artifact')]).status).toBe(0);
      // GATEHOUSE_PASSWORD comes first.
      expect(attest(dir, { GATEHOUSE_PASSWORD: 'correct horse', COSIGN_PASSWORD: 'wrong' }, join(dir, 'b2.json')).status).toBe(0);
      // An empty password is a password (cosign's default for CI keys).
      const empty = await keyPair('');
      expect(attest(empty, { COSIGN_PASSWORD: '' }).status).toBe(0);
    });

    it('asks on a terminal when no password is in the environment', async () => {
      const dir = await keyPair('typed');
      const command = [process.execPath, join(ROOT, 'cli', 'gatehouse.ts'), 'attest', '--subject', join(dir, 'artifact'), '--predicate-type', TYPE_LIVE, '--predicate', join(dir, 'p.json'), '--signing-key', join(dir, 'c.key'), '--out', join(dir, 'b.json')].map((arg) => `'${arg}'`).join(' ');
      const { COSIGN_PASSWORD: _c, GATEHOUSE_PASSWORD: _g, ...env } = process.env;
      // script(1) gives the command a terminal; the answer is typed after the prompt appears.
      const typed = run('bash', ['-c', `(sleep 2; printf 'typed\\r') | script -qec "${command.replaceAll('"', '\\"')}" /dev/null`], { env });
      expect(typed.stdout).toContain(`Password for ${join(dir, 'c.key')}: `);
      expect(typed.stdout).toContain('wrote ');
      expect(readFileSync(join(dir, 'b.json'), 'utf8')).toContain('dsseEnvelope');
    });

    it('refuses a missing or wrong password, a damaged file and absurd scrypt costs with exit 2 and one line', async () => {
      const dir = await keyPair('right');
      const line = (result: { stderr: string }) => result.stderr;
      expect(line(attest(dir, {}))).toBe(`gatehouse: ${join(dir, 'c.key')}: is an encrypted private key: set GATEHOUSE_PASSWORD (or COSIGN_PASSWORD), or run on a terminal to be asked\n`);
      const wrong = attest(dir, { COSIGN_PASSWORD: 'wrong' });
      expect([wrong.status, line(wrong)]).toEqual([2, `gatehouse: ${join(dir, 'c.key')}: cannot decrypt this private key: wrong password or a damaged file\n`]);
      const pem = readFileSync(join(dir, 'c.key'), 'utf8');
      const body = JSON.parse(Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64').toString('utf8'));
      const rewrite = (change: (json: any) => void) => {
        const copy = structuredClone(body);
        change(copy);
        const lines = Buffer.from(JSON.stringify(copy)).toString('base64').match(/.{1,64}/g)!;
        writeFileSync(join(dir, 'c.key'), ['-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----', ...lines, '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----', ''].join('\n'));
      };
      rewrite((json) => {
        const bytes = Buffer.from(json.ciphertext, 'base64');
        bytes[5]! ^= 1;
        json.ciphertext = bytes.toString('base64');
      });
      expect(line(attest(dir, { COSIGN_PASSWORD: 'right' }))).toContain('cannot decrypt this private key: wrong password or a damaged file');
      // Costs a key file could ask for: 1 GiB of memory, 2^24 work; each refused at once.
      for (const params of [{ N: 2 ** 20, r: 8, p: 1 }, { N: 2 ** 16, r: 8, p: 32 }, { N: 2 ** 30, r: 8, p: 1 }]) {
        rewrite((json) => (json.kdf.params = params));
        const started = Date.now();
        const costly = attest(dir, { COSIGN_PASSWORD: 'right' });
        expect([costly.status, line(costly)]).toEqual([2, `gatehouse: ${join(dir, 'c.key')}: not a cosign encrypted key: scrypt parameters ${JSON.stringify(params)} (N a power of two; at most 256 MiB, 128·N·r bytes, and 2^22 work, N·r·p)\n`]);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      // Within the bounds, but refused by scrypt itself (N must be below 2^(16·r)): still one line, exit 2.
      rewrite((json) => (json.kdf.params = { N: 2 ** 16, r: 1, p: 1 }));
      const refused = attest(dir, { COSIGN_PASSWORD: 'right' });
      expect(refused.status).toBe(2);
      expect(line(refused)).toMatch(/: not a cosign encrypted key: scrypt refused its parameters \{"N":65536,"r":1,"p":1\}/);
      rewrite((json) => (json.cipher.name = 'aes-gcm'));
      expect(line(attest(dir, { COSIGN_PASSWORD: 'right' }))).toContain('not a cosign encrypted key: cipher "aes-gcm" (only nacl/secretbox is read)');
    });

    it('also reads an encrypted PKCS#8 key', async () => {
      const dir = await keyPair('unused');
      const { generateKeyPairSync } = await import('node:crypto');
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(join(dir, 'c.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pkcs8 pass' }));
      writeFileSync(join(dir, 'c.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
      expect(attest(dir, { GATEHOUSE_PASSWORD: 'pkcs8 pass' }).status).toBe(0);
      expect(gatehouse(['verify-attestation', join(dir, 'b.json'), '--trusted-key', join(dir, 'c.pub')]).status).toBe(0);
      expect(attest(dir, { GATEHOUSE_PASSWORD: 'nope' }, join(dir, 'x.json')).stderr).toContain('cannot decrypt this private key: wrong password or a damaged file');
    });
  });
});
