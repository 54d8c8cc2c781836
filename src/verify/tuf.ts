import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { InputError, describeThrown } from '../error.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { parseJSON } from '../io/read.ts';
import { TrustRootError } from './error.ts';
import { trustedRootFromJSON } from './trust.ts';

/** The Sigstore public-good TUF repository, whose initial root ships inside @sigstore/tuf. */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

const TRUSTED_ROOT_TARGET = 'trusted_root.json';

/** Which TUF repository to take the Sigstore trusted root from, and where to cache it. */
export interface TUFTrustedRootOptions {
  /** The repository (default: the public-good instance). */
  mirrorURL?: string;
  /**
   * The repository's initial root.json, trusted on first use and then only
   * through root rotations the repository signs. Needed for any repository
   * other than the public-good one (whose root is embedded), unless the cache
   * already holds a root for it.
   */
  rootPath?: string;
  /** Default: gatehouse/tuf under the user's cache directory (XDG_CACHE_HOME, else ~/.cache). */
  cacheDirectory?: string;
  /** Milliseconds each request may take (default 5000). */
  timeoutMs?: number;
  /** Retries of a request that failed to connect or got a 5xx (default 2). */
  retries?: number;
}

/** A trusted root as TUF delivered it: the parsed root, the sha256 of its exact bytes, and where it came from. */
export interface TUFTrustedRoot {
  trustedRoot: TrustedRoot;
  /** sha256:<hex> of trusted_root.json as the repository's signed targets name it. */
  digest: string;
  mirrorURL: string;
  /** True when the repository did not answer (or served expired metadata) and the still-valid cache answered. */
  fromCache: boolean;
}

/** The directory TUF metadata and trusted roots are cached in when none is given. */
export function defaultTUFCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches') : join(homedir(), '.cache');
  return join(base, 'gatehouse', 'tuf');
}

/**
 * Takes the Sigstore trusted root from a TUF repository, as cosign and
 * sigstore-js do: from the pinned initial root (embedded for the public-good
 * instance) through every root rotation, with timestamp, snapshot and targets
 * checked for signatures, versions (no rollback) and expiry, and the target
 * checked against its signed hash. When the repository does not answer, or
 * serves expired metadata, a cache whose metadata has not expired answers
 * instead; once that has expired too nothing does (TUF_UNREACHABLE,
 * TUF_EXPIRED). A repository serving metadata or a target that does not
 * verify is refused (TUF_REFUSED), never worked around from the cache: it is
 * under attack or broken, and its cache says nothing about which.
 *
 * Every root delivered is also kept by digest, so a replay can use the exact
 * root a decision was made with (see readPinnedTrustedRoot).
 */
