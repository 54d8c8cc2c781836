import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { FileSystemAttestationStore, INVENTORY_FILE, INVENTORY_HEADS_FILE } from '../../src/store/fs-store.ts';
import { openStore } from '../../src/store/open.ts';
import { storeEntries, type StoredBundle, type UnreadableBundle } from '../../src/store/store.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { BUNDLES, ROOT, temporaryDirectory } from '../helpers.ts';

const bundle = JSON.parse(readFileSync(join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json'), 'utf8'));

function isStored(entry: StoredBundle | UnreadableBundle): entry is StoredBundle {
  return 'bytes' in entry;
}

// Entries come in file-name order: bundle digests, with the unreadable one (all f's) last.
function byStoreOrder(a: string, b: string): number {
  const key = (x: string) => (x === 'unreadable' ? 'f'.repeat(64) : x);
  return key(a) < key(b) ? -1 : 1;
}

const bytes = readFileSync(join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json'));
const SUBJECT = `sha256:${JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')).subject[0].digest.sha256}` as const;
const OTHER = `sha256:${'1a'.repeat(32)}` as const;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

// A bundle whose statement names `subjects`: the store indexes by the claims inside, unverified.
function claiming(subjects: string[], predicateType = 'https://example.com/p/v1', evaluatedAt?: string): Buffer {
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: subjects.map((hex, i) => ({ name: `m${i}`, digest: { sha256: hex } })), predicateType, predicate: evaluatedAt === undefined ? {} : { evaluatedAt } };
  return Buffer.from(JSON.stringify({ ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } }));
}

async function listAll(store: FileSystemAttestationStore, subject: `sha256:${string}`, limit?: number): Promise<Array<StoredBundle | UnreadableBundle>> {
  const out: Array<StoredBundle | UnreadableBundle> = [];
  for await (const entry of storeEntries(store, subject, limit === undefined ? {} : { limit })) out.push(entry);
  return out;
}

describe('FileSystemAttestationStore', () => {
  describe('#put, #get and #list', () => {
    it('keeps the exact bytes, grouped by subject and named by their digest', async () => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      // Not how gatehouse would format it: the store must not re-serialise.
      const odd = Buffer.from(` ${bytes.toString('utf8').trim()}\n\n`);
      const result = await store.put(odd);
      expect(result.bundleDigest).toBe(sha256(odd));
      expect(result.locations).toHaveLength(1);
      expect(result.locations[0]).toMatch(new RegExp(`sha256-${SUBJECT.slice(7)}/${sha256(odd)}\\.sigstore\\.json$`));
      expect(await store.put(odd)).toEqual(result);
      const { entries, next } = await store.list(SUBJECT);
      expect(next).toBeUndefined();
      expect(entries).toHaveLength(1);
      expect(isStored(entries[0]!) && entries[0].bytes.equals(odd)).toBe(true);
      expect((await store.get(sha256(odd)))?.bytes.equals(odd)).toBe(true);
      expect(await store.get('00'.repeat(32))).toBeUndefined();
      expect((await store.list(OTHER)).entries).toEqual([]);
    });

    it('files a bundle under every subject it names, once per subject', async () => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      const two = claiming(['1a'.repeat(32), '2b'.repeat(32), '1a'.repeat(32)]);
      const { locations } = await store.put(two);
      expect(locations).toHaveLength(2);
      for (const subject of [OTHER, `sha256:${'2b'.repeat(32)}` as const]) {
        const { entries } = await store.list(subject);
        expect(entries.map((e) => isStored(e) && e.bundleDigest)).toEqual([sha256(two)]);
      }
    });

    it('refuses to store what names no sha256 subject, and what is no DSSE bundle', async () => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      await expect(store.put(claiming([]))).rejects.toMatchObject({ code: 'BUNDLE_MALFORMED', message: expect.stringMatching(/no sha256 subject/) });
      await expect(store.put(Buffer.from('{"mediaType": "x"}'))).rejects.toMatchObject({ code: 'BUNDLE_MALFORMED' });
      await expect(store.put(Buffer.from('not json'))).rejects.toMatchObject({ code: 'JSON_INVALID' });
    });

    it('pages through a listing with cursors, losing and repeating nothing', async () => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      const digests: string[] = [];
      for (let i = 0; i < 7; i++) digests.push((await store.put(claiming(['1a'.repeat(32)], `https://example.com/p${i}/v1`))).bundleDigest);
      const first = await store.list(OTHER, { limit: 3 });
      expect(first.entries).toHaveLength(3);
      expect(first.next).toBeDefined();
      const paged = await listAll(store, OTHER, 3);
      expect(paged.map((e) => isStored(e) && e.bundleDigest)).toEqual([...digests].sort());
      await expect(store.list(OTHER, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(store.list(OTHER, { limit: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    });

    it('narrows by predicate type and evaluation time, and still lists what it cannot read', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      const old = await store.put(claiming(['1a'.repeat(32)], 'https://example.com/a/v1', '2026-01-01T00:00:00Z'));
      const recent = await store.put(claiming(['1a'.repeat(32)], 'https://example.com/a/v1', '2026-06-01T00:00:00Z'));
      const other = await store.put(claiming(['1a'.repeat(32)], 'https://example.com/b/v1', '2026-06-01T00:00:00Z'));
      writeFileSync(join(root, `sha256-${'1a'.repeat(32)}`, `${'ff'.repeat(32)}.sigstore.json`), '{"truncated": ');
      const digestsOf = (page: { entries: Array<StoredBundle | UnreadableBundle> }) => page.entries.map((e) => (isStored(e) ? e.bundleDigest : 'unreadable'));
      expect(digestsOf(await store.list(OTHER, { predicateType: 'https://example.com/a/v1' }))).toEqual([old.bundleDigest, recent.bundleDigest, 'unreadable'].sort(byStoreOrder));
      expect(digestsOf(await store.list(OTHER, { since: new Date('2026-03-01T00:00:00Z') }))).toEqual([recent.bundleDigest, other.bundleDigest, 'unreadable'].sort(byStoreOrder));
    });

    it('finds a bundle dropped loose in the root by its digest, and lists it for every subject', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      writeFileSync(join(root, 'from-cosign.json'), bytes);
      expect((await store.get(sha256(bytes)))?.location).toBe(join(root, 'from-cosign.json'));
      expect((await store.list(OTHER)).entries.map((e) => e.location)).toEqual([join(root, 'from-cosign.json')]);
    });

    it('refuses a root that is missing or is a file, naming it', async () => {
      const dir = await temporaryDirectory();
      await expect(new FileSystemAttestationStore(join(dir, 'nope')).list(OTHER)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: 'no such attestation store' });
      writeFileSync(join(dir, 'file'), 'x');
      await expect(new FileSystemAttestationStore(join(dir, 'file')).get('00'.repeat(32))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    });

    it('reports, and never skips, files it cannot read as bundles', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      const good = (await store.put(bytes)).locations[0];
      const directory = join(root, `sha256-${SUBJECT.slice(7)}`);
      writeFileSync(join(directory, `${'ff'.repeat(32)}.sigstore.json`), '{"truncated": ');
      writeFileSync(join(directory, 'notes.txt'), 'hello');
      const listed = await listAll(store, SUBJECT);
      expect(listed.filter(isStored).map((e) => e.location)).toEqual([good]);
      const problems = listed.filter((e): e is UnreadableBundle => !isStored(e));
      expect(problems.map((p) => [p.location, p.error.code])).toEqual([
        [join(directory, `${'ff'.repeat(32)}.sigstore.json`), 'BUNDLE_MALFORMED'],
        [join(directory, 'notes.txt'), 'BUNDLE_MALFORMED'],
      ]);
      expect(problems[0]!.error.toString()).toMatch(/ff+\.sigstore\.json: content digest [0-9a-f]{64} does not match the file name/);
    });
  });

  describe('#checkInventory', () => {
    it('finds an inventory line deleted with its bundle through the heads decisions cached, and a cache rewritten', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      const kept = await store.put(claiming([SUBJECT.slice(7)], 'https://example.com/p/v1', '2026-01-01T00:00:00Z'));
      const gone = await store.put(claiming([SUBJECT.slice(7)], 'https://example.com/p/v1', '2026-02-01T00:00:00Z'));
      // A decision reads the head, which caches the heads; the store is intact.
      const seen = await store.inventoryHead();
      expect(seen.sequence).toBe(2);
      expect((await store.inventoryOf(SUBJECT)).bundles).toEqual([kept.bundleDigest, gone.bundleDigest].sort());
      expect((await store.checkInventory()).problems).toEqual([]);
      // The newest line and its bundle removed: what is left is a consistent, shorter chain, and the cache is longer than it.
      const lines = readFileSync(join(root, INVENTORY_FILE), 'utf8').trimEnd().split('\n');
      writeFileSync(join(root, INVENTORY_FILE), `${lines[0]}\n`);
      for (const location of gone.locations) rmSync(location);
      expect((await store.checkInventory()).problems).toEqual([`${INVENTORY_HEADS_FILE} holds 2 heads but ${INVENTORY_FILE} only 1 entries: entries were deleted`]);
      expect((await store.inventoryOf(SUBJECT)).onChain).toBe(false);
      // A cache rewritten to match a forged chain disagrees with the entries.
      writeFileSync(join(root, INVENTORY_HEADS_FILE), Buffer.alloc(32, 7));
      expect((await store.checkInventory()).problems).toEqual([`${INVENTORY_FILE} entry 1 does not hash to the head decisions saw for it: an entry was deleted or rewritten`]);
    });
  });

  describe('#inventoryOf', () => {
    it('trusts no head of an inventory with a line that is no entry, or an unfinished last line', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      const { bundleDigest } = await store.put(claiming([SUBJECT.slice(7)]));
      expect(await store.inventoryOf(SUBJECT)).toMatchObject({ head: { sequence: 1 }, bundles: [bundleDigest], onChain: true });
      const intact = readFileSync(join(root, INVENTORY_FILE), 'utf8');
      writeFileSync(join(root, INVENTORY_FILE), `${intact}${bundleDigest}`);
      expect(await store.inventoryOf(SUBJECT)).toMatchObject({ head: { sequence: 1 }, onChain: false });
      writeFileSync(join(root, INVENTORY_FILE), `${intact.replace(SUBJECT.slice(7), `${SUBJECT.slice(7)},zz`)}`);
      expect(await store.inventoryOf(SUBJECT)).toMatchObject({ bundles: [], onChain: false });
      expect((await store.checkInventory()).problems).toContain(`${join(root, INVENTORY_FILE)}: line 1 is not an inventory entry: it was rewritten`);
    });
  });

  describe('openStore', () => {
    it('opens file: URIs and plain directories, and refuses schemes it has no backend for', async () => {
      const dir = await temporaryDirectory();
      expect((openStore(dir) as FileSystemAttestationStore).root).toBe(dir);
      expect((openStore(`file:${dir}`) as FileSystemAttestationStore).root).toBe(dir);
      expect((openStore(pathToFileURL(dir).href) as FileSystemAttestationStore).root).toBe(dir);
      expect(openStore(dir).uri).toBe(pathToFileURL(dir).href);
      for (const uri of ['https://example.com/store', 'mysql://db/gatehouse']) {
        expect(() => openStore(uri)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/no \w+: store backend/) }));
      }
    });
  });

  describe('when a writer is killed mid-write', () => {
    it('leaves no partial bundle: the old file or nothing, and a temp file readers skip', async () => {
      const root = await temporaryDirectory();
      const target = join(root, 'bundle.sigstore.json');
      writeFileSync(target, 'old complete content');
      // A child process writes 512 MiB through writeFileAtomic and is SIGKILLed while writing.
      const script = `
        import { writeFileAtomic } from ${JSON.stringify(join(ROOT, 'src/io/atomic.ts'))};
        process.stdout.write('writing\\n');
        await writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(512 * 1024 * 1024, 120));
        process.stdout.write('done\\n');
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('writing')) setTimeout(() => child.kill('SIGKILL'), 150);
        });
        child.on('exit', () => resolve());
      });
      expect(output).not.toContain('done');
      expect(readFileSync(target, 'utf8')).toBe('old complete content');
      const leftovers = readdirSync(root).filter((name) => name !== 'bundle.sigstore.json');
      expect(leftovers.every((name) => name.startsWith('.bundle.sigstore.json.') && name.endsWith('.tmp'))).toBe(true);
    });

    it('store listings skip temp leftovers of interrupted writes', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      await store.put(bytes);
      const directory = join(root, `sha256-${SUBJECT.slice(7)}`);
      writeFileSync(join(directory, `.${'ee'.repeat(32)}.sigstore.json.0123456789ab.tmp`), '{"partial');
      expect((await listAll(store, SUBJECT)).every(isStored)).toBe(true);
    });
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and applies the mode', async () => {
    const dir = await temporaryDirectory();
    const path = join(dir, 'k.key');
    await writeFileAtomic(path, 'secret', { mode: 0o600 });
    const { statSync } = await import('node:fs');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeFileAtomic(path, 'replaced');
    expect(readFileSync(path, 'utf8')).toBe('replaced');
    expect(readdirSync(dir)).toEqual(['k.key']);
  });

  it('creates missing folders, and refuses a path through a file as bad input without touching it', async () => {
    const dir = await temporaryDirectory();
    await writeFileAtomic(join(dir, 'missing', 'f'), 'x');
    expect(readFileSync(join(dir, 'missing', 'f'), 'utf8')).toBe('x');
    await expect(writeFileAtomic(join(dir, 'missing', 'f', 'g'), 'y')).rejects.toMatchObject({ code: 'USAGE', path: join(dir, 'missing', 'f'), message: 'is a file, not a folder' });
    await expect(writeFileAtomic(join(dir, 'missing'), 'y')).rejects.toMatchObject({ code: 'USAGE', path: join(dir, 'missing'), message: 'is a directory: name a file to write' });
    expect(readFileSync(join(dir, 'missing', 'f'), 'utf8')).toBe('x');
    expect(readdirSync(join(dir, 'missing'))).toEqual(['f']);
  });
});
