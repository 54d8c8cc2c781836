import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { compareCodePoints } from '../canonical/compare.ts';
import { describeThrown } from '../error.ts';
import { DigestError } from './error.ts';
import { hashFileRange } from './hash-range.ts';
import type { HashPool, HashTask } from './pool.ts';

/**
 * How a model directory becomes a manifest, as the OpenSSF model-signing
 * library (model_signing v1) defines it: one SHA-256 per file, or one per
 * fixed-size shard of each file.
 */
export type Serialization = { method: 'files' } | { method: 'shards'; shardSize: number };

/** model-signing's default shard size (1 GB, decimal). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/**
 * Paths model-signing leaves out by default (git metadata), plus `model.sig`,
 * the conventional name of its signature, so the digest of a signed model
 * directory is the digest its signature is about.
 */
export const DEFAULT_IGNORE_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore', 'model.sig'];

/** One manifest entry: a file ("path") or shard ("path:start:end") and its SHA-256. */
export interface ManifestResource {
  name: string;
  digest: string;
}

/** The manifest of a model directory and its single digest. */
export interface ModelManifest {
  /** Final component of the model path; informative only, not part of any digest. */
  modelName: string;
  serialization: Serialization;
  ignorePaths: string[];
  /** Sorted as model-signing sorts them: by path components, then shard offsets. */
  resources: ManifestResource[];
  /** SHA-256 over the concatenated raw resource digests, in order (model-signing's subject digest). */
  digest: string;
  /** Bytes hashed. */
  totalBytes: number;
}

