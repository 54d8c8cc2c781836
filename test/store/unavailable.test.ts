import { describe, expect, it, vi } from 'vitest';

// The file system answers EIO for one folder: what a failing disk or a stale network mount does.
const failing = vi.hoisted(() => ({ path: '' }));
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    readdir: async (path: string, ...rest: unknown[]) => {
      if (failing.path !== '' && path === failing.path) throw Object.assign(new Error(`EIO: i/o error, scandir '${path}'`), { code: 'EIO' });
      return (real.readdir as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
    },
  };
});

const { FileSystemAttestationStore } = await import('../../src/store/fs-store.ts');
const { classifyError } = await import('../../src/error-classification.ts');
const { temporaryDirectory } = await import('../helpers.ts');

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
});