export async function fetchTUFTrustedRoot(options: TUFTrustedRootOptions = {}): Promise<TUFTrustedRoot> {
  const mirrorURL = (options.mirrorURL ?? PUBLIC_GOOD_TUF_MIRROR).replace(/\/+$/, '');
  const cacheDirectory = options.cacheDirectory ?? defaultTUFCacheDirectory();
  let url: URL;
  try {
    url = new URL(mirrorURL);
  } catch {
    throw new InputError({ code: 'USAGE', message: `--tuf-mirror: not a URL: ${JSON.stringify(mirrorURL)}` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError({ code: 'USAGE', message: `--tuf-mirror: expected an https URL, got ${JSON.stringify(mirrorURL)}` });
  // @sigstore/tuf keeps one folder a repository under the cache path, named so.
  const repositoryCache = join(cacheDirectory, encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
  if (options.rootPath !== undefined) {
    if (!existsSync(options.rootPath)) throw new InputError({ code: 'FILE_NOT_FOUND', message: 'TUF root not found', path: options.rootPath });
    parseJSON(readFileSync(options.rootPath), options.rootPath);
  } else if (mirrorURL !== PUBLIC_GOOD_TUF_MIRROR && !existsSync(join(repositoryCache, 'root.json'))) {
    throw new InputError({ code: 'USAGE', message: `--tuf-mirror ${mirrorURL} needs --tuf-root FILE: gatehouse embeds the initial root of ${PUBLIC_GOOD_TUF_MIRROR} only` });
  }
  const { initTUF } = await import('@sigstore/tuf');
  const read = async (forceCache: boolean): Promise<string> => {
    const client = await initTUF({
      mirrorURL,
      cachePath: cacheDirectory,
      ...(options.rootPath === undefined ? {} : { rootPath: options.rootPath }),
      forceCache,
      timeout: options.timeoutMs ?? 5000,
      retry: { retries: options.retries ?? 2 },
    });
    return client.getTarget(TRUSTED_ROOT_TARGET);
  };
  let text: string;
  let fromCache = false;
  try {
    text = await read(false);
  } catch (online) {
    const kind = tufFailureKind(online);
    if (kind === 'refused') {
      throw new TrustRootError({ code: 'TUF_REFUSED', message: `TUF repository ${mirrorURL} served metadata that does not verify: ${describeTUFFailure(online)}`, cause: online });
    }
    const what = kind === 'expired' ? `serves expired metadata (${describeTUFFailure(online)})` : `is unreachable (${describeTUFFailure(online)})`;
    const cache = cacheState(repositoryCache);
    const unusable = (cause: unknown) =>
      new TrustRootError({ code: kind === 'expired' || cache.expired ? 'TUF_EXPIRED' : 'TUF_UNREACHABLE', message: `TUF repository ${mirrorURL} ${what}, and ${cache.description}`, cause });
    // With no cached metadata, or only expired metadata, tuf-js would ask the repository again (and retry).
    if (!cache.present || cache.expired) throw unusable(online);
    try {
      // forceCache takes the cached timestamp, snapshot and targets while none has expired.
      text = await read(true);
      fromCache = true;
    } catch (offline) {
      throw unusable(offline);
    }
  }
  const bytes = Buffer.from(text, 'utf8');
  const digest = `sha256:${sha256Hex(bytes)}`;
  const trustedRoot = trustedRootFromJSON(parseJSON(bytes, `${mirrorURL}/targets/${TRUSTED_ROOT_TARGET}`), `${mirrorURL}/targets/${TRUSTED_ROOT_TARGET}`);
  await keepPinned(cacheDirectory, mirrorURL, digest, bytes);
  return { trustedRoot, digest, mirrorURL, fromCache };
}

/**
 * A trusted root by the digest a decision record pinned, from the roots
 * fetchTUFTrustedRoot kept for that repository; undefined when this cache
 * never held it.
 */
export async function readPinnedTrustedRoot(digest: string, mirrorURL: string = PUBLIC_GOOD_TUF_MIRROR, cacheDirectory: string = defaultTUFCacheDirectory()): Promise<TrustedRoot | undefined> {
  const path = pinnedPath(cacheDirectory, mirrorURL, digest);
  if (path === undefined || !existsSync(path)) return undefined;
  const bytes = await readFile(path);
  // The file is named by its digest; a copy that no longer has it is not that root.
  if (`sha256:${sha256Hex(bytes)}` !== digest) return undefined;
  return trustedRootFromJSON(parseJSON(bytes, path), path);
}

// Kept by repository and digest: a root one repository served is never taken for another's.
function pinnedPath(cacheDirectory: string, mirrorURL: string, digest: string): string | undefined {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  return hex === undefined ? undefined : join(cacheDirectory, 'trusted-roots', encodeURIComponent(mirrorURL.replace(/\/+$/, '')), `${hex}.json`);
}

async function keepPinned(cacheDirectory: string, mirrorURL: string, digest: string, bytes: Buffer): Promise<void> {
  const path = pinnedPath(cacheDirectory, mirrorURL, digest)!;
  if (existsSync(path)) return;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

type TUFFailureKind = 'unreachable' | 'expired' | 'refused';

// What a failed refresh says about the repository. Only "did not answer" and
// "answered with expired metadata" let a valid cache stand in; anything else
// (a bad signature, a rollback, a hash or length mismatch, a failure this
// does not recognise) is a refusal.
function tufFailureKind(failure: unknown): TUFFailureKind {
  const chain = causes(failure);
  // tuf-js folds what went wrong with snapshot and targets into a RuntimeError's message, without a cause.
  const folded = (error: Error, pattern: RegExp) => error.constructor.name === 'RuntimeError' && pattern.test(error.message);
  if (chain.some((error) => error.constructor.name === 'ExpiredMetadataError' || folded(error, /^Unable to load (snapshot metadata|targets) error Error: \S+\.json is expired$/))) return 'expired';
  const unreachable = chain.some(
    (error) =>
      error.constructor.name === 'DownloadHTTPError' ||
      error.name === 'AbortError' ||
      error.name === 'TimeoutError' ||
      // undici: no connection ("fetch failed"), or the connection closed before the whole body came ("terminated").
      (error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated')) ||
      folded(error, /fetch failed|Failed to download|TimeoutError|aborted|terminated/),
  );
  return unreachable ? 'unreachable' : 'refused';
}

function causes(failure: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = failure;
  while (current instanceof Error && chain.length < 10) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}

function describeTUFFailure(failure: unknown): string {
  const chain = causes(failure);
  const innermost = chain.at(-1);
  const code = (innermost as { code?: unknown } | undefined)?.code;
  const status = (chain.find((error) => error.constructor.name === 'DownloadHTTPError') as { statusCode?: number } | undefined)?.statusCode;
  const detail = [innermost === undefined ? describeThrown(failure) : innermost.message, status === undefined ? '' : `HTTP ${status}`, typeof code === 'string' ? code : ''].filter((part) => part !== '');
  return [...new Set(detail)].join(', ');
}

// What the cache holds for the repository, and why it cannot stand in, for the one line the user reads.
function cacheState(repositoryCache: string): { present: boolean; expired: boolean; description: string } {
  const timestampPath = join(repositoryCache, 'timestamp.json');
  if (!existsSync(timestampPath)) return { present: false, expired: false, description: `the cache ${repositoryCache} holds no metadata from it to work offline with` };
  try {
    const expires = (JSON.parse(readFileSync(timestampPath, 'utf8')) as { signed?: { expires?: unknown } }).signed?.expires;
    if (typeof expires === 'string' && Date.parse(expires) <= Date.now()) return { present: true, expired: true, description: `its cached metadata in ${repositoryCache} expired at ${expires}` };
  } catch {
    // An unreadable cache is reported as unusable below.
  }
  return { present: true, expired: false, description: `its cached metadata in ${repositoryCache} is not usable offline (incomplete, expired, or not matching its signed hashes)` };
}
