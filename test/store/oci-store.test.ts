// The OCI registry store against real registries on loopback: how it attaches
// (cosign's bundle convention), concurrent writers in many processes on a
// registry with the referrers API and on one without it (docker-registry 2.8,
// where the sha256-<hex> tag index is a read-modify-write), basic and token
// auth, and a registry that does not answer.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { OCI_MANIFEST } from '../../src/store/oci-registry.ts';
import { BUNDLE_ARTIFACT_TYPE, DECISION_ARTIFACT_TYPE, DECISION_TAG_PREFIX, INVENTORY_TAG, OCIAttestationStore, SUBJECT_TAG_PREFIX, subjectManifest } from '../../src/store/oci-store.ts';
import { storeEntries, type AttestationStore } from '../../src/store/store.ts';
import { ROOT, gatehouse } from '../helpers.ts';
import { claimingBundle } from '../support/claiming.ts';
import { freePort } from '../support/net.ts';
import { startDistributionRegistry, startReferrersRegistry, type TestRegistry } from '../support/registry.ts';

const SUBJECT = 'c4'.repeat(32);
const WRITER = join(ROOT, 'test', 'support', 'store-writer.ts');
const ACCOUNT = { username: 'ci-runner', password: 'registry-Secret-42' };

let referrers: TestRegistry;
let fallback: TestRegistry;
beforeAll(async () => {
  [referrers, fallback] = await Promise.all([startReferrersRegistry(), startDistributionRegistry()]);
}, 60_000);
afterAll(async () => {
  await referrers?.stop();
  await fallback?.stop();
});

