// The store contract, run against every backend: the folder store, a real
// PostgreSQL (a private cluster started for this file), and an OCI registry
// with the referrers API (go-containerregistry's) and one without it (Debian's
// docker-registry, through the sha256-<hex> tag index).
import { readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSystemAttestationStore, INVENTORY_FILE, INVENTORY_HEADS_FILE } from '../../src/store/fs-store.ts';
import { PostgresAttestationStore } from '../../src/store/pg-store.ts';
import { INVENTORY_GENESIS, inventoryHead } from '../../src/store/inventory.ts';
import { storeEntries, type AttestationStore, type StoreEntry } from '../../src/store/store.ts';
import { temporaryDirectory } from '../helpers.ts';
import { claimingBundle } from '../support/claiming.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { OCIAttestationStore } from '../../src/store/oci-store.ts';
import { startDistributionRegistry, startReferrersRegistry, tamper, type TestRegistry } from '../support/registry.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const claiming = claimingBundle;

// A decision record as a store sees one: a bundle about the artifact whose predicate names the inventory head it saw.
function decisionRecord(subject: string, head: { sequence: number; head: string }): Buffer {
  return claimingBundle([subject], 'decision', 'https://slsa.dev/verification_summary/v1', undefined, { gatehouse: { inventory: head } });
}

async function listAll(store: AttestationStore, subject: string, options: { limit?: number; predicateType?: string; since?: Date } = {}): Promise<StoreEntry[]> {
  const out: StoreEntry[] = [];
  for await (const entry of storeEntries(store, `sha256:${subject}`, options)) out.push(entry);
  return out;
}

const digests = (entries: StoreEntry[]) => entries.map((entry) => ('bundleDigest' in entry ? entry.bundleDigest : `unreadable ${entry.location}`));

let postgres: TestPostgres;
const registries: Record<TestRegistry['kind'], TestRegistry> = {} as Record<TestRegistry['kind'], TestRegistry>;
beforeAll(async () => {
  [postgres, registries.referrers, registries['tag-fallback']] = await Promise.all([startPostgres(), startReferrersRegistry(), startDistributionRegistry()]);
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
  for (const registry of Object.values(registries)) await registry.stop();
});

// An OCI backend on one of the test registries; tampering goes through the registry's API, or its disk for bytes.
function ociBackend(kind: TestRegistry['kind']): Backend {
  return {
    name: `oci (${kind})`,
    open: async () => new OCIAttestationStore(registries[kind].repository()),
    deleteBundle: (store, digest) => tamper.deleteBundle(store.uri, digest),
    rewriteBundle: (_store, digest, bytes) => tamper.rewriteBlob(registries[kind], digest, bytes),
    async truncate(store) {
      await tamper.truncate(store.uri);
    },
  };
}

interface Backend {
  name: string;
  open(): Promise<AttestationStore>;
  /** Removes a bundle as someone with write access to the backend would, past whatever guards it. */
  deleteBundle(store: AttestationStore, digest: string): Promise<void>;
  /** Replaces a stored bundle's bytes, keeping its key. */
  rewriteBundle(store: AttestationStore, digest: string, bytes: Buffer): Promise<void>;
  /** Removes the newest inventory entry and its bundle: a tail cut off. */
  truncate(store: AttestationStore): Promise<void>;
}

const urls = new WeakMap<AttestationStore, string>();

const BACKENDS: Backend[] = [
  {
    name: 'file',
    open: async () => new FileSystemAttestationStore(await temporaryDirectory()),
    async deleteBundle(store, digest) {
      const root = (store as FileSystemAttestationStore).root;
      for (const folder of readdirSync(root).filter((name) => name.startsWith('sha256-'))) rmSync(join(root, folder, `${digest}.sigstore.json`), { force: true });
    },
    async rewriteBundle(store, digest, bytes) {
      const root = (store as FileSystemAttestationStore).root;
      for (const folder of readdirSync(root).filter((name) => name.startsWith('sha256-'))) {
        const path = join(root, folder, `${digest}.sigstore.json`);
        try {
          readFileSync(path);
          writeFileSync(path, bytes);
        } catch {
          // not filed under this subject
        }
      }
    },
    async truncate(store) {
      const root = (store as FileSystemAttestationStore).root;
      const lines = readFileSync(join(root, INVENTORY_FILE), 'utf8').trimEnd().split('\n');
      const last = lines.pop()!.split(' ')[0]!;
      writeFileSync(join(root, INVENTORY_FILE), lines.map((line) => `${line}\n`).join(''));
      // A thorough hand: the cached heads are cut to match.
      const heads = readFileSync(join(root, INVENTORY_HEADS_FILE));
      writeFileSync(join(root, INVENTORY_HEADS_FILE), heads.subarray(0, lines.length * 32));
      await this.deleteBundle(store, last);
    },
  },
  {
    name: 'postgres',
    async open() {
      const url = await postgres.createDatabase();
      const store = new PostgresAttestationStore(url);
      await store.migrate();
      urls.set(store, url);
      return store;
    },
    // The tables refuse DELETE and UPDATE; a superuser can switch the triggers (and foreign keys) off, and that is what the inventory is for.
    async deleteBundle(store, digest) {
      await postgres.query(urls.get(store)!, `SET session_replication_role = replica; DELETE FROM gatehouse_bundle_subjects WHERE digest = '${digest}'; DELETE FROM gatehouse_bundles WHERE digest = '${digest}'`);
    },
    async rewriteBundle(store, digest, bytes) {
      await postgres.query(urls.get(store)!, `SET session_replication_role = replica; UPDATE gatehouse_bundles SET bytes = decode('${bytes.toString('hex')}', 'hex') WHERE digest = '${digest}'`);
    },
    async truncate(store) {
      const url = urls.get(store)!;
      const { rows } = await postgres.query(url, 'SELECT digest FROM gatehouse_inventory ORDER BY sequence DESC LIMIT 1');
      const digest = rows[0].digest as string;
      await postgres.query(url, `SET session_replication_role = replica; DELETE FROM gatehouse_inventory WHERE digest = '${digest}'`);
      await this.deleteBundle(store, digest);
    },
  },
  ociBackend('referrers'),
  ociBackend('tag-fallback'),
];

