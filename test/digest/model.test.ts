import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestArtifact, digestHex, parseDigest, resolveSubject, type ArtifactDigest } from '../../src/digest/artifact.ts';
import { DigestError } from '../../src/digest/error.ts';
import { hashFileRange } from '../../src/digest/hash-range.ts';
import { hashFile, hashModelDirectory } from '../../src/digest/model.ts';
import { HashPool } from '../../src/digest/pool.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { MODEL_TREE, run, temporaryDirectory, tool } from '../helpers.ts';

// model_signing's own answer for a directory, by the same API its CLI uses.
const MODEL_SIGNING_DIGEST = `
import json, sys
from google.protobuf import json_format
from model_signing import hashing
from model_signing._signing import signing
path, shard = sys.argv[1], int(sys.argv[2])
config = hashing.Config()
if shard:
    config = config.use_shard_serialization(shard_size=shard)
config = config.set_ignored_paths(paths=[], ignore_git_paths=True)
statement = json_format.MessageToDict(signing.Payload(config.hash(path)).statement.pb)
print(json.dumps({"digest": statement["subject"][0]["digest"]["sha256"], "resources": statement["predicate"]["resources"]}))
`;

function modelSigning(path: string, shardSize = 0): { digest: string; resources: Array<{ name: string; digest: string }> } {
  const result = run(tool('.venv/bin/python'), ['-c', MODEL_SIGNING_DIGEST, path, String(shardSize)]);
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('hashModelDirectory', () => {
  describe('on the committed tree, against golden values from model_signing', () => {
    it('matches file serialization', async () => {
      const manifest = await hashModelDirectory(MODEL_TREE);
      expect(manifest.resources).toEqual(golden.files.resources);
      expect(manifest.digest).toBe(golden.files.digest);
    });

    it('matches shard serialization, including a file spanning three shards', async () => {
      const manifest = await hashModelDirectory(MODEL_TREE, { serialization: { method: 'shards', shardSize: golden.shardSize } });
      expect(manifest.resources.filter((r) => r.name.startsWith('weights/layer-0.bin:'))).toHaveLength(3);
      expect(manifest.resources).toEqual(golden.shards.resources);
      expect(manifest.digest).toBe(golden.shards.digest);
    });

    it('gives the same answer on worker threads as inline', async () => {
      const pool = new HashPool(2);
      try {
        const pooled = await hashModelDirectory(MODEL_TREE, { serialization: { method: 'shards', shardSize: 4096 }, pool });
        const inline = await hashModelDirectory(MODEL_TREE, { serialization: { method: 'shards', shardSize: 4096 }, workers: 1 });
        expect(pooled.resources.length).toBeGreaterThan(600);
        expect(pooled).toEqual(inline);
      } finally {
        await pool.close();
      }
    });
  });

  describe('on an empty directory, against model_signing run now', () => {
    it('gives the digest of no resources', async () => {
      const model = join(await temporaryDirectory(), 'empty');
      mkdirSync(model);
      const manifest = await hashModelDirectory(model);
      expect(manifest.resources).toEqual([]);
      expect(manifest.digest).toBe(modelSigning(model).digest);
      expect(manifest.digest).toBe(createHash('sha256').digest('hex'));
    });
  });

  describe('on a pool shared by calls running at once', () => {
    it('leaves the pool open for the others when one call ends', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'weights'), 'w');
      const shards = { method: 'shards', shardSize: 4096 } as const;
      const pool = new HashPool(2);
      try {
        const [small, large] = await Promise.all([hashModelDirectory(dir, { pool }), hashModelDirectory(MODEL_TREE, { serialization: shards, pool })]);
        expect(small.resources).toHaveLength(1);
        expect(large).toEqual(await hashModelDirectory(MODEL_TREE, { serialization: shards, workers: 1 }));
      } finally {
        await pool.close();
      }
    });
  });

  describe('on more bytes than are worth hashing inline (64 MiB)', () => {
    it('hashes on worker threads by default, with the digest hashed inline', async () => {
      const model = join(await temporaryDirectory(), 'large');
      mkdirSync(model);
      // Sparse files: 80 MiB of zeros that take no disk and read fast.
      const size = 40 * 1024 * 1024;
      for (const name of ['a.bin', 'b.bin']) {
        writeFileSync(join(model, name), '');
        truncateSync(join(model, name), size);
      }
      const zeros = createHash('sha256').update(Buffer.alloc(size)).digest('hex');
      const pooled = await hashModelDirectory(model);
      expect(pooled.resources).toEqual([
        { name: 'a.bin', digest: zeros },
        { name: 'b.bin', digest: zeros },
      ]);
      expect(pooled.totalBytes).toBe(2 * size);
      expect(pooled).toEqual(await hashModelDirectory(model, { workers: 1 }));
    });
  });

  describe('when a file shrinks after it was listed', () => {
    it('refuses the digest, naming the file, inline and on worker threads', async () => {
      const dir = await temporaryDirectory();
      for (const name of ['a', 'b']) writeFileSync(join(dir, name), '0123456789');
      const pool = new HashPool(2);
      try {
        for (const where of [{ workers: 1 }, { pool }]) {
          writeFileSync(join(dir, 'b'), '0123456789');
          // The first progress report comes after the files were listed and before any is read.
          const shrink = (done: number) => {
            if (done === 0) truncateSync(join(dir, 'b'), 1);
          };
          await expect(hashModelDirectory(dir, { ...where, onProgress: shrink }), Object.keys(where)[0]).rejects.toMatchObject({
            code: 'FILE_UNREADABLE',
            path: join(dir, 'b'),
            message: 'cannot hash: file ended at byte 1, expected 10 bytes',
          });
        }
      } finally {
        await pool.close();
      }
    });
  });

  describe('when it is done', () => {
    it('leaves no file open and no worker thread running', async () => {
      const dir = await temporaryDirectory();
      const small = join(dir, 'small');
      mkdirSync(small);
      for (let i = 0; i < 50; i++) writeFileSync(join(small, `${i}.bin`), String(i));
      const large = join(dir, 'large');
      mkdirSync(large);
      for (const name of ['a.bin', 'b.bin']) {
        writeFileSync(join(large, name), '');
        truncateSync(join(large, name), 40 * 1024 * 1024);
      }
      // Each open file is a descriptor, and so is each worker thread's event loop.
      const descriptors = () => readdirSync('/proc/self/fd').length;
      await hashModelDirectory(large);
      const before = descriptors();
      await hashModelDirectory(small);
      expect(descriptors(), 'inline').toBe(before);
      await hashModelDirectory(large);
      expect(descriptors(), 'on worker threads').toBe(before);
    });
  });

  describe('on names that UTF-16 order or a prefix match would get wrong, against golden values from model_signing', () => {
    it('sorts characters above U+FFFF after U+E000-U+FFFF and hashes files merely named like ignored ones', async () => {
      const model = join(await temporaryDirectory(), 'names');
      for (const [name, content] of Object.entries(golden.names.tree)) {
        mkdirSync(dirname(join(model, name)), { recursive: true });
        writeFileSync(join(model, name), content);
      }
      const manifest = await hashModelDirectory(model);
      const names = manifest.resources.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['model.sig.bak', '.gitx', '.github-notes', 'sub/model.sig']));
      expect(names.indexOf('x\uFFFD.txt')).toBeLessThan(names.indexOf('x\u{10000}.txt'));
      expect(manifest.resources).toEqual(golden.names.files.resources);
      expect(manifest.digest).toBe(golden.names.files.digest);
    });
  });

  describe('on a fresh random tree, against model_signing run now', () => {
    it('agrees for files and shards', async () => {
      const dir = await temporaryDirectory();
      const model = join(dir, 'random-model');
      mkdirSync(join(model, 'sub', 'deeper'), { recursive: true });
      mkdirSync(join(model, 'sub-dir'), { recursive: true });
      writeFileSync(join(model, 'big.bin'), randomBytes(5 * 1024 * 1024 + 3));
      writeFileSync(join(model, 'sub', 'deeper', 'x'), randomBytes(70_000));
      writeFileSync(join(model, 'sub-dir', 'y'), randomBytes(10));
      writeFileSync(join(model, 'sub.txt'), 'z');
      writeFileSync(join(model, 'empty'), '');
      for (const shardSize of [0, 1024 * 1024]) {
        const expected = modelSigning(model, shardSize);
        const actual = await hashModelDirectory(model, {
          serialization: shardSize === 0 ? { method: 'files' } : { method: 'shards', shardSize },
          ignorePaths: ['.git', '.gitattributes', '.github', '.gitignore'],
          workers: 2,
        });
        expect(actual.resources).toEqual(expected.resources.map((r) => ({ name: r.name, digest: r.digest })));
        expect(actual.digest).toBe(expected.digest);
      }
    });
  });

  describe('when the directory holds what a model must not', () => {
    it('refuses a symbolic link and names it', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'a'), 'a');
      symlinkSync(join(dir, 'a'), join(dir, 'link'));
      await expect(hashModelDirectory(dir)).rejects.toMatchObject({ code: 'ARTIFACT_INVALID', path: join(dir, 'link'), message: expect.stringMatching(/^is a symbolic link/) });
    });

    it('refuses a named pipe', async () => {
      const dir = await temporaryDirectory();
      expect(run('mkfifo', [join(dir, 'pipe')]).status).toBe(0);
      await expect(hashModelDirectory(dir)).rejects.toMatchObject({ code: 'ARTIFACT_INVALID', path: join(dir, 'pipe'), message: 'is not a regular file or directory' });
    });

    it('refuses a file given as the directory, and a directory given as a file', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'weights'), 'w');
      expect((await hashModelDirectory(dir)).resources).toHaveLength(1);
      expect(await hashFile(join(dir, 'weights'))).toBe(createHash('sha256').update('w').digest('hex'));
      await expect(hashModelDirectory(join(dir, 'weights'))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID', message: 'not a directory' });
      await expect(hashFile(dir)).rejects.toMatchObject({ code: 'ARTIFACT_INVALID', message: 'not a regular file' });
    });

    it('refuses a shard size that is not a positive whole number of bytes', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'weights'), 'w');
      expect((await hashModelDirectory(dir, { serialization: { method: 'shards', shardSize: 1 } })).resources).toHaveLength(1);
      for (const shardSize of [0, -1, 1.5, Number.NaN]) {
        await expect(hashModelDirectory(dir, { serialization: { method: 'shards', shardSize } }), String(shardSize)).rejects.toMatchObject({ code: 'USAGE', message: `shard size must be a positive integer, got ${shardSize}` });
      }
    });

    it('leaves ignored paths out, whatever they contain', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'weights'), 'w');
      const before = await hashModelDirectory(dir);
      mkdirSync(join(dir, '.git'));
      symlinkSync('/etc/passwd', join(dir, '.git', 'link'));
      writeFileSync(join(dir, 'model.sig'), 'sig');
      expect((await hashModelDirectory(dir)).digest).toBe(before.digest);
      expect((await hashModelDirectory(dir, { ignorePaths: ['.git'] })).resources.map((r) => r.name)).toEqual(['model.sig', 'weights']);
    });

    it('tells a path that does not exist from one that cannot be read', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'weights'), 'w');
      for (const missing of [() => hashModelDirectory(join(dir, 'absent')), () => hashFile(join(dir, 'absent'))]) {
        await expect(missing()).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', path: join(dir, 'absent'), message: 'no such file or directory' });
      }
      // A path through a file exists no more than a missing one, but the system says ENOTDIR, not ENOENT.
      const through = join(dir, 'weights', 'model');
      for (const unreadable of [() => hashModelDirectory(through), () => hashFile(through)]) {
        await expect(unreadable()).rejects.toMatchObject({ code: 'FILE_UNREADABLE', path: through, message: expect.stringMatching(/^cannot read: .*ENOTDIR/), cause: expect.objectContaining({ code: 'ENOTDIR' }) });
      }
    });

    it('refuses a directory it cannot list, naming it', async () => {
      // Root may list any directory, so listing is made to fail by length: the
      // tree is built by relative steps, and the seventeenth directory's
      // absolute path is longer than the system takes (PATH_MAX, 4096).
      const dir = await temporaryDirectory();
      const name = 'd'.repeat(250);
      // fs.rm cannot remove it either: rm(1) does, by relative steps too.
      try {
        const build = run(process.execPath, ['-e', "const fs = require('node:fs'); process.chdir(process.argv[1]); for (let i = 0; i < 17; i++) { fs.mkdirSync(process.argv[2]); process.chdir(process.argv[2]); } fs.writeFileSync('weights', 'w');", dir, name]);
        expect(build.status, build.stderr).toBe(0);
        const deepest = join(dir, ...Array<string>(17).fill(name));
        expect(deepest.length).toBeGreaterThan(4096);
        await expect(hashModelDirectory(dir)).rejects.toMatchObject({ code: 'FILE_UNREADABLE', path: deepest, message: expect.stringMatching(/^cannot list directory: .*ENAMETOOLONG/), cause: expect.objectContaining({ code: 'ENAMETOOLONG' }) });
      } finally {
        run('rm', ['-rf', join(dir, name)]);
      }
    });

    it('leaves out a nested ignored path however it is written, and nothing beside it', async () => {
      const dir = await temporaryDirectory();
      mkdirSync(join(dir, 'sub'));
      for (const name of ['sub/notes.txt', 'sub/notes.txt.bak', 'subnotes.txt', 'weights']) writeFileSync(join(dir, name), name);
      for (const ignored of ['sub/notes.txt', './sub//notes.txt', 'sub\\notes.txt', '/sub/notes.txt/']) {
        const names = (await hashModelDirectory(dir, { ignorePaths: [ignored] })).resources.map((r) => r.name);
        expect(names, ignored).toEqual(['sub/notes.txt.bak', 'subnotes.txt', 'weights']);
      }
    });
  });
});