async function digests(store: AttestationStore, subject = SUBJECT): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of storeEntries(store, `sha256:${subject}`)) out.push('bundleDigest' in entry ? entry.bundleDigest : `unreadable ${entry.location}`);
  return out;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('OCIAttestationStore', () => {
  describe('#put', () => {
    it("attaches a bundle as cosign does: artifactType, empty config, the exact bytes as the one layer, the predicate type annotation, the subject manifest as subject", async () => {
      const store = new OCIAttestationStore(referrers.repository());
      const bytes = claimingBundle([SUBJECT], 'format', 'https://gatehouse.dev/attestations/integrity/v1');
      const { bundleDigest } = await store.put(bytes);
      // The model digest is stood for by gatehouse's subject manifest: fixed by the digest, tagged, annotated with it.
      const subject = await store.registry.manifest(`${SUBJECT_TAG_PREFIX}${SUBJECT}`);
      expect(subject?.bytes.equals(subjectManifest(SUBJECT))).toBe(true);
      expect(JSON.parse(subject!.bytes.toString('utf8'))).toMatchObject({ artifactType: 'application/vnd.gatehouse.subject.v1', annotations: { 'dev.gatehouse.subject.digest': `sha256:${SUBJECT}` } });
      const listed = (await store.registry.referrers(subject!.digest))!;
      expect(listed).toHaveLength(1);
      const manifest = JSON.parse((await store.registry.manifest(listed[0]!.digest))!.bytes.toString('utf8'));
      expect(manifest).toEqual({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: BUNDLE_ARTIFACT_TYPE,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256Hex('{}')}`, size: 2 },
        layers: [{ mediaType: BUNDLE_ARTIFACT_TYPE, digest: `sha256:${bundleDigest}`, size: bytes.length }],
        subject: { mediaType: OCI_MANIFEST, digest: subject!.digest, size: subject!.bytes.length },
        annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://gatehouse.dev/attestations/integrity/v1' },
      });
      expect((await store.registry.blob(`sha256:${bundleDigest}`))?.equals(bytes)).toBe(true);
      expect(await store.registry.manifest(INVENTORY_TAG)).toBeDefined();
    });

    it('attaches to the manifest itself when the statement is about a manifest the repository holds (an image or model artifact), with no subject manifest', async () => {
      const store = new OCIAttestationStore(fallback.repository());
      // Any manifest in the repository will do as "the model's artifact".
      const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256Hex('{}')}`, size: 2 }, layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256Hex('{}')}`, size: 2 }] }));
      await store.registry.pushBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
      const { descriptor } = await store.registry.pushManifest('model-v1', image, OCI_MANIFEST);
      const hex = descriptor.digest.slice('sha256:'.length);
      const { bundleDigest } = await store.put(claimingBundle([hex], 'image'));
      expect(await store.registry.tags(SUBJECT_TAG_PREFIX)).toEqual([]);
      // docker-registry has no referrers API: the sha256-<hex> tag index lists it, as cosign and oras read it.
      expect(await store.registry.referrers(descriptor.digest)).toBeNull();
      const index = JSON.parse((await store.registry.manifest(`sha256-${hex}`))!.bytes.toString('utf8'));
      expect(index.manifests).toEqual([expect.objectContaining({ artifactType: BUNDLE_ARTIFACT_TYPE, annotations: expect.objectContaining({ 'dev.sigstore.bundle.predicateType': 'https://example.com/p/v1' }) })]);
      expect(await digests(store, hex)).toEqual([bundleDigest]);
      expect(await store.subjects()).toEqual([descriptor.digest]);
    });
  });

  describe('#recordDecision', () => {
    it('attaches the record beside the evidence and tags it by its digest; a tag pointed elsewhere is a rewrite store check names', async () => {
      const store = new OCIAttestationStore(referrers.repository());
      await store.put(claimingBundle([SUBJECT], 'evidence'));
      const record = claimingBundle([SUBJECT], 'decision', 'https://slsa.dev/verification_summary/v1', undefined, { gatehouse: { inventory: await store.inventoryHead() } });
      const { bundleDigest, locations } = await store.recordDecision(record);
      expect(locations).toEqual([`${store.uri}#decisions/${bundleDigest}.sigstore.json`]);
      const tagged = await store.registry.manifest(`${DECISION_TAG_PREFIX}${bundleDigest}`);
      const subject = `sha256:${sha256Hex(subjectManifest(SUBJECT))}`;
      expect((await store.registry.referrers(subject))!.map((descriptor) => descriptor.digest)).toContain(tagged!.digest);
      expect(JSON.parse(tagged!.bytes.toString('utf8'))).toMatchObject({ artifactType: DECISION_ARTIFACT_TYPE, layers: [{ digest: `sha256:${bundleDigest}` }], subject: { digest: subject } });
      expect(await digests(store)).toHaveLength(1);
      expect((await store.checkInventory()).problems).toEqual([]);
      // Someone points the record's tag at another manifest.
      await store.registry.pushManifest(`${DECISION_TAG_PREFIX}${bundleDigest}`, subjectManifest(SUBJECT), OCI_MANIFEST);
      expect((await store.checkInventory()).problems).toEqual([`${store.uri}:${DECISION_TAG_PREFIX}${bundleDigest}: the decision record is not the one its tag names: it was rewritten`]);
    });
  });

  describe('concurrent writers', () => {
    for (const kind of ['referrers', 'tag-fallback'] as const) {
      it(`on a registry with ${kind === 'referrers' ? 'the referrers API' : 'only the tag fallback'}: 12 processes attaching to one subject lose nothing, and the inventory chains each bundle`, async () => {
        const uri = (kind === 'referrers' ? referrers : fallback).repository();
        const results = await Promise.all(Array.from({ length: 12 }, (_, writer) => run([WRITER, uri, SUBJECT, String(writer), '3'])));
        const written = new Set<string>();
        for (const result of results) {
          expect(result.code, result.stderr).toBe(0);
          for (const digest of result.stdout.trim().split('\n')) written.add(digest);
        }
        // 2 bundles of its own per writer, and one every writer put.
        expect(written.size).toBe(12 * 2 + 1);
        const store = new OCIAttestationStore(uri);
        expect(new Set(await digests(store))).toEqual(written);
        expect(await digests(store)).toHaveLength(written.size);
        const check = await store.checkInventory();
        expect(check.problems).toEqual([]);
        expect(check.unlisted).toEqual([]);
        // The shared bundle may be chained more than once (two writers each found it new); none is missing.
        expect(new Set((await store.inventoryOf(`sha256:${SUBJECT}`)).bundles)).toEqual(written);
      }, 120_000);
    }

    it('takes over a lock whose owner died holding it (kill -9), and waits for one whose owner lives', async () => {
      const store = new OCIAttestationStore(fallback.repository());
      const lock = join(tmpdir(), 'gatehouse-locks', `${sha256Hex(`${store.uri}#${INVENTORY_TAG}`)}.lock`);
      mkdirSync(dirname(lock), { recursive: true });
      const dead = spawnSync('true').pid;
      writeFileSync(lock, `${dead}\n`);
      await store.put(claimingBundle([SUBJECT], 'after a crash'));
      expect((await store.inventoryHead()).sequence).toBe(1);
      expect(existsSync(lock)).toBe(false);
      // A live owner (this process's parent stands for one) is waited for, not overruled.
      writeFileSync(lock, `${process.ppid}\n`);
      const waiting = store.put(claimingBundle([SUBJECT], 'waits'));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await store.inventoryHead()).sequence).toBe(1);
      rmSync(lock);
      await waiting;
      expect((await store.inventoryHead()).sequence).toBe(2);
    }, 30_000);

    it('in one process, 16 puts at once on the tag fallback lose nothing', async () => {
      const store = new OCIAttestationStore(fallback.repository());
      const put = await Promise.all(Array.from({ length: 16 }, (_, index) => store.put(claimingBundle([SUBJECT], `together-${index}`))));
      expect(new Set(await digests(store))).toEqual(new Set(put.map((result) => result.bundleDigest)));
      expect((await store.inventoryHead()).sequence).toBe(16);
    }, 60_000);
  });

  describe('registry auth', () => {
    let basic: TestRegistry;
    let token: TestRegistry;
    beforeAll(async () => {
      [basic, token] = await Promise.all([
        startReferrersRegistry({ auth: 'basic', account: `${ACCOUNT.username}:${ACCOUNT.password}` }),
        startReferrersRegistry({ auth: 'token', account: `${ACCOUNT.username}:${ACCOUNT.password}` }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await basic?.stop();
      await token?.stop();
    });

    for (const kind of ['basic', 'token'] as const) {
      it(`${kind}: writes and reads with credentials from the environment or Docker's config.json; none, or wrong ones, are bad input naming the fix`, async () => {
        const registry = kind === 'basic' ? basic : token;
        const uri = registry.repository();
        const env = { GATEHOUSE_REGISTRY_USERNAME: ACCOUNT.username, GATEHOUSE_REGISTRY_PASSWORD: ACCOUNT.password };
        const store = new OCIAttestationStore(uri, { env });
        const { bundleDigest } = await store.put(claimingBundle([SUBJECT], kind));
        expect(await digests(store)).toEqual([bundleDigest]);

        const dockerConfig = mkdtempSync(join(tmpdir(), 'gatehouse-docker-'));
        writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${ACCOUNT.username}:${ACCOUNT.password}`).toString('base64') } } }));
        expect(await digests(new OCIAttestationStore(uri, { env: { DOCKER_CONFIG: dockerConfig } }))).toEqual([bundleDigest]);

        const anonymous = new OCIAttestationStore(uri, { env: { HOME: dockerConfig } });
        await expect(anonymous.put(claimingBundle([SUBJECT], 'anonymous'))).rejects.toMatchObject({
          code: 'USAGE',
          message: expect.stringMatching(kind === 'basic' ? /asks for credentials and none are given/ : /token service refused an anonymous token/),
        });
        const wrong = new OCIAttestationStore(uri, { env: { GATEHOUSE_REGISTRY_USERNAME: ACCOUNT.username, GATEHOUSE_REGISTRY_PASSWORD: 'nope' } });
        await expect(wrong.list(`sha256:${SUBJECT}`)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/refused the credentials \(user ci-runner\)/) });
        // From the CLI: exit 2, one line, no password in it.
        const cli = gatehouse(['store', 'check', '--store', uri], { env: { HOME: dockerConfig, DOCKER_CONFIG: join(dockerConfig, 'none') } });
        expect(cli.status).toBe(2);
        expect(cli.stderr).toMatch(new RegExp(`^gatehouse: --store oci://${registry.host}/\\S+: the registry`));
        const ok = gatehouse(['store', 'check', '--store', uri], { env: { DOCKER_CONFIG: dockerConfig } });
        expect(ok.status, ok.stderr).toBe(0);
        expect(ok.stdout + ok.stderr).not.toContain(ACCOUNT.password);
      }, 60_000);
    }
  });

  describe('a registry that does not answer', () => {
    it('is StoreError UNAVAILABLE; from the CLI, exit 3 and no attestation written anywhere', async () => {
      const uri = `oci://127.0.0.1:${await freePort()}/gatehouse/models`;
      await expect(new OCIAttestationStore(uri, { retries: 0 }).put(claimingBundle([SUBJECT]))).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE' });
      const work = mkdtempSync(join(tmpdir(), 'gatehouse-oci-down-'));
      const model = join(work, 'model.bin');
      writeFileSync(model, 'weights');
      const gate = gatehouse(['gate', 'integrity', model, '--expected', `sha256:${sha256Hex('weights')}`, '--signing-key', join(ROOT, 'examples', 'keys', 'integrity-gate.key'), '--store', uri], { cwd: work });
      expect(gate.status, gate.stderr).toBe(3);
      expect(gate.stderr).toMatch(new RegExp(`^gatehouse: ${uri.replace(/\./g, '\\.')}: the registry did not answer`, 'm'));
    }, 60_000);
  });

  describe('store URIs', () => {
    it('refuses what is not oci://REGISTRY/REPOSITORY, and credentials in the URI', () => {
      for (const uri of ['oci://registry.example', 'oci://registry.example/Models', 'oci://registry.example/models:latest', 'oci://registry.example/models@sha256:00']) {
        expect(() => new OCIAttestationStore(uri)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/an OCI store is oci:\/\/REGISTRY\/REPOSITORY/) }));
      }
      expect(() => new OCIAttestationStore('oci://user:secret@registry.example/models')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.not.stringContaining('secret') }));
      expect(new OCIAttestationStore('oci://registry.example:5000/team/models').uri).toBe('oci://registry.example:5000/team/models');
    });
  });
});
