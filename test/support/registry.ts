// Real OCI registries on loopback for the OCI store's tests:
// - go-containerregistry's registry (scripts/tools/registry, built into
//   .tools/bin/test-registry by scripts/install-tools.sh), with the OCI 1.1
//   referrers API, blobs on disk, and optionally basic or token auth;
// - Debian's docker-registry (distribution 2.8), which has no referrers API:
//   the tag fallback.
// Each is started on a free port with its own storage directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { OCI_INDEX, OCI_MANIFEST, type Descriptor } from '../../src/store/oci-registry.ts';
import { INVENTORY_TAG, OCIAttestationStore, subjectManifest } from '../../src/store/oci-store.ts';
import { freePort } from './net.ts';
import { ROOT } from './paths.ts';

/** A running registry: its host:port, where it keeps blobs, and how to stop it. */
export interface TestRegistry {
  kind: 'referrers' | 'tag-fallback';
  host: string;
  /** The directory its storage lives in (blobs on disk). */
  storage: string;
  /** A fresh repository's store URI. */
  repository(): string;
  stop(): Promise<void>;
}

let repositories = 0;

/** The go-containerregistry registry: referrers API on unless told otherwise, auth none, basic or token for `account` (user:password). */
export async function startReferrersRegistry(options: { referrers?: boolean; auth?: 'none' | 'basic' | 'token'; account?: string } = {}): Promise<TestRegistry> {
  const binary = join(ROOT, '.tools', 'bin', 'test-registry');
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error('.tools/bin/test-registry is missing: run npm run tools (npm test does this first)');
  }
  const storage = await mkdtemp(join(tmpdir(), 'gatehouse-registry-'));
  const child = spawn(binary, ['-addr', '127.0.0.1:0', '-blobs', storage, `-referrers=${options.referrers ?? true}`, '-auth', options.auth ?? 'none', '-account', options.account ?? ''], {
    // Its request log is not read: a pipe nobody drains while the test process waits in spawnSync would fill and stop the registry.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening on http:\/\/(\S+)/.exec(out);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`test-registry exited ${code}`)));
    child.once('error', reject);
  });
  return registry('referrers', host, storage, child);
}

/** Debian's docker-registry (distribution 2.8: no referrers API) with storage in a temporary directory and deletes enabled. */
export async function startDistributionRegistry(): Promise<TestRegistry> {
  const storage = await mkdtemp(join(tmpdir(), 'gatehouse-distribution-'));
  const port = await freePort();
  const config = join(storage, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: error}',
      'storage:',
      `  filesystem: {rootdirectory: ${join(storage, 'data')}}`,
      '  delete: {enabled: true}',
      `http: {addr: "127.0.0.1:${port}"}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode} (install it: npm run tools)`);
    const up = await fetch(`http://${host}/v2/`).then((response) => response.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error('docker-registry did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return registry('tag-fallback', host, storage, child);
}

function registry(kind: TestRegistry['kind'], host: string, storage: string, child: ChildProcess): TestRegistry {
  running.add(child);
  return {
    kind,
    host,
    storage,
    repository: () => `oci://${host}/gatehouse/test-${process.pid}-${++repositories}`,
    async stop() {
      running.delete(child);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(storage, { recursive: true, force: true });
    },
  };
}

// Registries still running when the test process exits are stopped with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * What someone with write access to the registry (or its disk) can do past
 * gatehouse: delete a bundle's attachments (and, on a registry without the
 * referrers API, its entry in the tag index), rewrite a blob's bytes on disk,
 * and cut the newest line off the inventory.
 */
export const tamper = {
  async deleteBundle(uri: string, bundleDigest: string): Promise<void> {
    const store = new OCIAttestationStore(uri);
    const client = store.registry;
    for (const subject of await store.subjects()) {
      const hex = subject.slice('sha256:'.length);
      for (const target of [`sha256:${hex}`, `sha256:${sha256Hex(subjectManifest(hex))}`]) {
        const api = await client.referrers(target);
        const tag = target.replace(':', '-');
        const listed = api ?? indexOf(await client.manifest(tag));
        const doomed: string[] = [];
        for (const descriptor of listed) {
          const manifest = await client.manifest(descriptor.digest);
          if (manifest === undefined) continue;
          const layers = (JSON.parse(manifest.bytes.toString('utf8')) as { layers?: Array<{ digest: string }> }).layers ?? [];
          if (layers.some((layer) => layer.digest === `sha256:${bundleDigest}`)) doomed.push(descriptor.digest);
        }
        for (const digest of doomed) await client.deleteManifest(digest);
        if (api === null && doomed.length > 0) {
          const kept = listed.filter((descriptor) => !doomed.includes(descriptor.digest));
          await client.pushManifest(tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: kept })), OCI_INDEX);
        }
      }
    }
  },

  async rewriteBlob(registry: TestRegistry, digest: string, bytes: Buffer): Promise<void> {
    const path =
      registry.kind === 'referrers' ? join(registry.storage, 'sha256', digest) : join(registry.storage, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(0, 2), digest, 'data');
    await writeFile(path, bytes);
  },

  /** Cuts the newest inventory line off (a thorough hand: the manifest is pushed anew) and deletes that bundle; returns its digest. */
  async truncate(uri: string): Promise<string> {
    const client = new OCIAttestationStore(uri).registry;
    const manifest = JSON.parse((await client.manifest(INVENTORY_TAG))!.bytes.toString('utf8')) as { layers: Array<{ digest: string; mediaType: string; size: number }> };
    const last = manifest.layers.at(-1)!;
    const lines = (await client.blob(last.digest))!.toString('utf8').trimEnd().split('\n');
    const removed = lines.pop()!.split(' ')[0]!;
    const layers = manifest.layers.slice(0, -1);
    if (lines.length > 0) layers.push(await client.pushBlob(Buffer.from(lines.map((line) => `${line}\n`).join('')), last.mediaType));
    await client.pushManifest(INVENTORY_TAG, Buffer.from(JSON.stringify({ ...manifest, layers })), OCI_MANIFEST);
    await tamper.deleteBundle(uri, removed);
    return removed;
  },
};

function indexOf(manifest: { bytes: Buffer } | undefined): Descriptor[] {
  if (manifest === undefined) return [];
  return (JSON.parse(manifest.bytes.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
}
