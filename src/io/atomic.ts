import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../error.ts';

/** Suffix of the temporary files `writeFileAtomic` creates; readers skip them. */
export const TEMP_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  /** File mode of the final file (default 0o644). */
  mode?: number;
}

/**
 * Writes `data` to `path` so that readers see either the old file or the whole
 * new one: temp file in the same directory, fsync, rename, fsync the directory.
 * A crash at any point leaves at most a stray `*.tmp` file, never a partial `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  await prepareOutputFile(path);
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644).catch((error: unknown) => {
    throw pathProblem(error, path);
  });
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes ready to write `path`: refuses a directory, creates the folders it
 * lies in. A command calls it for every file it will write before doing the
 * work, so a bad path is bad input before anything is written.
 */
export async function prepareOutputFile(path: string): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.isDirectory() === true) throw new InputError({ code: 'USAGE', message: 'is a directory: name a file to write', path });
  await ensureDirectory(dirname(path));
}

/**
 * Creates `directory` and its parents as needed. A path the user named that
 * cannot be a folder (a part of it is a file, or it may not be written) is
 * bad input naming the part at fault, not an internal error.
 */
export async function ensureDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      let part = directory;
      while (dirname(part) !== part && (await stat(part).catch(() => undefined)) === undefined) part = dirname(part);
      throw new InputError({ code: 'USAGE', message: 'is a file, not a folder', path: part, cause: error });
    }
    throw pathProblem(error, directory);
  }
}

// Failures of a path the user chose, said as bad input; anything else (a full disk, an I/O error) stays as it is.
const PATH_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'on a read-only file system',
  EISDIR: 'is a directory: name a file to write',
  ENAMETOOLONG: 'name too long',
};

function pathProblem(error: unknown, path: string): unknown {
  const problem = PATH_PROBLEMS[(error as NodeJS.ErrnoException).code ?? ''];
  return problem === undefined ? error : new InputError({ code: 'USAGE', message: `cannot write here: ${problem}`, path, cause: error });
}
