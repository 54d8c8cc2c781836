import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { temporaryDirectory } from '../helpers.ts';

// A stat that says "regular file" for paths ending in .swapped: the moment
// between stat and open when a file is replaced by a FIFO.
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    // Root reads every file, so a permission error is made here: open of *.denied fails as it would for another user.
    open: async (path: string, ...rest: unknown[]) => {
      if (String(path).endsWith('.denied')) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return (original.open as (...args: unknown[]) => unknown)(path, ...rest);
    },
    stat: async (path: string) => {
      const info = await original.stat(path);
      return String(path).endsWith('.swapped') ? Object.assign(Object.create(Object.getPrototypeOf(info)), info, { isFile: () => true, size: 10 }) : info;
    },
  };
});

const { MAX_JSON_DEPTH, parseJSONText, readBoundedFile } = await import('../../src/io/read.ts');
const { InputError } = await import('../../src/error.ts');

afterEach(() => vi.restoreAllMocks());

describe('readBoundedFile', () => {
  describe('when the file cannot be opened', () => {
    it('reports it as unreadable bad input, naming it, instead of crashing', async () => {
      const path = join(await temporaryDirectory(), 'bundle.json.denied');
      writeFileSync(path, '{}');
      await expect(readBoundedFile(path)).rejects.toThrowError(expect.objectContaining({ code: 'FILE_UNREADABLE', path, message: expect.stringMatching(/EACCES/) }));
    });
  });

  describe('when a regular file is swapped for a FIFO after it was measured', () => {
    it('refuses it at once instead of waiting for a writer', async () => {
      const fifo = join(await temporaryDirectory(), 'bundle.json.swapped');
      execFileSync('mkfifo', [fifo]);
      const started = Date.now();
      await expect(readBoundedFile(fifo)).rejects.toThrowError(expect.objectContaining({ code: 'FILE_UNREADABLE', message: 'file changed while being read' }));
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  describe('when a file is swapped for another after it was measured', () => {
    it('reads the file it measured or refuses, never a different one', async () => {
      const dir = await temporaryDirectory();
      const path = join(dir, 'a.json.swapped');
      writeFileSync(path, '0123456789');
      expect((await readBoundedFile(path)).toString()).toBe('0123456789');
    });
  });
});

describe('parseJSONText', () => {
  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses one more, without recursing`, () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(() => parseJSONText(nested(MAX_JSON_DEPTH), 'x')).not.toThrow();
    expect(() => parseJSONText(nested(MAX_JSON_DEPTH + 1), 'x')).toThrowError(expect.objectContaining({ code: 'JSON_INVALID' }));
    expect(() => parseJSONText(`{"a":${nested(1_000_000)}}`, 'x')).toThrowError(InputError);
  });

  it('counts brackets inside strings as text, not nesting', () => {
    expect(parseJSONText(JSON.stringify({ s: '['.repeat(500) + '\\"{'.repeat(200) }), 'x')).toEqual({ s: '['.repeat(500) + '\\"{'.repeat(200) });
  });

  it('refuses numbers beyond a double instead of reading them as Infinity', () => {
    expect(() => parseJSONText('{"x": 1e400}', 'f.json')).toThrowError(/too large for a double/);
    expect(() => parseJSONText('[-1e400]', 'f.json')).toThrowError(/too large for a double/);
    expect(parseJSONText('{"x": 1e300}', 'f.json')).toEqual({ x: 1e300 });
  });
});
