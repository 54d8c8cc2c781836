import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle, verifyPolicyBundle } from '../../src/policy/bundle.ts';
import { PolicyError } from '../../src/policy/error.ts';
import { opaFileHash } from '../../src/policy/opa-hash.ts';
import { readTarGz } from '../../src/policy/tar.ts';
import { ROOT, run, temporaryDirectory, tool } from '../helpers.ts';
import { POLICY_KEY, POLICY_PUB } from '../support/policy.ts';

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

async function expectRefused(archive: Buffer, code: string): Promise<void> {
  const key = await readPublicKey(POLICY_PUB);
  let thrown: unknown;
  try {
    verifyPolicyBundle(archive, 'bundle.tar.gz', key);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected the bundle to be refused').toBeInstanceOf(PolicyError);
  expect((thrown as PolicyError).code).toBe(code);
}

describe('verifyPolicyBundle', () => {
  it('accepts the committed bundle and reads its policy, data and revision', async () => {
    const bundle = await readPolicyBundle(COMMITTED, await readPublicKey(POLICY_PUB));
    expect(bundle.wasm.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
    expect(Object.keys(bundle.data['gatehouse'] as object).sort()).toEqual(['accepted_policies', 'datasets', 'decision_signers', 'gates', 'model_signers', 'signers', 'stages', 'thresholds']);
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
    expect(() => verifyPolicyBundle(readFileSync(COMMITTED), 'x.tar.gz', ed25519)).toThrow(/ES256, which needs an ECDSA P-256 key; this is an ed25519 key/);
    const error = (() => {
      try {
        verifyPolicyBundle(readFileSync(COMMITTED), 'x.tar.gz', ed25519);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('KEY_INVALID');
  });

  it('refuses something that is not a gzip archive as bad input', async () => {
    expect(() => verifyPolicyBundle(Buffer.from('not a bundle'), 'x.tar.gz', createPublicKey(readFileSync(POLICY_PUB)))).toThrow(InputError);
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
    ['a path that escapes the root', [['../../etc/passwd', 'x']]],
    ['a symbolic link', [['link', '', '2']]],
    ['a file that appears twice', [['a', '1'], ['/a', '2']]],
  ])('refuses %s', (_, entries) => {
    expect(() => readTarGz(archive(...(entries as Array<[string, string, string?]>)), 'x')).toThrow(InputError);
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