describe('digestArtifact', () => {
  it('hashes a single file exactly as sha256sum does', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'model.onnx');
    writeFileSync(file, randomBytes(3 * 1024 * 1024 + 5));
    const sum = run('sha256sum', [file]).stdout.split(' ')[0];
    expect(await digestArtifact(file)).toEqual({ digest: `sha256:${sum}`, kind: 'file' });
  });

  it('refuses something that is neither a file nor a directory, saying so', async () => {
    const dir = await temporaryDirectory();
    expect(run('mkfifo', [join(dir, 'pipe')]).status).toBe(0);
    await expect(digestArtifact(join(dir, 'pipe'))).rejects.toMatchObject({ code: 'ARTIFACT_INVALID', message: expect.stringMatching(/neither a regular file nor a directory/) });
  });

  it('reports a missing path as bad input naming it', async () => {
    await expect(digestArtifact('/nonexistent/model')).rejects.toBeInstanceOf(DigestError);
    await expect(digestArtifact('/nonexistent/model')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', path: '/nonexistent/model', message: 'no such file or directory' });
  });

  it('reports a path it cannot read as unreadable, with the reason, not as missing', async () => {
    const dir = await temporaryDirectory();
    writeFileSync(join(dir, 'weights'), 'w');
    const through = join(dir, 'weights', 'model');
    await expect(digestArtifact(through)).rejects.toMatchObject({ code: 'FILE_UNREADABLE', path: through, message: expect.stringMatching(/^cannot read: .*ENOTDIR/) });
  });
});

