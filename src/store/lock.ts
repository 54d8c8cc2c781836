import { mkdirSync } from 'node:fs';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../digest/sha256.ts';
import { StoreError } from './error.ts';

/** How long a writer waits for a lock before the store counts as unavailable. */
const LOCK_TIMEOUT_MS = 120_000;

// Work queued per key in this process: one at a time, in arrival order.
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` holding the lock named `key`, in this process and against every
 * gatehouse process on this machine: a registry has no compare-and-swap, so a
 * read-modify-write of a tag (the referrers tag index, the inventory) is only
 * safe when its writers take turns. Across processes the lock is a file
 * created exclusively in the machine's temporary directory, holding its
 * owner's pid; a lock whose owner has died (kill -9) is taken over. Writers on
 * other machines are not excluded: see the OCI store's comments.
 */
export async function withLock<T>(key: string, uri: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const turn = before.catch(() => undefined).then(() => withFileLock(key, uri, work));
  const settled = turn.catch(() => undefined);
  queues.set(key, settled);
  try {
    return await turn;
  } finally {
    if (queues.get(key) === settled) queues.delete(key);
  }
}

async function withFileLock<T>(key: string, uri: string, work: () => Promise<T>): Promise<T> {
  const directory = join(tmpdir(), 'gatehouse-locks');
  mkdirSync(directory, { recursive: true, mode: 0o1777 });
  const path = join(directory, `${sha256Hex(key)}.lock`);
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    // Written whole under a name of its own, then linked into place: link refuses a name that
    // exists, so the lock appears at once with its owner in it, never empty.
    const mine = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      await writeFile(mine, `${process.pid}\n`, { mode: 0o644 });
      await link(mine, path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError({ code: 'UNAVAILABLE', message: `cannot take the lock ${path}: ${(error as Error).message}`, uri, cause: error });
    } finally {
      await rm(mine, { force: true });
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    // An owner that died holding it (kill -9) is no owner. Two waiters that both find it dead may
    // both remove it, one the other's new lock: a rare race after a crash, not in normal running.
    if (Number.isSafeInteger(owner) && owner > 0 && !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StoreError({ code: 'UNAVAILABLE', message: `process ${owner} has held the lock ${path} for over ${LOCK_TIMEOUT_MS / 1000} s`, uri });
    await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
