import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { readPrivateKey, readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle, verifyPolicyBundle, withPolicyData } from '../../src/policy/bundle.ts';
import { PolicyError } from '../../src/policy/error.ts';
import { opaFileHash } from '../../src/policy/opa-hash.ts';
import { DEFAULT_TAR_LIMITS, readTarGz, writeTarGz } from '../../src/policy/tar.ts';
import { ROOT, run, temporaryDirectory, tool } from '../helpers.ts';
import { POLICY_KEY, POLICY_PUB } from '../support/policy.ts';
import { refusal } from '../support/refusal.ts';

const COMMITTED = join(ROOT, 'bundles', 'gatehouse.tar.gz');

/** Unpacks a bundle with the system tar, lets `change` edit the files, and packs it again. */
async function repack(change: (dir: string) => void): Promise<Buffer> {
  const dir = await temporaryDirectory();
  const files = join(dir, 'files');
  mkdirSync(files);
  execFileSync('tar', ['-xzf', COMMITTED, '-C', files]);
  change(files);
  execFileSync('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', files, '.']);
  return readFileSync(join(dir, 'out.tar.gz'));
}

type SignedFile = { name: string; hash: string; algorithm: string };

/** Repacks the committed bundle with its signature payload's file list changed and signed again by the policy key. */
async function resigned(change: (files: SignedFile[]) => SignedFile[]): Promise<Buffer> {
  const key = await readPrivateKey(POLICY_KEY);
  return repack((dir) => {
    const path = join(dir, '.signatures.json');
    const [header, payload] = JSON.parse(readFileSync(path, 'utf8')).signatures[0].split('.');
    const signed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    signed.files = change(signed.files);
    const body = `${header}.${Buffer.from(JSON.stringify(signed)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' });
    writeFileSync(path, JSON.stringify({ signatures: [`${body}.${signature.toString('base64url')}`] }));
  });
}

async function expectRefused(archive: Buffer, code: string, message?: RegExp): Promise<void> {
  const key = await readPublicKey(POLICY_PUB);
  const refused = refusal(() => verifyPolicyBundle(archive, 'bundle.tar.gz', key), PolicyError);
  expect(refused.code).toBe(code);
  if (message !== undefined) expect(refused.message).toMatch(message);
}

describe('verifyPolicyBundle', () => {
  it('accepts the committed bundle and reads its policy, data and revision', async () => {
    const bundle = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
    expect(bundle.wasm.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
    expect(Object.keys(bundle.data['gatehouse'] as object).sort()).toEqual(['accepted_policies', 'approval', 'datasets', 'decision_signers', 'gates', 'model_signers', 'signers', 'stages', 'thresholds']);
    expect(bundle.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses a bundle signed by another key', async () => {
    await expect(readPolicyBundle(COMMITTED, await readPublicKey(join(ROOT, 'examples', 'keys', 'integrity-gate.pub')))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses an unsigned bundle', async () => {
    await expectRefused(await repack((dir) => execFileSync('rm', [join(dir, '.signatures.json')])), 'BUNDLE_UNSIGNED');
  });

  it('refuses a bundle whose thresholds were loosened', async () => {
    const archive = await repack((dir) => {
      const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
      data.gatehouse.thresholds.regression.metrics.accuracy.tolerance = 0.5;
      writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    });
    await expectRefused(archive, 'DIGEST_MISMATCH');
  });

  it('accepts data.json reformatted without a change of content, as OPA does', async () => {
    const archive = await repack((dir) => {
      const text = readFileSync(join(dir, 'data.json'), 'utf8');
      writeFileSync(join(dir, 'data.json'), JSON.stringify(JSON.parse(text), null, 4));
    });
    expect(verifyPolicyBundle(archive, 'x', await readPublicKey(POLICY_PUB)).revision).toMatch(/^sha256:/);
  });

  it('refuses a bundle whose policy.wasm was replaced', async () => {
    await expectRefused(await repack((dir) => writeFileSync(join(dir, 'policy.wasm'), Buffer.from('\0asm\x01\0\0\0'))), 'DIGEST_MISMATCH');
  });

  it('refuses a file the signature does not cover, and a signed file that is missing', async () => {
    await expectRefused(await repack((dir) => writeFileSync(join(dir, 'extra.rego'), 'package extra\n')), 'FILE_NOT_SIGNED');
    await expectRefused(await repack((dir) => execFileSync('rm', ['-r', join(dir, 'policies', 'release', 'verdicts')])), 'FILE_MISSING');
  });

  describe('when the signature payload lists a file twice', () => {
    it('refuses the bundle, even when both entries carry the right hash', async () => {
      const key = await readPublicKey(POLICY_PUB);
      expect(verifyPolicyBundle(await resigned((files) => files), 'x', key).revision).toMatch(/^sha256:/);
      const twice = (files: SignedFile[], name: (file: SignedFile) => string) => {
        const data = files.find((file) => file.name.endsWith('data.json'))!;
        return [...files, { ...data, name: name(data) }];
      };
      await expectRefused(await resigned((files) => twice(files, (data) => data.name)), 'SIGNATURE_INVALID', /lists a file twice/);
      await expectRefused(await resigned((files) => twice(files, (data) => data.name.replace(/^\/+/, ''))), 'SIGNATURE_INVALID', /lists a file twice/);
    });
  });

  it('refuses a signature with algorithm none', async () => {
    const archive = await repack((dir) => {
      const signatures = JSON.parse(readFileSync(join(dir, '.signatures.json'), 'utf8'));
      const [, payload] = signatures.signatures[0].split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      writeFileSync(join(dir, '.signatures.json'), JSON.stringify({ signatures: [`${header}.${payload}.`] }));
    });
    await expectRefused(archive, 'SIGNATURE_INVALID');
  });

  it('refuses a policy key that cannot verify ES256 as bad input, naming what it needs', async () => {
    const ed25519 = await readPublicKey(join(ROOT, 'test', 'fixtures', 'keys', 'ed25519.pub'));
    const error = refusal(() => verifyPolicyBundle(readFileSync(COMMITTED), 'x.tar.gz', ed25519), InputError);
    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toMatch(/ES256, which needs an ECDSA P-256 key; this is an ed25519 key/);
  });

  it('refuses something that is not a gzip archive as bad input', async () => {
    expect(refusal(() => verifyPolicyBundle(Buffer.from('not a bundle'), 'x.tar.gz', createPublicKey(readFileSync(POLICY_PUB))), InputError).code).toBe('BUNDLE_MALFORMED');
  });
});

describe('withPolicyData', () => {
  it('re-signs a bundle with other data under another key, which gatehouse and opa verify, and nothing else does', async () => {
    const committed = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
    const team = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = { gatehouse: { ...(committed.data['gatehouse'] as object), accepted_policies: [`sha256:${'ab'.repeat(32)}`] } };
    const archive = withPolicyData(committed, data, team.privateKey);
    const rekeyed = verifyPolicyBundle(archive, 'rekeyed', team.publicKey);
    expect(rekeyed.data).toEqual(data);
    expect(rekeyed.wasm.equals(committed.wasm)).toBe(true);
    expect(rekeyed.revision).toBe(committed.revision);
    await expectRefused(archive, 'SIGNATURE_INVALID', /does not verify with the trusted policy key/);
    // opa itself accepts the signature (it rebuilds only a bundle whose signature verifies).
    const dir = await temporaryDirectory();
    writeFileSync(join(dir, 'b.tar.gz'), archive);
    writeFileSync(join(dir, 'team.pub'), team.publicKey.export({ type: 'spki', format: 'pem' }));
    const opa = run(tool('.tools/bin/opa'), ['build', '--bundle', join(dir, 'b.tar.gz'), '--verification-key', join(dir, 'team.pub'), '--signing-alg', 'ES256', '-o', join(dir, 'out.tar.gz')]);
    expect(opa.status, opa.stderr + opa.stdout).toBe(0);
    const tampered = readTarGz(archive, 'x');
    tampered.set('data.json', Buffer.from('{"gatehouse": {}}'));
    expect(() => verifyPolicyBundle(writeTarGz(tampered), 'tampered', team.publicKey)).toThrow(expect.objectContaining({ code: 'DIGEST_MISMATCH' }));
    expect(() => withPolicyData(committed, data, generateKeyPairSync('ed25519').privateKey)).toThrow(/ES256/);
  });
});

describe('writeTarGz', () => {
  it('writes what readTarGz reads back, the same bytes for the same files', () => {
    const files = new Map([['a.txt', Buffer.from('alpha')], ['dir/b.bin', Buffer.alloc(1025, 7)], ['empty', Buffer.alloc(0)]]);
    const archive = writeTarGz(files);
    expect(readTarGz(archive, 'x')).toEqual(files);
    expect(writeTarGz(files).equals(archive)).toBe(true);
    expect(execFileSync('tar', ['tzf', '-'], { input: archive, encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['/a.txt', '/dir/b.bin', '/empty']);
    expect(() => writeTarGz(new Map([['../escape', Buffer.alloc(1)]]))).toThrow(/not a name/);
  });
});

describe('readTarGz', () => {
  const header = (name: string, size: number, type = '0') => {
    const block = Buffer.alloc(512);
    block.write(name, 0, 'utf8');
    block.write('0000644\0', 100);
    block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    block.write(type, 156);
    block.write('ustar\0', 257);
    block.write('        ', 148);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return block;
  };
  const archive = (...entries: Array<[string, string, string?]>) =>
    gzipSync(Buffer.concat([...entries.flatMap(([name, body, type]) => [header(name, body.length, type), Buffer.concat([Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512)])]), Buffer.alloc(1024)]));

  it('reads regular files and strips a leading slash', () => {
    const files = readTarGz(archive(['/data.json', '{}'], ['policies/a.rego', 'package a']), 'x');
    expect([...files.keys()]).toEqual(['data.json', 'policies/a.rego']);
  });

  it.each([
    ['a path that escapes the root', [['../../etc/passwd', 'x']], /unsafe path/],
    ['a symbolic link', [['link', '', '2']], /only regular files/],
    ['a file that appears twice', [['a', '1'], ['/a', '2']], /a: appears twice/],
  ])('refuses %s', (_, entries, message) => {
    expect(readTarGz(archive(['ok', 'x']), 'x').size).toBe(1);
    const refused = refusal(() => readTarGz(archive(['ok', 'x'], ...(entries as Array<[string, string, string?]>)), 'x'), InputError);
    expect(refused.code).toBe('BUNDLE_MALFORMED');
    expect(refused.message).toMatch(message);
  });

  describe('when an archive holds as many files as the limit allows', () => {
    const files = (count: number) => Array.from({ length: count }, (_, i): [string, string] => [`policies/f${i}.rego`, '']);

    it('accepts exactly 1,024 files (directories do not count) and refuses 1,025', () => {
      expect(DEFAULT_TAR_LIMITS.maxFiles).toBe(1024);
      expect(readTarGz(archive(['policies/', '', '5'], ...files(1024)), 'x').size).toBe(1024);
      const refused = refusal(() => readTarGz(archive(...files(1025)), 'x'), InputError);
      expect(refused.code).toBe('BUNDLE_MALFORMED');
      expect(refused.message).toBe('more than 1024 files in bundle');
    });
  });

  it('refuses an archive that decompresses beyond the limit', () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => readTarGz(bomb, 'x', { maxBytes: 1024 * 1024, maxFiles: 10 })).toThrow(/within 1048576 bytes/);
  });
});

describe('opaFileHash', () => {
  it('agrees with opa on data with HTML characters, line separators, number literals and key order', async () => {
    const dir = await temporaryDirectory();
    const bundleDir = join(dir, 'b');
    mkdirSync(bundleDir);
    writeFileSync(join(bundleDir, 'x.rego'), 'package x\n\nallow := true\n');
    const tricky = '{"z": [1.0, 0.10, 1e3, -0, 12345678901234567890], "a": {"<&>": "tab\\t \\u2028 é 😀 \\u0001", "B": null, "é": true}, "": false}';
    writeFileSync(join(bundleDir, 'data.json'), tricky);
    const out = join(dir, 'b.tar.gz');
    const built = run(tool('.tools/bin/opa'), ['build', '--bundle', '--signing-key', POLICY_KEY, '--signing-alg', 'ES256', '--output', out, bundleDir]);
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const files = readTarGz(readFileSync(out), out);
    const signed = JSON.parse(Buffer.from(JSON.parse(files.get('.signatures.json')!.toString()).signatures[0].split('.')[1], 'base64url').toString());
    for (const { name, hash } of signed.files as Array<{ name: string; hash: string }>) {
      expect(opaFileHash(name, files.get(name.replace(/^\//, ''))!), name).toBe(hash);
    }
    expect(opaFileHash('data.json', Buffer.from(tricky))).toBe(signed.files.find((f: { name: string }) => f.name.endsWith('data.json')).hash);
  });
});
