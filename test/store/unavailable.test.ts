import { describe, expect, it, vi } from 'vitest';

// The file system answers EIO for one folder: what a failing disk or a stale network mount does.
const failing = vi.hoisted(() => ({ path: '', open: '' }));
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (path: string, ...rest: unknown[]) => {
      if (failing.open !== '' && path === failing.open) throw Object.assign(new Error(`EIO: i/o error, open '${path}'`), { code: 'EIO' });
      return (real.open as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
    },
    readdir: async (path: string, ...rest: unknown[]) => {
      if (failing.path !== '' && path === failing.path) throw Object.assign(new Error(`EIO: i/o error, scandir '${path}'`), { code: 'EIO' });
      return (real.readdir as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
    },
  };
});

const { FileSystemAttestationStore } = await import('../../src/store/fs-store.ts');
const { classifyError } = await import('../../src/error-classification.ts');
const { ROOT, temporaryDirectory } = await import('../helpers.ts');
const { readFileSync } = await import('node:fs');
const { join } = await import('node:path');

describe('a file store whose disk fails', () => {
  it('raises StoreError (exit 3, HTTP 503), not bad input and not a verdict; a missing folder stays bad input', async () => {
    const root = await temporaryDirectory();
    const store = new FileSystemAttestationStore(root);
    expect((await store.list(`sha256:${'1a'.repeat(32)}`)).entries).toEqual([]);
    failing.path = root;
    const thrown = await store.list(`sha256:${'1a'.repeat(32)}`).catch((error: unknown) => error);
    expect(thrown).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', uri: store.uri });
    expect(classifyError(thrown)).toMatchObject({ kind: 'unavailable', exitCode: 3, httpStatus: 503 });
    failing.path = '';
    const missing = await new FileSystemAttestationStore(`${root}-gone`).list(`sha256:${'1a'.repeat(32)}`).catch((error: unknown) => error);
    expect(classifyError(missing)).toMatchObject({ kind: 'bad-input', exitCode: 2 });
  });

  it('raises StoreError when a stored bundle cannot be read, rather than skip it (an older pass must not stand in for it)', async () => {
    const root = await temporaryDirectory();
    const store = new FileSystemAttestationStore(root);
    const bytes = readFileSync(join(ROOT, 'test', 'fixtures', 'bundles', 'integrity-ecdsa-p256.sigstore.json'));
    const { locations } = await store.put(bytes);
    const subject = `sha256:${JSON.parse(Buffer.from(JSON.parse(bytes.toString('utf8')).dsseEnvelope.payload, 'base64').toString('utf8')).subject[0].digest.sha256}` as const;
    expect((await store.list(subject)).entries.map((entry) => 'bytes' in entry)).toEqual([true]);
    failing.open = locations[0]!;
    const thrown = await store.list(subject).catch((error: unknown) => error);
    failing.open = '';
    expect(thrown).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', message: expect.stringContaining(locations[0]!) });
    expect(classifyError(thrown)).toMatchObject({ exitCode: 3 });
  });

  it('lists nothing outside the store: a subject is a digest, never a path', async () => {
    const store = new FileSystemAttestationStore(await temporaryDirectory());
    await expect(store.list('sha256:/../../outside' as `sha256:${string}`)).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    const { resolveSubject } = await import('../../src/digest/artifact.ts');
    await expect(resolveSubject({ name: 'x', digest: 'sha256:../../etc' as `sha256:${string}` })).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
  });
});