export interface ModelDigestOptions {
  serialization?: Serialization;
  /** Paths relative to the model root, POSIX separators; a directory excludes everything below it. */
  ignorePaths?: readonly string[];
  /** Hash on up to this many worker threads (default: available parallelism). */
  workers?: number;
  /** Reuse a pool across calls (its size wins over `workers`). */
  pool?: HashPool;
  /** Called as each file or shard is hashed, with the bytes hashed so far and in all. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

// Below this many bytes the cost of starting workers outweighs the parallelism.
const INLINE_BYTES = 64 * 1024 * 1024;

interface FileEntry {
  parts: string[];
  absolute: string;
  size: number;
}

interface PlannedResource {
  parts: string[];
  start: number;
  end: number;
  name: string;
  task: HashTask;
}

/** Hashes a model directory into a model-signing compatible manifest. */
export async function hashModelDirectory(directory: string, options: ModelDigestOptions = {}): Promise<ModelManifest> {
  const serialization = options.serialization ?? { method: 'files' };
  if (serialization.method === 'shards' && !(Number.isSafeInteger(serialization.shardSize) && serialization.shardSize > 0)) {
    throw new DigestError({ code: 'USAGE', message: `shard size must be a positive integer, got ${serialization.shardSize}` });
  }
  const ignorePaths = [...(options.ignorePaths ?? DEFAULT_IGNORE_PATHS)].map(normaliseRelative);
  const root = resolve(directory);
  const files = await listFiles(root, ignorePaths);
  const planned = plan(files, serialization);
  planned.sort((a, b) => compareResources(a, b));
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const digests = await hashAll(planned.map((p) => p.task), totalBytes, options);
  const root256 = createHash('sha256');
  const resources = planned.map((p, i) => {
    root256.update(digests[i]!);
    return { name: p.name, digest: digests[i]!.toString('hex') };
  });
  return {
    modelName: basename(root),
    serialization,
    ignorePaths,
    resources,
    digest: root256.digest('hex'),
    totalBytes,
  };
}

/** SHA-256 (hex) of a whole file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const info = await statPath(path);
  if (!info.isFile()) throw new DigestError({ code: 'ARTIFACT_INVALID', message: 'not a regular file', path });
  return (await hashChecked({ path, start: 0, end: info.size })).toString('hex');
}

async function hashAll(tasks: HashTask[], totalBytes: number, options: ModelDigestOptions): Promise<Buffer[]> {
  let done = 0;
  const progressed = (task: HashTask) => {
    done += span(task);
    options.onProgress?.(done, totalBytes);
  };
  options.onProgress?.(0, totalBytes);
  if (options.pool === undefined && (tasks.length <= 1 || totalBytes < INLINE_BYTES || options.workers === 1)) {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    const digests: Buffer[] = [];
    for (const task of tasks) {
      digests.push(await hashChecked(task, buffer));
      progressed(task);
    }
    return digests;
  }
  // Worker threads load only when a digest needs them, not with every command that may digest a file.
  // Stryker disable next-line MethodExpression: speed only; Math.max asks for more workers than tasks, and a pool starts one per task at most.
  const pool = options.pool ?? new (await import('./pool.ts')).HashPool(Math.min(options.workers ?? availableParallelism(), tasks.length));
  try {
    // Largest ranges first keeps the workers evenly loaded to the end.
    const order = tasks.map((_, i) => i);
    // Stryker disable next-line all: speed only; each digest is stored at its task's index whatever the order.
    order.sort((a, b) => span(tasks[b]!) - span(tasks[a]!));
    // Stryker disable next-line ArrayDeclaration: speed only; an array made empty grows as the digests are stored.
    const digests = new Array<Buffer>(tasks.length);
    await Promise.all(
      order.map(async (i) => {
        digests[i] = await pool.hash(tasks[i]!).catch((error: unknown) => {
          throw changedError(tasks[i]!.path, error);
        });
        progressed(tasks[i]!);
      }),
    );
    return digests;
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

function span(task: HashTask): number {
  return task.end - task.start;
}

async function hashChecked(task: HashTask, buffer?: Buffer): Promise<Buffer> {
  try {
    return await hashFileRange(task.path, task.start, task.end, buffer);
  } catch (error) {
    throw changedError(task.path, error);
  }
}

function changedError(path: string, error: unknown): DigestError {
  return new DigestError({ code: 'FILE_UNREADABLE', message: `cannot hash: ${describeThrown(error)}`, path, cause: error });
}

function plan(files: FileEntry[], serialization: Serialization): PlannedResource[] {
  const planned: PlannedResource[] = [];
  for (const file of files) {
    const name = file.parts.join('/');
    if (serialization.method === 'files') {
      planned.push({ parts: file.parts, start: 0, end: file.size, name, task: { path: file.absolute, start: 0, end: file.size } });
      continue;
    }
    // As model-signing does: an empty file has no shards, and the last shard
    // ends at the file's end.
    for (let start = 0; start < file.size; start += serialization.shardSize) {
      const end = Math.min(start + serialization.shardSize, file.size);
      planned.push({ parts: file.parts, start, end, name: `${name}:${start}:${end}`, task: { path: file.absolute, start, end } });
    }
  }
  return planned;
}

async function listFiles(root: string, ignorePaths: string[]): Promise<FileEntry[]> {
  const info = await statPath(root);
  if (!info.isDirectory()) throw new DigestError({ code: 'ARTIFACT_INVALID', message: 'not a directory', path: root });
  const files: FileEntry[] = [];
  const pending: string[][] = [[]];
  while (pending.length > 0) {
    const parts = pending.pop()!;
    const absoluteDir = join(root, ...parts);
    let entries;
    try {
      entries = await readdir(absoluteDir, { withFileTypes: true });
    } catch (cause) {
      throw new DigestError({ code: 'FILE_UNREADABLE', message: `cannot list directory: ${describeThrown(cause)}`, path: absoluteDir, cause });
    }
    for (const entry of entries) {
      const childParts = [...parts, entry.name];
      if (isIgnored(childParts, ignorePaths)) continue;
      const absolute = join(absoluteDir, entry.name);
      if (entry.isSymbolicLink()) {
        throw new DigestError({ code: 'ARTIFACT_INVALID', message: 'is a symbolic link; model directories are hashed without following links', path: absolute });
      }
      if (entry.isDirectory()) {
        pending.push(childParts);
      } else if (entry.isFile()) {
        const stats = await statPath(absolute);
        files.push({ parts: childParts, absolute, size: stats.size });
      } else {
        throw new DigestError({ code: 'ARTIFACT_INVALID', message: 'is not a regular file or directory', path: absolute });
      }
    }
  }
  return files;
}

function isIgnored(parts: string[], ignorePaths: string[]): boolean {
  const path = parts.join('/');
  return ignorePaths.some((ignored) => path === ignored || path.startsWith(`${ignored}/`));
}

function normaliseRelative(path: string): string {
  return path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.').join('/');
}

/** lstat of a path, refused as FILE_NOT_FOUND when it is missing and FILE_UNREADABLE, with the reason, otherwise. */
export async function statPath(path: string) {
  try {
    return await lstat(path);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DigestError({
      code: missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      message: missing ? 'no such file or directory' : `cannot read: ${describeThrown(cause)}`,
      path,
      cause,
    });
  }
}

// Python's PurePosixPath ordering: component lists compared element-wise by
// code point, then shard start and end as numbers.
function compareResources(a: Pick<PlannedResource, 'parts' | 'start' | 'end'>, b: Pick<PlannedResource, 'parts' | 'start' | 'end'>): number {
  const length = Math.min(a.parts.length, b.parts.length);
  for (let i = 0; i < length; i++) {
    const order = compareCodePoints(a.parts[i]!, b.parts[i]!);
    if (order !== 0) return order;
  }
  return a.parts.length - b.parts.length || a.start - b.start || a.end - b.end;
}

/**
 * The model-signing manifest of files hashed elsewhere (an OCI artifact's
 * layers, one file each, verified against their digests): the same ignore
 * paths, order and digest as hashModelDirectory with the `files`
 * serialization, so a model folder and the same files pushed to a registry
 * have one directory digest. `path` is POSIX, relative to the model root.
 */
export function manifestOfHashedFiles(modelName: string, files: ReadonlyArray<{ path: string; sha256: string; size: number }>, ignorePathsGiven: readonly string[] = DEFAULT_IGNORE_PATHS): ModelManifest {
  const ignorePaths = ignorePathsGiven.map(normaliseRelative);
  const kept = files
    .map((file) => ({ parts: normaliseRelative(file.path).split('/'), start: 0, end: file.size, file }))
    .filter((entry) => !isIgnored(entry.parts, ignorePaths))
    .sort((a, b) => compareResources(a, b));
  const root256 = createHash('sha256');
  const resources = kept.map((entry) => {
    root256.update(Buffer.from(entry.file.sha256, 'hex'));
    return { name: entry.parts.join('/'), digest: entry.file.sha256 };
  });
  return {
    modelName,
    serialization: { method: 'files' },
    ignorePaths,
    resources,
    digest: root256.digest('hex'),
    totalBytes: kept.reduce((sum, entry) => sum + entry.end, 0),
  };
}