describe('hashFileRange', () => {
  it('hashes the range and fails when the file is shorter than planned', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'f');
    const bytes = randomBytes(10_000);
    writeFileSync(file, bytes);
    expect((await hashFileRange(file, 100, 9_000)).toString('hex')).toBe(createHash('sha256').update(bytes.subarray(100, 9_000)).digest('hex'));
    await expect(hashFileRange(file, 0, 10_001)).rejects.toThrow(/ended at byte 10000/);
  });
});

describe('HashPool', () => {
  it('hashes many ranges concurrently and returns each to its caller', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'f');
    const bytes = randomBytes(1 << 20);
    writeFileSync(file, bytes);
    const pool = new HashPool(2);
    try {
      const ranges = Array.from({ length: 64 }, (_, i) => ({ path: file, start: i * 16384, end: (i + 1) * 16384 }));
      const digests = await Promise.all(ranges.map((r) => pool.hash(r)));
      digests.forEach((digest, i) => {
        expect(digest.toString('hex')).toBe(createHash('sha256').update(bytes.subarray(i * 16384, (i + 1) * 16384)).digest('hex'));
      });
      await expect(pool.hash({ path: join(dir, 'missing'), start: 0, end: 1 })).rejects.toThrow(/ENOENT/);
    } finally {
      await pool.close();
    }
  });
});

