// The pieces of an OCI subject: the reference's shape, the model-signing manifest of
// files hashed elsewhere (an OCI artifact's layers), which must give a folder's own
// directory digest, and the manifest a reference pins, fetched from a real registry
// on loopback and checked against its digest.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSubject } from '../../src/digest/artifact.ts';
import { hashModelDirectory, manifestOfHashedFiles } from '../../src/digest/model.ts';
import { fetchPinnedManifest, isOCIReference, parseOCIReference, resolveOCISubject } from '../../src/digest/oci.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { OCI_MANIFEST, RegistryClient } from '../../src/store/oci-registry.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { MODEL_TREE } from '../helpers.ts';
import { startReferrersRegistry, type TestRegistry } from '../support/registry.ts';

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
    // A file below an ignored directory is left out too (no directory walk skips it here), and one merely named like it is not.
    expect(manifestOfHashedFiles('model-tree', [...hashed, { path: '.git/config', sha256: sha256Hex('git'), size: 3 }]).digest).toBe(folder.digest);
    expect(manifestOfHashedFiles('model-tree', [...hashed, { path: '.github-notes/config', sha256: sha256Hex('notes'), size: 5 }]).digest).not.toBe(folder.digest);
  });
});

describe('manifestOfHashedFiles', () => {
  it("orders paths as Python's PurePosixPath does, a file before a folder of its name included", () => {
    // No folder holds both a file "a" and a folder "a", but an artifact's layer titles can name both.
    // Sizes that would order "a" after "a/b" if sizes decided.
    const hashed = ['a0', 'a-b', 'a/b', 'a'].map((path) => ({ path, sha256: sha256Hex(path), size: 10 - path.length }));
    const manifest = manifestOfHashedFiles('model', hashed);
    // sorted(PurePosixPath(p) for p in paths), by model_signing's Python.
    expect(manifest.resources.map((r) => r.name)).toEqual(['a', 'a/b', 'a-b', 'a0']);
    expect(manifest.totalBytes).toBe(9 + 7 + 7 + 8);
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

  it('refuses a reference that is not oci://, and one whose @ names no digest, saying which', async () => {
    await expect(parseOCIReference(`x@sha256:${hex}`)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(parseOCIReference('oci://registry.example.com/ml/model@latest')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringContaining('names no manifest digest') });
    expect([isOCIReference('OCI://registry.example.com/ml/model'), isOCIReference('models/oci://model')]).toEqual([true, false]);
  });

  it('takes the digest after the last @, whatever the case of its algorithm', async () => {
    await expect(parseOCIReference(`oci://registry.example.com/ml/model@SHA256:${hex}`)).resolves.toMatchObject({ digest: `sha256:${hex}` });
    // An @ before it puts credentials in the reference, which the store refuses: not a digest to check.
    await expect(parseOCIReference(`oci://user@registry.example.com/ml/model@sha256:${hex}`)).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('refuses a tag, no digest, a tag beside a digest, and a bad digest, naming the flag', async () => {
    await expect(parseOCIReference('oci://registry.example.com/ml/model:v3')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringContaining('names no manifest digest (a tag can move)') });
    await expect(parseOCIReference('oci://registry.example.com/ml/model')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    await expect(parseOCIReference(`oci://registry.example.com/ml/model:v3@sha256:${hex}`)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^--subject: .* is not oci:\/\/REGISTRY\/REPOSITORY@sha256:<hex>/) });
    await expect(parseOCIReference('oci://registry.example.com/ml/model@sha256:abc', '--deployed')).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: expect.stringMatching(/^--deployed: /) });
  });
});

describe('resolveOCISubject', () => {
  let registry: TestRegistry;
  let reference: string;
  let manifest: { bytes: Buffer; digest: string };
  const absent = `sha256:${'cd'.repeat(32)}`;

  beforeAll(async () => {
    registry = await startReferrersRegistry();
    const repository = registry.repository();
    const client = new RegistryClient(registry.host, repository.slice(`oci://${registry.host}/`.length));
    const config = await client.pushBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const layer = await client.pushBlob(Buffer.from('weights'), 'application/octet-stream');
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.gatehouse.model.v1', config, layers: [{ ...layer, annotations: { 'org.opencontainers.image.title': 'weights' } }] }));
    await client.pushManifest('v1', bytes, OCI_MANIFEST);
    manifest = { bytes, digest: `sha256:${sha256Hex(bytes)}` };
    reference = `${repository}@${manifest.digest}`;
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('gives the manifest digest once the registry serves that manifest, named by the reference unless a name is given', async () => {
    await expect(resolveOCISubject(reference)).resolves.toEqual({ name: reference, digest: manifest.digest });
    await expect(resolveOCISubject(reference, { name: 'classifier' })).resolves.toEqual({ name: 'classifier', digest: manifest.digest });
    const pinned = await fetchPinnedManifest(await parseOCIReference(reference));
    expect(pinned.manifest.bytes.equals(manifest.bytes)).toBe(true);
    expect(pinned.client.uri).toBe(reference.slice(0, reference.lastIndexOf('@')));
  });

  it('is what resolveSubject does with an oci:// subject, however the scheme is written', async () => {
    const shouted = reference.replace(/^oci:/, 'OCI:').replace(manifest.digest, `sha256:${manifest.digest.slice('sha256:'.length).toUpperCase()}`);
    await expect(resolveSubject(shouted)).resolves.toEqual({ name: reference, digest: manifest.digest });
    await expect(resolveSubject(reference, { name: 'classifier' })).resolves.toEqual({ name: 'classifier', digest: manifest.digest });
  });

  it('refuses a digest the registry serves no manifest for, naming the flag and the reference', async () => {
    const missing = reference.replace(manifest.digest, absent);
    await expect(resolveOCISubject(missing)).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: `--subject: ${missing}: the registry serves no manifest with that digest` });
    await expect(resolveOCISubject(missing, { what: '--deployed' })).rejects.toMatchObject({ code: 'DIGEST_INVALID', message: `--deployed: ${missing}: the registry serves no manifest with that digest` });
  });
});
