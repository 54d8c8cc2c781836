// The integrity gate over a model pushed to a registry as an OCI artifact, one
// file per layer named by its title annotation: inspectOCIModel against a real
// registry on loopback (go-containerregistry's, blobs on disk), each way a
// manifest breaks its digests named, and ociIntegrityGate signing one
// statement about the manifest and the directory digest of its content.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOCIReference, type OCIReference } from '../../src/digest/oci.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { evaluateOCIIntegrity, inspectOCIModel, ociIntegrityGate, TITLE_ANNOTATION } from '../../src/gates/integrity/oci.ts';
import { InputError } from '../../src/error.ts';
import { gateRegistry } from '../../src/gates/registry.ts';
import { readPrivateKey } from '../../src/keys/keys.ts';
import { KeySigner } from '../../src/sign/key/key-signer.ts';
import { OCI_INDEX, OCI_MANIFEST, RegistryClient, type Descriptor } from '../../src/store/oci-registry.ts';
import { readTrustedKeys } from '../../src/verify/trust.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { rejection } from '../support/refusal.ts';
import { memorySink } from '../support/sink.ts';
import { startReferrersRegistry, type TestRegistry } from '../support/registry.ts';
import { KEYS, MODEL_TREE } from '../helpers.ts';

const AT = '2026-11-22T10:00:00Z';
const ARTIFACT_TYPE = 'application/vnd.gatehouse.model.v1';

let registry: TestRegistry;
let client: RegistryClient;
let repository: string;
let config: Descriptor;
// Every file of the committed model tree (model.sig too), pushed as a blob, in path order.
let layers: Descriptor[];