describe('HashPool', () => {
  describe('when the size is not a positive whole number', () => {
    it('refuses to start', async () => {
      const one = new HashPool(1);
      await one.close();
      for (const size of [0, -1, 1.5, Number.NaN]) expect(() => new HashPool(size), String(size)).toThrow(RangeError);
    });
  });
});

describe('parseDigest', () => {
  it('normalises case and refuses anything but sha256:<64 hex>', () => {
    expect(parseDigest(`sha256:${'AB'.repeat(32)}`, '--expected')).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(parseDigest(`  sha256:${'ab'.repeat(32)}\n`, '--expected')).toBe(`sha256:${'ab'.repeat(32)}`);
    expect(digestHex(`sha256:${'ab'.repeat(32)}`)).toBe('ab'.repeat(32));
    for (const bad of ['ab'.repeat(32), 'sha256:abc', `sha512:${'ab'.repeat(32)}`, `sha256:${'zz'.repeat(32)}`, `xsha256:${'ab'.repeat(32)}`, `sha256:${'ab'.repeat(32)}0`]) {
      expect(() => parseDigest(bad, '--expected')).toThrow(expect.objectContaining({ code: 'DIGEST_INVALID', message: expect.stringMatching(/^--expected: /) }));
    }
  });
});

describe('resolveSubject', () => {
  const hex = 'ab'.repeat(32);

  it('takes a subject already resolved as it is, checking and lower-casing its digest', async () => {
    await expect(resolveSubject({ name: 'model', digest: `sha256:${hex.toUpperCase()}` as ArtifactDigest })).resolves.toEqual({ name: 'model', digest: `sha256:${hex}` });
    await expect(resolveSubject({ name: 'model', digest: 'sha256:abc' as ArtifactDigest })).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringMatching(/^subject: /) });
  });

  it('takes a digest as given, named by itself unless a name is given', async () => {
    await expect(resolveSubject(`sha256:${hex}`)).resolves.toEqual({ name: `sha256:${hex}`, digest: `sha256:${hex}` });
    await expect(resolveSubject(`sha256:${hex}`, { name: 'model' })).resolves.toEqual({ name: 'model', digest: `sha256:${hex}` });
    await expect(resolveSubject('sha256:abc')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringMatching(/^--subject: /) });
  });

  it('hashes a path, named by its file or directory name unless a name is given', async () => {
    const dir = await temporaryDirectory();
    writeFileSync(join(dir, 'model.onnx'), 'm');
    const digest = `sha256:${createHash('sha256').update('m').digest('hex')}`;
    await expect(resolveSubject(join(dir, 'model.onnx'))).resolves.toEqual({ name: 'model.onnx', digest });
    await expect(resolveSubject(join(dir, '.', 'model.onnx'), { name: 'classifier' })).resolves.toEqual({ name: 'classifier', digest });
    await expect(resolveSubject(`${MODEL_TREE}/`)).resolves.toEqual({ name: basename(MODEL_TREE), digest: `sha256:${golden.files.digest}` });
    // oci:// only as a prefix names a registry; elsewhere it is part of a path.
    await expect(resolveSubject(`${dir}/oci://model`)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('reports the progress of hashing a subject path to the caller, up to every byte', async () => {
    const seen: Array<[number, number]> = [];
    const resolved = await resolveSubject(MODEL_TREE, { onProgress: (done, total) => seen.push([done, total]) });
    expect(resolved.digest).toBe((await digestArtifact(MODEL_TREE)).digest);
    expect(seen.length).toBeGreaterThan(1);
    const [done, total] = seen.at(-1)!;
    expect(total).toBeGreaterThan(0);
    expect(done).toBe(total);
  });
});
