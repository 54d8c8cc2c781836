import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyFingerprint, readPrivateKey, readPublicKey } from '../../src/keys/keys.ts';
import { KEYS, run, temporaryDirectory, tool } from '../helpers.ts';

describe('keyFingerprint', () => {
  for (const alg of ['ecdsa-p256', 'ed25519'] as const) {
    it(`equals what ssh-keygen prints for an ${alg} key`, async () => {
      const dir = await temporaryDirectory();
      const pub = join(dir, 'key.pub');
      writeFileSync(pub, generateKeyPair(alg).publicKeyPEM);
      // The OpenSSH public key line comes from pyca/cryptography (this ssh-keygen
      // cannot import Ed25519 PKCS#8); ssh-keygen then computes the fingerprint.
      const script = 'import sys; from cryptography.hazmat.primitives import serialization as s; k = s.load_pem_public_key(open(sys.argv[1], "rb").read()); print(k.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode())';
      const ssh = run(tool('.venv/bin/python'), ['-c', script, pub]);
      expect(ssh.status, ssh.stderr).toBe(0);
      writeFileSync(join(dir, 'key.ssh'), ssh.stdout);
      const listed = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'key.ssh')]);
      expect(listed.status, listed.stderr).toBe(0);
      const expected = listed.stdout.split(' ')[1];
      expect(keyFingerprint(await readPublicKey(pub))).toBe(expected);
    });
  }
});

describe('generateKeyPair', () => {
  it('writes PKCS#8 private and SPKI public PEM of the requested algorithm', () => {
    const ec = generateKeyPair('ecdsa-p256');
    expect(ec.privateKeyPEM).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(ec.publicKeyPEM).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPrivateKey(ec.privateKeyPEM).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(generateKeyPair('ed25519').publicKeyPEM).asymmetricKeyType).toBe('ed25519');
  });
});

describe('readPublicKey', () => {
  it('refuses a private key given where a public key belongs, naming the file', async () => {
    await expect(readPublicKey(join(KEYS, 'ecdsa-p256.key'))).rejects.toMatchObject({ code: 'KEY_INVALID', path: join(KEYS, 'ecdsa-p256.key') });
  });

  it('refuses keys of other algorithms', async () => {
    const dir = await temporaryDirectory();
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(join(dir, 'rsa.pub'), rsa);
    await expect(readPublicKey(join(dir, 'rsa.pub'))).rejects.toMatchObject({ code: 'KEY_INVALID', message: expect.stringContaining('rsa') });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' });
    writeFileSync(join(dir, 'p384.pub'), p384);
    await expect(readPublicKey(join(dir, 'p384.pub'))).rejects.toMatchObject({ code: 'KEY_INVALID' });
  });

  it('refuses garbage', async () => {
    const dir = await temporaryDirectory();
    writeFileSync(join(dir, 'junk.pub'), 'not a key');
    await expect(readPublicKey(join(dir, 'junk.pub'))).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(readPrivateKey(join(dir, 'missing.key'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
