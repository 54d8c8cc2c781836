import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { StoredBundle, UnreadableBundle } from '../../src/store/store.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { BUNDLES, ROOT, temporaryDirectory } from '../helpers.ts';

const SUBJECT = `sha256:${'1a'.repeat(32)}` as const;
const bundle = JSON.parse(readFileSync(join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json'), 'utf8'));

function isStored(entry: StoredBundle | UnreadableBundle): entry is StoredBundle {
  return 'bytes' in entry;
}

describe('FileSystemAttestationStore', () => {
  describe('#put and #list', () => {
    it('groups bundles by subject and names each by the digest of its bytes', async () => {
      const store = new FileSystemAttestationStore(await temporaryDirectory());
      const location = await store.put(SUBJECT, bundle);
      expect(location).toMatch(new RegExp(`sha256-${'1a'.repeat(32)}/[0-9a-f]{64}\\.sigstore\\.json$`));
      expect(await store.put(SUBJECT, bundle)).toBe(location);
      const listed = await store.list(SUBJECT);
      expect(listed).toHaveLength(1);
      const [entry] = listed;
      expect(isStored(entry!) && JSON.parse(entry.bytes.toString('utf8'))).toEqual(bundle);
      expect(await store.list(`sha256:${'00'.repeat(32)}`)).toEqual([]);
    });

    it('reports, and never skips, files it cannot read as bundles', async () => {
      const root = await temporaryDirectory();
      const store = new FileSystemAttestationStore(root);
      const good = await store.put(SUBJECT, bundle);
      const directory = join(root, `sha256-${'1a'.repeat(32)}`);
      writeFileSync(join(directory, `${'ff'.repeat(32)}.sigstore.json`), '{"truncated": ');
      writeFileSync(join(directory, 'notes.txt'), 'hello');
      const listed = await store.list(SUBJECT);
      expect(listed.filter(isStored).map((e) => e.location)).toEqual([good]);
      const problems = listed.filter((e): e is UnreadableBundle => !isStored(e));
      expect(problems.map((p) => [p.location, p.error.code])).toEqual([
        [join(directory, `${'ff'.repeat(32)}.sigstore.json`), 'BUNDLE_MALFORMED'],
        [join(directory, 'notes.txt'), 'BUNDLE_MALFORMED'],
      ]);
      expect(problems[0]!.error.toString()).toMatch(/ff+\.sigstore\.json: content digest [0-9a-f]{64} does not match the file name/);
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
      await store.put(SUBJECT, bundle);
      const directory = join(root, `sha256-${'1a'.repeat(32)}`);
      writeFileSync(join(directory, `.${'ee'.repeat(32)}.sigstore.json.0123456789ab.tmp`), '{"partial');
      expect((await store.list(SUBJECT)).every(isStored)).toBe(true);
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