beforeAll(async () => {
  registry = await startReferrersRegistry();
  repository = registry.repository().replace(/^oci:\/\/[^/]+\//, '');
  client = new RegistryClient(registry.host, repository);
  config = await client.pushBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const paths = readdirSync(MODEL_TREE, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(MODEL_TREE, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
  layers = [];
  for (const path of paths) {
    const descriptor = await client.pushBlob(readFileSync(join(MODEL_TREE, path)), 'application/octet-stream');
    layers.push({ ...descriptor, annotations: { [TITLE_ANNOTATION]: path } });
  }
}, 60_000);

afterAll(async () => registry?.stop());

/** A manifest as fetched by digest, and the reference pinning it. */
async function fetched(document: unknown, mediaType = OCI_MANIFEST): Promise<{ reference: OCIReference; manifest: { bytes: Buffer; digest: string; mediaType: string } }> {
  const bytes = Buffer.from(typeof document === 'string' ? document : JSON.stringify(document));
  const digest = `sha256:${sha256Hex(bytes)}`;
  return { reference: await parseOCIReference(`oci://${registry.host}/${repository}@${digest}`), manifest: { bytes, digest, mediaType } };
}

const modelManifest = (overrides: Record<string, unknown> = {}) => ({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE, config, layers, ...overrides });

async function inspect(document: unknown, mediaType?: string) {
  const { reference, manifest } = await fetched(document, mediaType);
  return inspectOCIModel(client, reference, manifest);
}

const layerNamed = (path: string) => layers.find((layer) => layer.annotations![TITLE_ANNOTATION] === path)!;
const titled = (layer: Descriptor, title: string | undefined, extra: Record<string, string> = {}): Descriptor => {
  const { annotations: _, ...rest } = layer;
  return { ...rest, annotations: { ...(title === undefined ? {} : { [TITLE_ANNOTATION]: title }), ...extra } };
};

describe('inspectOCIModel', () => {
  it('reads an intact artifact: every layer a file hashed as served, the record of the manifest, no problems', async () => {
    const { reference, manifest } = await fetched(modelManifest());
    const inspection = await inspectOCIModel(client, reference, manifest);
    expect(inspection.problems).toEqual([]);
    expect(inspection.files).toEqual(layers.map((layer) => ({ path: layer.annotations![TITLE_ANNOTATION], sha256: layer.digest.slice(7), size: layer.size })));
    expect(inspection.record).toEqual({ reference: reference.uri, manifestDigest: manifest.digest, mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE, layers: layers.length });
  });

  it('takes the media type from the manifest document, else from the registry, and records no artifact type when none is a string', async () => {
    const { mediaType: _, artifactType: __, ...bare } = modelManifest();
    expect((await inspect(bare, 'application/vnd.docker.distribution.manifest.v2+json')).record).toMatchObject({
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactType: null,
    });
    expect((await inspect(modelManifest({ mediaType: 7, artifactType: 7 }), OCI_MANIFEST)).record).toMatchObject({ mediaType: OCI_MANIFEST, artifactType: null });
    expect((await inspect(modelManifest(), 'application/octet-stream')).record.mediaType).toBe(OCI_MANIFEST);
  });

  it('refuses a manifest that is not JSON, naming the reference', async () => {
    const { reference, manifest } = await fetched('{"layers": [');
    const error = await rejection(inspectOCIModel(client, reference, manifest), InputError);
    expect(error.code).toBe('JSON_INVALID');
    expect(error.message).toMatch(new RegExp(`^--subject: ${reference.uri.replace(/[.]/g, '\\.')}: the manifest is not JSON \\(`));
  });

  it('refuses an index of manifests, by its own media type or the one the registry served', async () => {
    for (const [document, mediaType] of [
      [{ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, OCI_MANIFEST],
      [{ schemaVersion: 2, manifests: [] }, OCI_INDEX],
      [{ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [] }, OCI_MANIFEST],
      [{ ...modelManifest(), mediaType: OCI_MANIFEST }, 'application/vnd.docker.distribution.manifest.list.v2+json'],
    ] as const) {
      const error = await rejection(inspect(document, mediaType), InputError);
      expect(error.code).toBe('ARTIFACT_INVALID');
      expect(error.message).toMatch(/ is an index of manifests; pin the one manifest that holds the model$/);
    }
  });

  it('refuses a manifest without config and layers descriptors', async () => {
    const notDescriptor = { mediaType: 'application/octet-stream', digest: 'sha256:abc', size: 1 };
    for (const document of [modelManifest({ config: undefined }), modelManifest({ layers: undefined }), modelManifest({ layers: {} }), modelManifest({ layers: [layers[0], notDescriptor] }), null]) {
      const error = await rejection(inspect(document), InputError);
      expect(error.code).toBe('ARTIFACT_INVALID');
      expect(error.message).toMatch(/: the manifest has no config and layers descriptors \(sha256\) to check$/);
    }
  });

  it('names a blob the registry does not have, for the config and for a layer, and keeps no file for it', async () => {
    const absent = `sha256:${'ab'.repeat(32)}`;
    const inspection = await inspect(modelManifest({ config: { ...config, digest: absent }, layers: [{ ...layers[0]!, digest: absent }, ...layers.slice(1)] }));
    expect(inspection.problems).toEqual([`config: the registry has no blob ${absent}`, `layer ${JSON.stringify(layers[0]!.annotations![TITLE_ANNOTATION])}: the registry has no blob ${absent}`]);
    expect(inspection.files.map((file) => file.path)).toEqual(layers.slice(1).map((layer) => layer.annotations![TITLE_ANNOTATION]));
  });

  it('names a layer whose size the manifest states wrongly, and one served as other bytes', async () => {
    const sized = await inspect(modelManifest({ layers: layers.map((layer) => (layer === layerNamed('a.txt') ? { ...layer, size: layer.size + 1 } : layer)) }));
    const size = layerNamed('a.txt').size;
    expect(sized.problems).toEqual([`layer "a.txt": the registry serves ${size} bytes, not the ${size + 1} the manifest names`]);

    // A registry that serves other bytes than a blob's name (the test registry answers 404 for a blob
    // rewritten on its disk, so a server of its own plays the lying registry here).
    const bytes = Buffer.from('rewritten weights\n');
    const victim = layerNamed('a.txt');
    const liar = createServer((request, response) => {
      if (request.url === `/v2/${repository}/blobs/${victim.digest}`) response.end(bytes);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const host = `127.0.0.1:${(liar.address() as AddressInfo).port}`;
      const { reference, manifest } = await fetched(modelManifest({ config, layers: [victim] }));
      const rewritten = await inspectOCIModel(new RegistryClient(host, repository), reference, manifest);
      expect(rewritten.problems).toEqual([
        `config: the registry has no blob ${config.digest}`,
        `layer "a.txt": the registry serves bytes hashing to sha256:${sha256Hex(bytes)}, not the ${victim.digest} the manifest names`,
        `layer "a.txt": the registry serves ${bytes.length} bytes, not the ${victim.size} the manifest names`,
      ]);
      // The file is kept as served, so the directory digest is of what the registry holds.
      expect(rewritten.files).toEqual([{ path: 'a.txt', sha256: sha256Hex(bytes), size: victim.size }]);
    } finally {
      liar.close();
    }
  });

  it('names a layer that names no file, packs a directory, names a path outside the model, or one named twice', async () => {
    const extra = layerNamed('config.json');
    const cases: Array<[Descriptor, string]> = [
      [titled(extra, undefined), `layer ${extra.digest} names no file (no ${TITLE_ANNOTATION} annotation)`],
      [{ ...titled(extra, undefined), annotations: undefined } as unknown as Descriptor, `layer ${extra.digest} names no file (no ${TITLE_ANNOTATION} annotation)`],
      [titled(extra, ''), `layer "" names no file (no ${TITLE_ANNOTATION} annotation)`],
      [titled(extra, 'packed', { 'io.deis.oras.content.unpack': 'true' }), `layer "packed" is a packed directory; push the model's files one per layer`],
      [titled(extra, '/etc/passwd'), `layer "/etc/passwd" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, '../up'), `layer "../up" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, 'a/../../up'), `layer "a/../../up" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, './here'), `layer "./here" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, 'a//b'), `layer "a//b" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, 'dir/'), `layer "dir/" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, 'a\\b'), `layer "a\\\\b" names a path outside the model (a relative POSIX path is expected)`],
      [titled(extra, 'config.json'), `layer "config.json" is named by two layers`],
    ];
    for (const [layer, problem] of cases) {
      const inspection = await inspect(modelManifest({ layers: [...layers, layer] }));
      expect(inspection.problems, problem).toEqual([problem]);
      // The bad layer adds no file: the files are exactly the intact layers'.
      expect(inspection.files).toHaveLength(layers.length);
      expect(inspection.record.layers).toBe(layers.length + 1);
    }
    // An unpack annotation other than "true", and names that only look odd, are files like any other.
    for (const title of ['unpacked', 'a..b', '.hidden', 'dir/.x', 'x..']) {
      const inspection = await inspect(modelManifest({ layers: [...layers, titled(extra, title, { 'io.deis.oras.content.unpack': 'false' })] }));
      expect(inspection.problems, title).toEqual([]);
      expect(inspection.files.at(-1)).toEqual({ path: title, sha256: extra.digest.slice(7), size: extra.size });
    }
  });
});

describe('evaluateOCIIntegrity', () => {
  it('passes an intact artifact with the directory digest model-signing gives the same files (model.sig ignored)', async () => {
    const { reference, manifest } = await fetched(modelManifest());
    const predicate = evaluateOCIIntegrity(await inspectOCIModel(client, reference, manifest), 'model', { evaluatedAt: AT });
    expect(predicate).toMatchObject({ gate: 'integrity', verdict: 'pass', evaluatedAt: AT, reasons: [], policy: null, thresholds: {}, evidence: [] });
    expect(predicate.artifact).toMatchObject({ name: 'model', digest: `sha256:${golden.files.digest}`, kind: 'directory', resources: golden.files.resources.length });
    expect(predicate.expected).toEqual({ digest: manifest.digest, source: reference.uri });
    expect(predicate.oci).toEqual({ reference: reference.uri, manifestDigest: manifest.digest, mediaType: OCI_MANIFEST, artifactType: ARTIFACT_TYPE, layers: layers.length });
    expect(gateRegistry.get('integrity')!.predicateValidator.problem(predicate)).toBeUndefined();
  });

  it('fails with every problem as a reason, and the digest of what was served', async () => {
    const inspection = await inspect(modelManifest({ layers: [...layers.filter((layer) => layer !== layerNamed('a.txt')), titled(layerNamed('B.txt'), 'B.txt')] }));
    const predicate = evaluateOCIIntegrity(inspection, 'model', { evaluatedAt: AT });
    expect(predicate.verdict).toBe('fail');
    expect(predicate.reasons).toEqual(['layer "B.txt" is named by two layers']);
    expect(predicate.artifact.digest).not.toBe(`sha256:${golden.files.digest}`);
    expect(gateRegistry.get('integrity')!.predicateValidator.problem(predicate)).toBeUndefined();
  });
});

describe('ociIntegrityGate', () => {
  const signing = async () => ({ signer: new KeySigner(await readPrivateKey(join(KEYS, 'ecdsa-p256.key'))) });

  it('signs one statement about the manifest digest and the directory digest of its content, named by the repository', async () => {
    // A repository three levels deep: the model is named by its last part.
    const deep = `${repository}/models/sentiment`;
    const deepClient = new RegistryClient(registry.host, deep);
    for (const descriptor of [config, ...layers]) await deepClient.pushBlob((await client.blob(descriptor.digest))!, descriptor.mediaType);
    const bytes = Buffer.from(JSON.stringify(modelManifest()));
    await deepClient.pushManifest('v1', bytes, OCI_MANIFEST);
    const subject = `oci://${registry.host}/${deep}@sha256:${sha256Hex(bytes).toUpperCase()}`;
    const out = memorySink();
    const outcome = await ociIntegrityGate({ subject }, { evaluatedAt: new Date(AT), signing: await signing(), sink: out });
    expect(outcome.attestation).toBe('memory:0');
    expect(out.attestations).toEqual([outcome.bytes]);
    expect(outcome.subject).toBe(`sha256:${sha256Hex(bytes)}`);
    const verified = new AttestationVerifier({ keys: await readTrustedKeys([join(KEYS, 'ecdsa-p256.pub')]) }).verifyJSON(outcome.bundle, 'integrity');
    const modelName = 'sentiment';
    expect(verified.statement.subject).toEqual([
      { name: `oci://${registry.host}/${deep}@sha256:${sha256Hex(bytes)}`, digest: { sha256: sha256Hex(bytes) } },
      { name: modelName, digest: { sha256: golden.files.digest } },
    ]);
    expect(verified.statement.predicate).toMatchObject({ verdict: 'pass', evaluatedAt: AT, artifact: { name: modelName }, oci: { layers: layers.length } });
  });

  it('refuses a reference the registry serves no manifest for, signing nothing', async () => {
    const out = memorySink();
    const error = await rejection(ociIntegrityGate({ subject: `oci://${registry.host}/${repository}@sha256:${'cd'.repeat(32)}` }, { evaluatedAt: new Date(AT), signing: await signing(), sink: out }), InputError);
    expect(error.code).toBe('DIGEST_INVALID');
    expect(out.attestations).toEqual([]);
  });
});