describe.each(BACKENDS)('AttestationStore contract: $name', (backend) => {
  const stores: AttestationStore[] = [];
  const open = async () => {
    const store = await backend.open();
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  describe('#put, #get and #list', () => {
    it('keeps the exact bytes; the same bundle twice is one entry', async () => {
      const store = await open();
      // Not how gatehouse would format it: the store must not re-serialise.
      const odd = Buffer.from(` ${claiming([A]).toString('utf8').trim()}\n\n`);
      const result = await store.put(odd);
      expect(result.bundleDigest).toBe(sha256(odd));
      expect(result.locations).toHaveLength(1);
      expect(result.locations[0]).toMatch(new RegExp(`sha256-${A}/${sha256(odd)}\\.sigstore\\.json$`));
      expect(await store.put(odd)).toEqual(result);
      const entries = await listAll(store, A);
      expect(digests(entries)).toEqual([sha256(odd)]);
      expect('bytes' in entries[0]! && entries[0].bytes.equals(odd)).toBe(true);
      expect((await store.get(sha256(odd)))?.bytes.equals(odd)).toBe(true);
      expect(await store.get('00'.repeat(32))).toBeUndefined();
      expect(await listAll(store, B)).toEqual([]);
      await expect(store.get('NOT-A-DIGEST')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    });

    it('files a bundle under every subject it names, once per subject', async () => {
      const store = await open();
      const two = claiming([A, B, A]);
      expect((await store.put(two)).locations).toHaveLength(2);
      expect(digests(await listAll(store, A))).toEqual([sha256(two)]);
      expect(digests(await listAll(store, B))).toEqual([sha256(two)]);
      expect(await store.subjects()).toEqual([`sha256:${A}`, `sha256:${B}`]);
    });

    it('refuses what names no sha256 subject, and what is no DSSE bundle, storing nothing', async () => {
      const store = await open();
      await expect(store.put(claiming([]))).rejects.toMatchObject({ code: 'BUNDLE_MALFORMED', message: expect.stringMatching(/no sha256 subject/) });
      await expect(store.put(Buffer.from('{"mediaType": "x"}'))).rejects.toMatchObject({ code: 'BUNDLE_MALFORMED' });
      await expect(store.put(Buffer.from('not json'))).rejects.toMatchObject({ code: 'JSON_INVALID' });
      expect(await store.subjects()).toEqual([]);
      expect((await store.inventoryHead())?.sequence).toBe(0);
    });

    it('pages through a listing with cursors in digest order, losing and repeating nothing', async () => {
      const store = await open();
      const put = [];
      for (let i = 0; i < 23; i++) put.push((await store.put(claiming([A], i))).bundleDigest);
      const paged = digests(await listAll(store, A, { limit: 5 }));
      expect(paged).toEqual([...put].sort());
      const first = await store.list(`sha256:${A}`, { limit: 5 });
      expect(first.entries).toHaveLength(5);
      expect(first.next).toBeTypeOf('string');
      await expect(store.list(`sha256:${A}`, { cursor: 'bogus' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(store.list(`sha256:${A}`, { limit: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    });

    it('narrows a listing by predicate type and evaluation time, keeping bundles that record no time', async () => {
      const store = await open();
      const old = claiming([A], 1, 'https://example.com/p/v1', '2026-01-01T00:00:00Z');
      const recent = claiming([A], 2, 'https://example.com/p/v1', '2026-06-01T00:00:00Z');
      const untimed = claiming([A], 3, 'https://example.com/p/v1');
      const other = claiming([A], 4, 'https://example.com/q/v1', '2026-06-01T00:00:00Z');
      for (const bytes of [old, recent, untimed, other]) await store.put(bytes);
      expect(digests(await listAll(store, A, { predicateType: 'https://example.com/p/v1' })).sort()).toEqual([old, recent, untimed].map(sha256).sort());
      expect(digests(await listAll(store, A, { since: new Date('2026-03-01T00:00:00Z') })).sort()).toEqual([recent, untimed, other].map(sha256).sort());
      expect(digests(await listAll(store, A, { predicateType: 'https://example.com/q/v1', since: new Date('2026-03-01T00:00:00Z') }))).toEqual([sha256(other)]);
    });

    it('lists a bundle whose bytes were rewritten as unreadable, and get no longer returns it', async () => {
      const store = await open();
      const { bundleDigest } = await store.put(claiming([A], 'x'));
      expect(digests(await listAll(store, A))).toEqual([bundleDigest]);
      await backend.rewriteBundle(store, bundleDigest, claiming([A], 'y'));
      const [entry] = await listAll(store, A);
      expect(entry).toMatchObject({ error: { code: 'BUNDLE_MALFORMED' } });
      expect(await store.get(bundleDigest)).toBeUndefined();
    });
  });

  describe('#recordDecision', () => {
    it('keeps a decision record once, however often it is recorded', async () => {
      const store = await open();
      const record = decisionRecord(A, { sequence: 0, head: INVENTORY_GENESIS });
      const first = await store.recordDecision(record);
      expect(first.bundleDigest).toBe(sha256(record));
      expect(await store.recordDecision(record)).toEqual(first);
      // A decision record is not evidence: it is not listed for its artifact.
      expect(await listAll(store, A)).toEqual([]);
    });
  });

  describe('inventory', () => {
    it('chains every bundle ever put, once each, and a store that was only added to checks intact', async () => {
      const store = await open();
      expect(await store.inventoryHead()).toEqual({ sequence: 0, head: INVENTORY_GENESIS });
      const one = (await store.put(claiming([A], 1))).bundleDigest;
      const head1 = inventoryHead(1, one, INVENTORY_GENESIS);
      expect(await store.inventoryHead()).toEqual({ sequence: 1, head: head1 });
      await store.put(claiming([A], 1));
      expect(await store.inventoryHead()).toEqual({ sequence: 1, head: head1 });
      const two = (await store.put(claiming([A, B], 2))).bundleDigest;
      const head2 = inventoryHead(2, two, head1);
      expect(await store.inventoryHead()).toEqual({ sequence: 2, head: head2 });
      await store.recordDecision(decisionRecord(A, { sequence: 2, head: head2 }));
      expect(await store.checkInventory()).toEqual({ head: { sequence: 2, head: head2 }, problems: [], unlisted: [] });
      expect((await store.checkInventory([{ sequence: 1, head: head1 }]))?.problems).toEqual([]);
    });

    it('lists what it holds about a subject up to a head, and says whether that head is on its chain', async () => {
      const store = await open();
      const one = (await store.put(claiming([A], 1))).bundleDigest;
      const head1 = (await store.inventoryHead())!;
      const two = (await store.put(claiming([A, B], 2))).bundleDigest;
      await store.put(claiming([B], 3));
      expect(await store.inventoryOf(`sha256:${A}`)).toEqual({ head: await store.inventoryHead(), bundles: [one, two].sort(), onChain: true });
      expect(await store.inventoryOf(`sha256:${A}`, head1)).toEqual({ head: head1, bundles: [one], onChain: true });
      expect((await store.inventoryOf(`sha256:${A}`, { sequence: 1, head: 'f'.repeat(64) }))?.onChain).toBe(false);
      expect((await store.inventoryOf(`sha256:${A}`, { sequence: 9, head: head1.head }))?.onChain).toBe(false);
    });

    it('detects the newest bundle deleted (the one that failed), where a listing alone shows nothing wrong', async () => {
      const store = await open();
      await store.put(claiming([A], 'pass'));
      const failing = (await store.put(claiming([A], 'fail'))).bundleDigest;
      expect((await store.checkInventory())?.problems).toEqual([]);
      await backend.deleteBundle(store, failing);
      expect(await listAll(store, A)).toHaveLength(1);
      expect((await store.checkInventory())?.problems).toEqual([expect.stringMatching(new RegExp(`bundle sha256:${failing} \\(inventory entry 2\\) is gone from the store: it was deleted`))]);
    });

    it('detects bytes rewritten under their key', async () => {
      const store = await open();
      const { bundleDigest } = await store.put(claiming([A], 'original'));
      expect((await store.checkInventory())?.problems).toEqual([]);
      await backend.rewriteBundle(store, bundleDigest, claiming([A], 'forged'));
      expect((await store.checkInventory())?.problems.join('\n')).toMatch(/rewritten/);
    });

    it('detects a tail cut off (entry and bundle both gone) through the head a decision recorded, and through --head', async () => {
      const store = await open();
      await store.put(claiming([A], 1));
      await store.put(claiming([A], 2));
      const seen = (await store.inventoryHead())!;
      await store.recordDecision(decisionRecord(A, seen));
      expect((await store.checkInventory())?.problems).toEqual([]);
      await backend.truncate(store);
      expect(await store.inventoryHead()).toMatchObject({ sequence: 1 });
      expect((await store.checkInventory())?.problems).toEqual([`inventory head 2:${seen.head} is not on the chain (a decision saw it, or it was asked for): entries were deleted or rewritten`]);
    });
  });
});
