import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
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

/** The committed bundle's files, signed again by the policy key as OPA signs (after `change` edits them, the payload or the header), packed with writeTarGz. */
async function signedWith(
  change: {
    files?: (files: Map<string, Buffer>) => void;
    payload?: (payload: { files: SignedFile[]; scope?: string }) => unknown;
    header?: Record<string, unknown>;
    signatures?: (jws: string) => string[];
  } = {},
): Promise<Buffer> {
  const files = readTarGz(readFileSync(COMMITTED), 'committed');
  files.delete('.signatures.json');
  change.files?.(files);
  const payload = { files: [...files].map(([name, content]) => ({ name: `/${name}`, hash: opaFileHash(name, content), algorithm: 'SHA-256' })) };
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part(change.header ?? { alg: 'ES256', typ: 'JWT' })}.${part(change.payload?.(payload) ?? payload)}`;
  const jws = `${body}.${sign('sha256', Buffer.from(body), { key: await readPrivateKey(POLICY_KEY), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  return writeTarGz(new Map([['.signatures.json', Buffer.from(JSON.stringify({ signatures: change.signatures?.(jws) ?? [jws] }))], ...files]));
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
      await expectRefused(await resigned((files) => twice(files, (data) => `//${data.name.replace(/^\/+/, '')}`)), 'SIGNATURE_INVALID', /lists a file twice/);
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

  it('reads a bundle file of up to 32 MiB (twice the limit of a document), and refuses a larger one as too large', async () => {
    const dir = await temporaryDirectory();
    const large = await signedWith({ files: (files) => files.set('blob.bin', randomBytes(17 * 1024 * 1024)) });
    expect(large.length).toBeGreaterThan(16 * 1024 * 1024);
    writeFileSync(join(dir, 'large.tar.gz'), large);
    expect((await readPolicyBundle(join(dir, 'large.tar.gz'), await readPublicKey(POLICY_PUB))).files.get('blob.bin')!.length).toBe(17 * 1024 * 1024);
    writeFileSync(join(dir, 'over.tar.gz'), Buffer.alloc(32 * 1024 * 1024 + 1));
    await expect(readPolicyBundle(join(dir, 'over.tar.gz'), await readPublicKey(POLICY_PUB))).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('refuses something that is not a gzip archive as bad input', async () => {
    expect(refusal(() => verifyPolicyBundle(Buffer.from('not a bundle'), 'x.tar.gz', createPublicKey(readFileSync(POLICY_PUB))), InputError).code).toBe('BUNDLE_MALFORMED');
  });
});

describe('verifyPolicyBundle, with the committed files signed again', () => {
  const manifest = (change: (manifest: Record<string, unknown>) => void) => (files: Map<string, Buffer>) => {
    const json = JSON.parse(files.get('.manifest')!.toString('utf8'));
    change(json);
    files.set('.manifest', Buffer.from(JSON.stringify(json)));
  };
  const verified = async (archive: Buffer) => verifyPolicyBundle(archive, 'x', await readPublicKey(POLICY_PUB));
  const malformed = async (archive: Buffer) => {
    const key = await readPublicKey(POLICY_PUB);
    const refused = refusal(() => verifyPolicyBundle(archive, 'x', key), InputError);
    expect(refused.code).toBe('BUNDLE_MALFORMED');
    return refused;
  };

  it('accepts them as OPA signs them (the baseline of the refusals below)', async () => {
    const committed = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
    const bundle = await verified(await signedWith());
    expect(bundle.wasm.equals(committed.wasm)).toBe(true);
    expect(bundle.data).toEqual(committed.data);
    expect(bundle.revision).toBe(committed.revision);
  });

  describe('when the signature is not the one ES256 JWS over SHA-256 hashes gatehouse accepts', () => {
    it('refuses a file signed with another digest algorithm, even when its hash is the SHA-256 one', async () => {
      const archive = await signedWith({ payload: (payload) => ({ files: payload.files.map((file) => (file.name === '/data.json' ? { ...file, algorithm: 'SHA-512' } : file)) }) });
      await expectRefused(archive, 'SIGNATURE_INVALID', /data\.json is signed with SHA-512; gatehouse accepts SHA-256/);
    });

    it('refuses a signature scoped to part of the bundle, and accepts an empty scope', async () => {
      expect((await verified(await signedWith({ payload: (payload) => ({ ...payload, scope: '' }) }))).revision).toMatch(/^sha256:/);
      await expectRefused(await signedWith({ payload: (payload) => ({ ...payload, scope: 'write' }) }), 'SIGNATURE_INVALID', /scoped to "write"/);
    });

    it('refuses two signatures, even when both verify, and none', async () => {
      await expectRefused(await signedWith({ signatures: (jws) => [jws, jws] }), 'SIGNATURE_INVALID', /exactly one signature, found 2/);
      await expectRefused(await signedWith({ signatures: () => [] }), 'SIGNATURE_INVALID', /exactly one signature, found 0/);
    });

    it('refuses a header naming another algorithm, though the signature is ES256 by the policy key', async () => {
      await expectRefused(await signedWith({ header: { alg: 'ES384', typ: 'JWT' } }), 'SIGNATURE_INVALID', /signature algorithm "ES384" is not ES256/);
    });

    it('refuses a signature that is not a compact JWS, or whose header is not JSON', async () => {
      await expectRefused(await signedWith({ signatures: (jws) => [jws.split('.').slice(0, 2).join('.')] }), 'SIGNATURE_INVALID', /not a compact JWS/);
      await expectRefused(await signedWith({ signatures: (jws) => [`${jws}.x`] }), 'SIGNATURE_INVALID', /not a compact JWS/);
      await expectRefused(await signedWith({ signatures: (jws) => [`%%%.${jws.split('.').slice(1).join('.')}`] }), 'SIGNATURE_INVALID', /unreadable JWT part/);
    });

    it('refuses a .signatures.json that is not JSON as bad input', async () => {
      const files = readTarGz(await signedWith(), 'x');
      files.set('.signatures.json', Buffer.from('{"signatures": ['));
      expect((await malformed(writeTarGz(files))).path).toBe('x:.signatures.json');
    });
  });

  it('refuses a signed .json file that is not JSON as bad input, naming it', async () => {
    const files = readTarGz(await signedWith(), 'x');
    files.set('data.json', Buffer.from('{"gatehouse": '));
    expect((await malformed(writeTarGz(files))).message).toMatch(/^data\.json is not valid JSON/);
  });

  describe('when the manifest names the WebAssembly modules', () => {
    it('reads the module of decision/result, though the manifest lists another entrypoint first', async () => {
      const committed = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
      const archive = await signedWith({
        files: (files) => {
          files.set('other.wasm', Buffer.from('\0asm\x01\0\0\0'));
          manifest((json) => {
            json['wasm'] = [{ entrypoint: 'other/allow', module: '/other.wasm' }, ...(json['wasm'] as object[])];
          })(files);
        },
      });
      expect((await verified(archive)).wasm.equals(committed.wasm)).toBe(true);
    });

    it('refuses a manifest without a module for decision/result, and a module the bundle lacks', async () => {
      const noModule = /no WebAssembly module for entrypoint decision\/result/;
      expect((await malformed(await signedWith({ files: manifest((json) => delete json['wasm']) }))).message).toMatch(noModule);
      expect((await malformed(await signedWith({ files: manifest((json) => (json['wasm'] = [{ entrypoint: 'other/allow', module: '/policy.wasm' }])) }))).message).toMatch(noModule);
      expect((await malformed(await signedWith({ files: (files) => files.delete('.manifest') }))).message).toMatch(noModule);
      expect((await malformed(await signedWith({ files: manifest((json) => (json['wasm'] = [{ entrypoint: 'decision/result', module: '/absent.wasm' }])) }))).message).toMatch(/\/absent\.wasm is missing/);
    });

    it('reads a module named without a leading slash, in a folder', async () => {
      const wasm = Buffer.from('\0asm\x01\0\0\0');
      const archive = await signedWith({
        files: (files) => {
          files.set('lib/decision.wasm', wasm);
          manifest((json) => (json['wasm'] = [{ entrypoint: 'decision/result', module: 'lib/decision.wasm' }]))(files);
        },
      });
      expect((await verified(archive)).wasm.equals(wasm)).toBe(true);
    });

    it('reads an empty revision when the manifest has none', async () => {
      expect((await verified(await signedWith({ files: manifest((json) => delete json['revision']) }))).revision).toBe('');
    });
  });

  it('refuses a data.json that is not an object, and reads none as no data', async () => {
    for (const data of ['[]', 'null', '1', '"gatehouse"']) {
      expect((await malformed(await signedWith({ files: (files) => files.set('data.json', Buffer.from(data)) }))).message, data).toBe('data.json is not an object');
    }
    expect((await verified(await signedWith({ files: (files) => files.delete('data.json') }))).data).toEqual({});
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

describe('withPolicyData, when the key cannot sign ES256', () => {
  it('refuses a P-256 public key and a private key on another curve as bad input', async () => {
    const committed = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
    for (const key of [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey]) {
      const refused = refusal(() => withPolicyData(committed, committed.data, key), InputError);
      expect(refused.code).toBe('KEY_INVALID');
    }
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

describe('writeTarGz, byte for byte', () => {
  it('writes ustar headers with mode 0644, owner 0 and time 0, and ends with two zero blocks', () => {
    const tar = gunzipSync(writeTarGz(new Map([['a.txt', Buffer.from('alpha')]])));
    expect(tar.length).toBe(2 * 512 + 1024);
    const field = (start: number, end: number) => tar.subarray(start, end).toString('latin1');
    expect(field(0, 100)).toBe(`/a.txt${'\0'.repeat(94)}`);
    expect([field(100, 108), field(108, 116), field(116, 124), field(124, 136), field(136, 148)]).toEqual(['0000644\0', '0000000\0', '0000000\0', '00000000005\0', '00000000000\0']);
    expect([field(156, 157), field(257, 263), field(263, 265)]).toEqual(['0', 'ustar\0', '00']);
    expect(field(148, 156)).toMatch(/^[0-7]{6}\0 $/);
    expect(tar.subarray(512 * 2).equals(Buffer.alloc(1024))).toBe(true);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvzf', '-'], { input: writeTarGz(new Map([['a.txt', Buffer.from('alpha')]])), encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listing.trim().split(/\s+/)).toEqual(['-rw-r--r--', '0/0', '5', '1970-01-01', '00:00', '/a.txt']);
  });

  it('pads each file to a whole block, so an empty file or one of 512 bytes before another is read back', () => {
    const files = new Map([['empty', Buffer.alloc(0)], ['block', Buffer.alloc(512, 1)], ['last', Buffer.from('z')]]);
    expect(readTarGz(writeTarGz(files), 'x')).toEqual(files);
  });

  it('stores names of up to 98 bytes, and refuses longer ones and names it would not read back as given', () => {
    const longest = `${'d/'.repeat(40)}${'f'.repeat(18)}`;
    expect(Buffer.byteLength(longest)).toBe(98);
    expect([...readTarGz(writeTarGz(new Map([[longest, Buffer.from('x')]])), 'x').keys()]).toEqual([longest]);
    for (const name of [`${longest}f`, 'a\0b', '/a', './a', 'a//b', 'a/', '']) {
      expect(() => writeTarGz(new Map([[name, Buffer.from('x')]])), JSON.stringify(name)).toThrow(/not a name this archive writer stores/);
    }
  });
});

describe('readTarGz', () => {
  const header = (name: string, size: number | string, type = '0', { prefix = '', magic = 'ustar\0' } = {}) => {
    const block = Buffer.alloc(512);
    block.write(name, 0, 'utf8');
    block.write('0000644\0', 100);
    block.write(typeof size === 'string' ? size : `${size.toString(8).padStart(11, '0')}\0`, 124);
    block.write(type, 156);
    block.write(magic, 257);
    block.write(prefix, 345);
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

  it('joins the ustar prefix to the name, and reads no prefix in a header without the ustar magic', () => {
    const body = Buffer.concat([Buffer.from('package a'), Buffer.alloc(503)]);
    const files = readTarGz(gzipSync(Buffer.concat([header('a.rego', 9, '0', { prefix: 'policies/release' }), body, Buffer.alloc(1024)])), 'x');
    expect([...files.keys()]).toEqual(['policies/release/a.rego']);
    const old = readTarGz(gzipSync(Buffer.concat([header('a.rego', 9, '0', { prefix: 'policies/release', magic: '' }), body, Buffer.alloc(1024)])), 'x');
    expect([...old.keys()]).toEqual(['a.rego']);
  });

  it('reads a regular file of the old tar type NUL', () => {
    expect(readTarGz(archive(['old', 'x', '\0']), 'x')).toEqual(new Map([['old', Buffer.from('x')]]));
  });

  it('refuses a header whose checksum does not match, and a size that is not octal (and reads one ended by a space)', () => {
    const corrupt = gunzipSync(archive(['ok', 'x'], ['a.rego', 'package a']));
    corrupt[1024] = 'b'.charCodeAt(0);
    expect(refusal(() => readTarGz(gzipSync(corrupt), 'x'), InputError).message).toBe('corrupt tar header at byte 1024');
    const spaced = gzipSync(Buffer.concat([header('a', '0000000001 '), Buffer.from('a'), Buffer.alloc(511 + 1024)]));
    expect(readTarGz(spaced, 'x')).toEqual(new Map([['a', Buffer.from('a')]]));
    const badSize = gzipSync(Buffer.concat([header('a', '0000000001x\0'), Buffer.alloc(1536)]));
    expect(refusal(() => readTarGz(badSize, 'x'), InputError).message).toBe('bad size field at byte 0');
    const innerJunk = gzipSync(Buffer.concat([header('a', '00000x00001\0'), Buffer.alloc(1536)]));
    expect(refusal(() => readTarGz(innerJunk, 'x'), InputError).message).toBe('bad size field at byte 0');
  });

  it('reads a name that fills its 100 bytes without a NUL', () => {
    const name = `policies/${'n'.repeat(86)}.rego`;
    expect(Buffer.byteLength(name)).toBe(100);
    expect([...readTarGz(archive([name, 'x']), 'x').keys()]).toEqual([name]);
  });

  describe('when the archive ends without its two zero blocks', () => {
    it('reads a file whose data ends exactly at the end, and an empty file whose header does', () => {
      const full = Buffer.alloc(512, 'a');
      expect(readTarGz(gzipSync(Buffer.concat([header('full', 512), full])), 'x')).toEqual(new Map([['full', full]]));
      expect(readTarGz(gzipSync(Buffer.concat([header('a', 1), Buffer.alloc(512, 'a'), header('empty', 0)])), 'x')).toEqual(new Map([['a', Buffer.from('a')], ['empty', Buffer.alloc(0)]]));
    });

    it('refuses a file whose data goes past the end', () => {
      const truncated = gzipSync(Buffer.concat([header('full', 513), Buffer.alloc(512, 'a')]));
      expect(refusal(() => readTarGz(truncated, 'x'), InputError).message).toBe('full: truncated');
    });
  });

  describe('when names are spelled unusually', () => {
    it('refuses a name that is only the root, and one with a backslash', () => {
      for (const name of ['.', '/', './', '//', 'a\\..\\..\\b', 'policies/..\\x']) {
        const refused = refusal(() => readTarGz(archive(['ok', 'x'], [name, 'y']), 'x'), InputError);
        expect(refused.message, name).toBe(`${JSON.stringify(name)}: unsafe path in bundle`);
      }
    });

    it('reads empty and . parts away, so that a name spelled twice is refused as a repeat', () => {
      expect([...readTarGz(archive(['./policies//a.rego', 'x'], ['/policies/./b.rego', 'y']), 'x').keys()]).toEqual(['policies/a.rego', 'policies/b.rego']);
      for (const twice of ['policies//a.rego', 'policies/./a.rego', './/policies/a.rego']) {
        expect(refusal(() => readTarGz(archive(['policies/a.rego', 'x'], [twice, 'y']), 'x'), InputError).message, twice).toBe('policies/a.rego: appears twice in bundle');
      }
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
