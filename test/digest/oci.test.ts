// The pieces of an OCI subject that need no registry: the reference's shape, and the
// model-signing manifest of files hashed elsewhere (an OCI artifact's layers), which
// must give a folder's own directory digest.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashModelDirectory, manifestOfHashedFiles } from '../../src/digest/model.ts';
import { parseOCIReference } from '../../src/digest/oci.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { MODEL_TREE } from '../helpers.ts';

function files(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(root, join(dir, entry.name)) : [relative(root, join(dir, entry.name)).split('\\').join('/')]));
}

describe('manifestOfHashedFiles', () => {
  it("gives the folder's model-signing digest from per-file hashes in any order, leaving out the same paths", async () => {
    const hashed = files(MODEL_TREE).map((path) => {
      const bytes = readFileSync(join(MODEL_TREE, path));
      return { path, sha256: sha256Hex(bytes), size: bytes.length };
    });
    const folder = await hashModelDirectory(MODEL_TREE);
    const fromLayers = manifestOfHashedFiles('model-tree', [...hashed].reverse());
    expect(fromLayers.digest).toBe(folder.digest);
    // The digest model-signing itself gives the tree.
    expect(fromLayers.digest).toBe(golden.files.digest);
    expect(fromLayers.resources).toEqual(folder.resources);
    expect(fromLayers.totalBytes).toBe(folder.totalBytes);
    // One file's bytes changed: another digest; an ignored file changed (a pushed model.sig): the same.
    const changed = (path: string) => hashed.map((file) => (file.path === path ? { ...file, sha256: sha256Hex('other') } : file));
    expect(manifestOfHashedFiles('model-tree', changed(folder.resources[0]!.name)).digest).not.toBe(folder.digest);
    expect(manifestOfHashedFiles('model-tree', [...hashed, { path: 'model.sig', sha256: sha256Hex('sig'), size: 3 }]).digest).toBe(folder.digest);
  });
});

describe('parseOCIReference', () => {
  const hex = 'ab'.repeat(32);
  it('takes a reference pinned by digest, lower-casing it', async () => {
    await expect(parseOCIReference(`oci://registry.example.com:5000/ml/model@sha256:${hex.toUpperCase()}`)).resolves.toEqual({
      host: 'registry.example.com:5000',
      repository: 'ml/model',
      digest: `sha256:${hex}`,
      uri: `oci://registry.example.com:5000/ml/model@sha256:${hex}`,
    });
  });

  it('refuses a tag, no digest, a tag beside a digest, and a bad digest, naming the flag', async () => {
    await expect(parseOCIReference('oci://registry.example.com/ml/model:v3')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringContaining('names no manifest digest (a tag can move)') });
    await expect(parseOCIReference('oci://registry.example.com/ml/model')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(parseOCIReference(`oci://registry.example.com/ml/model:v3@sha256:${hex}`)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^--subject: .* is not oci:\/\/REGISTRY\/REPOSITORY@sha256:<hex>/) });
    await expect(parseOCIReference('oci://registry.example.com/ml/model@sha256:abc', '--deployed')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringMatching(/^--deployed: /) });
  });
});
