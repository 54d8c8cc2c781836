// The Sigstore trusted root through TUF, against a real tuf-js client and a
// repository built from @tufjs/repo-mock keys: what is delivered, what is
// refused (a rotation the old root did not sign, expiry, rollback, a tampered
// target) and what the cache answers when the repository does not: a closed
// port, an HTTP error, a request that times out.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/error.ts';
import { TrustRootError } from '../../src/verify/error.ts';
import { PUBLIC_GOOD_TUF_MIRROR, defaultTUFCacheDirectory, fetchTUFTrustedRoot, readPinnedTrustedRoot, type TUFTrustedRootOptions } from '../../src/verify/tuf.ts';
import { clearMock, mockRepo } from '@tufjs/repo-mock';
import { rejection } from '../support/refusal.ts';
import { TUFTestRepository } from '../support/tuf-repository.ts';

const PUBLIC_GOOD_ROOT = readFileSync('test/fixtures/real-world/trust/public-good.trusted_root.json');
const STAGING_ROOT = readFileSync('test/fixtures/real-world/trust/staging.trusted_root.json');
const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let repository: TUFTestRepository;
let directory: string;
let rootPath: string;

beforeEach(async () => {
  repository = await TUFTestRepository.start();
  directory = mkdtempSync(join(tmpdir(), 'gatehouse-tuf-'));
  rootPath = join(directory, 'root.json');
  writeFileSync(rootPath, repository.initialRoot);
});

afterEach(async () => {
  vi.useRealTimers();
  await repository.stop();
  rmSync(directory, { recursive: true, force: true });
});

const options = (cache = 'cache'): TUFTrustedRootOptions => ({ mirrorURL: repository.url, rootPath, cacheDirectory: join(directory, cache), retries: 0, timeoutMs: 2000 });
// The folder @sigstore/tuf keeps the repository's metadata in, and the file a delivered root is kept in by digest.
const repositoryCache = (cache = 'cache') => join(directory, cache, encodeURIComponent(new URL(repository.url).host));
const pinnedCopy = (digest: string, cache = 'cache') => join(directory, cache, 'trusted-roots', encodeURIComponent(repository.url), `${digest.replace(/^sha256:/, '')}.json`);
const requestsFor = (path: string) => repository.requests.filter((requested) => requested === path).length;

describe('fetchTUFTrustedRoot', () => {
  describe('when the repository serves a signed trusted root', () => {
    it('delivers it with the digest of its exact bytes, and keeps it by digest for replays', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const fetched = await fetchTUFTrustedRoot(options());
      expect(fetched.digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      expect(fetched.fromCache).toBe(false);
      expect(fetched.trustedRoot.tlogs[0]?.baseUrl).toBe('https://rekor.sigstore.dev');
      const pinned = await readPinnedTrustedRoot(fetched.digest, repository.url, join(directory, 'cache'));
      expect(pinned).toEqual(fetched.trustedRoot);
      expect(await readPinnedTrustedRoot(digestOf(STAGING_ROOT), repository.url, join(directory, 'cache'))).toBeUndefined();
      // Kept for this repository only.
      expect(await readPinnedTrustedRoot(fetched.digest, 'https://tuf.other.test', join(directory, 'cache'))).toBeUndefined();
    });

    it('takes the mirror URL without its trailing slashes', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const fetched = await fetchTUFTrustedRoot({ ...options(), mirrorURL: `${repository.url}//` });
      expect(fetched.mirrorURL).toBe(repository.url);
      expect(await readPinnedTrustedRoot(fetched.digest, repository.url, join(directory, 'cache'))).toEqual(fetched.trustedRoot);
    });

    it('leaves a root it already keeps as it was written, so a replay reads the copy its decision pinned', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const { digest } = await fetchTUFTrustedRoot(options());
      const kept = statSync(pinnedCopy(digest)).ino;
      await fetchTUFTrustedRoot(options());
      expect(statSync(pinnedCopy(digest)).ino).toBe(kept);
    });
  });

  describe('when the signed trusted_root.json is not a trusted root', () => {
    it('refuses one that is not JSON (JSON_INVALID), naming where it came from', async () => {
      repository.publish({ 'trusted_root.json': 'not JSON' });
      const error = await rejection(fetchTUFTrustedRoot(options()), InputError);
      expect(error.code).toBe('JSON_INVALID');
      expect(error.path).toBe(`${repository.url}/targets/trusted_root.json`);
    });

    it('refuses JSON that is not a Sigstore trusted root (SCHEMA_INVALID), naming where it came from', async () => {
      repository.publish({ 'trusted_root.json': '{"mediaType": "text/plain"}' });
      const error = await rejection(fetchTUFTrustedRoot(options()), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.message).toContain('not a valid Sigstore trusted root');
      expect(error.path).toBe(`${repository.url}/targets/trusted_root.json`);
    });
  });

  describe("on @tufjs/repo-mock's own mock repository", () => {
    it('delivers the target it signs', async () => {
      // repo-mock answers through its own nock (which intercepts fetch), once per file.
      const baseURL = 'http://tuf.repo-mock.test';
      const root = mockRepo(baseURL, [{ name: 'trusted_root.json', content: PUBLIC_GOOD_ROOT.toString('utf8') }], { targetPathPrefix: '/metadata/targets' });
      try {
        writeFileSync(join(directory, 'repo-mock-root.json'), root);
        const fetched = await fetchTUFTrustedRoot({ mirrorURL: `${baseURL}/metadata`, rootPath: join(directory, 'repo-mock-root.json'), cacheDirectory: join(directory, 'repo-mock'), retries: 0 });
        expect(fetched.digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      } finally {
        clearMock();
      }
    });
  });

  describe('when the root is rotated', () => {
    it('follows a rotation the old root signed, to the root the new keys publish', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options())).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      repository.rotateRoot({ 'trusted_root.json': STAGING_ROOT });
      const fetched = await fetchTUFTrustedRoot(options());
      expect(fetched.digest).toBe(digestOf(STAGING_ROOT));
      expect(repository.requests).toContain('2.root.json');
    });

    it('keeps the root from before the rotation too, so a replay of an older decision still finds it', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const before = await fetchTUFTrustedRoot(options());
      repository.rotateRoot({ 'trusted_root.json': STAGING_ROOT });
      const after = await fetchTUFTrustedRoot(options());
      expect(await readPinnedTrustedRoot(before.digest, repository.url, join(directory, 'cache'))).toEqual(before.trustedRoot);
      expect(await readPinnedTrustedRoot(after.digest, repository.url, join(directory, 'cache'))).toEqual(after.trustedRoot);
    });

    it('refuses a rotation only the new keys signed (TUF_REFUSED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options())).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      repository.rotateRoot({ 'trusted_root.json': STAGING_ROOT }, { signedByOldRoot: false });
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_REFUSED');
      expect(error.message).toContain(repository.url);
    });
  });

  describe('when the timestamp has expired', () => {
    it('refuses it when no cached metadata is valid (TUF_EXPIRED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options('fresh'))).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT }, { timestampExpires: new Date(Date.now() - 60_000) });
      const error = await rejection(fetchTUFTrustedRoot(options('empty')), TrustRootError);
      expect(error.code).toBe('TUF_EXPIRED');
      expect(error.message).toMatch(/serves expired metadata .*timestamp.*holds no metadata/);
    });

    it('answers from a cache whose metadata is still valid', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      await fetchTUFTrustedRoot(options());
      repository.publish({ 'trusted_root.json': STAGING_ROOT }, { timestampExpires: new Date(Date.now() - 60_000) });
      const fetched = await fetchTUFTrustedRoot(options());
      expect(fetched).toMatchObject({ digest: digestOf(PUBLIC_GOOD_ROOT), fromCache: true });
    });
  });

  describe('when the repository rolls back to older metadata', () => {
    it('refuses the older versions a client has seen newer ones of (TUF_REFUSED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.publish({ 'trusted_root.json': STAGING_ROOT });
      expect((await fetchTUFTrustedRoot(options())).digest).toBe(digestOf(STAGING_ROOT));
      repository.rollBackTo(0);
      // A client that never saw version 2 takes version 1: the refusal below is for the rollback.
      expect((await fetchTUFTrustedRoot(options('new-client'))).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_REFUSED');
      expect(error.message).toMatch(/version/i);
    });
  });

  describe('when a target is tampered with', () => {
    it('refuses bytes other than the signed hash names (TUF_REFUSED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options('before'))).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      // The same length, so the signed hash, not the signed length, is what refuses it.
      const tampered = Buffer.from(PUBLIC_GOOD_ROOT.toString('utf8').replace('https://rekor.sigstore.dev', 'https://rekor.attacker.dev'));
      expect(tampered.length).toBe(PUBLIC_GOOD_ROOT.length);
      expect(tampered.equals(PUBLIC_GOOD_ROOT)).toBe(false);
      repository.tamperTarget('trusted_root.json', tampered);
      const error = await rejection(fetchTUFTrustedRoot(options('after')), TrustRootError);
      expect(error.code).toBe('TUF_REFUSED');
      expect(error.message).toMatch(/hash/i);
      expect(await readPinnedTrustedRoot(digestOf(tampered), repository.url, join(directory, 'after'))).toBeUndefined();
    });
  });

  describe('when the repository serves metadata that is not what its roles signed', () => {
    it('refuses a timestamp.json that is not TUF metadata (TUF_REFUSED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.tamperMetadata('timestamp.json', '{}');
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_REFUSED');
      expect(error.message).toContain('served metadata that does not verify: signed is not defined');
    });

    it('refuses a snapshot.json other than the timestamp names (TUF_REFUSED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.tamperMetadata('snapshot.json', '{}');
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_REFUSED');
      expect(error.message).toContain('served metadata that does not verify: Unable to load snapshot metadata');
    });
  });

  describe('when the repository is unreachable', () => {
    it('answers offline from a valid cache, then fails closed once the cached metadata expires (TUF_EXPIRED)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT }, { expires: new Date(Date.now() + 60 * 60_000) });
      const online = await fetchTUFTrustedRoot(options());
      await repository.stop();
      const offline = await fetchTUFTrustedRoot(options());
      expect(offline).toMatchObject({ digest: online.digest, fromCache: true });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 2 * 60 * 60_000);
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_EXPIRED');
      expect(error.message).toMatch(/is unreachable .*cached metadata in .* expired at/);
    });

    it('counts cached metadata that expires at this very moment as expired (TUF_EXPIRED)', async () => {
      const expires = new Date(Math.floor(Date.now() / 1000) * 1000 + 60 * 60_000);
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT }, { expires });
      await fetchTUFTrustedRoot(options());
      await repository.stop();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(expires);
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_EXPIRED');
      expect(error.message).toContain(`its cached metadata in ${repositoryCache()} expired at ${expires.toISOString().replace('.000Z', 'Z')}`);
    });

    it('says cached metadata it cannot read is not usable offline (TUF_UNREACHABLE)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      await fetchTUFTrustedRoot(options());
      await repository.stop();
      writeFileSync(join(repositoryCache(), 'timestamp.json'), 'not JSON');
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`and its cached metadata in ${repositoryCache()} is not usable offline`);
    });

    it('fails closed with no cache (TUF_UNREACHABLE), naming the repository and the cache', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options('while-up'))).fromCache).toBe(false);
      await repository.stop();
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      const port = new URL(repository.url).host;
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable (connect ECONNREFUSED ${port}, ECONNREFUSED), and the cache ${repositoryCache()} holds no metadata`);
    });
  });

  describe('when the repository answers with an HTTP error', () => {
    it('answers from a valid cache, as for a repository that does not answer', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const online = await fetchTUFTrustedRoot(options());
      repository.fail('timestamp.json', { status: 503 });
      expect(await fetchTUFTrustedRoot(options())).toMatchObject({ digest: online.digest, fromCache: true });
    });

    it('fails closed with no cache (TUF_UNREACHABLE), naming the status', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('timestamp.json', { status: 500 });
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable (Failed to download, HTTP 500), and the cache`);
    });

    it('does not ask again when no cached metadata could stand in', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('timestamp.json', { status: 500 });
      await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(requestsFor('timestamp.json')).toBe(1);
    });

    it('asks again as many times as `retries` says', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('timestamp.json', { status: 500 });
      await rejection(fetchTUFTrustedRoot({ ...options(), retries: 1 }), TrustRootError);
      expect(requestsFor('timestamp.json')).toBe(2);
    });

    it('takes a snapshot.json it cannot download for unreachable (TUF_UNREACHABLE), not for a refusal', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('snapshot.json', { status: 500 });
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable (Unable to load snapshot metadata error Error: Failed to download)`);
    });
  });

  describe('when the repository does not answer in time', () => {
    // The test's own limit is far below the 5000 ms default, so it also shows that timeoutMs is the one used.
    it('gives up after timeoutMs (TUF_UNREACHABLE)', { timeout: 2000 }, async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('timestamp.json', 'no answer');
      const error = await rejection(fetchTUFTrustedRoot({ ...options(), timeoutMs: 100 }), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable (The operation was aborted due to timeout), and the cache`);
    });
  });

  describe('when the connection closes during the target download', () => {
    it('fails closed (TUF_UNREACHABLE), naming the innermost cause under the wrapping errors', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      repository.fail('targets/trusted_root.json', 'connection closed');
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable (other side closed, UND_ERR_SOCKET), and`);
    });

    // undici ends a body cut short with TypeError "terminated", not "fetch failed": the repository still did not answer.
    it('takes a body cut short for unreachable: a valid cache answers, none fails closed (TUF_UNREACHABLE)', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      const online = await fetchTUFTrustedRoot(options());
      repository.fail('timestamp.json', 'body cut short');
      expect(await fetchTUFTrustedRoot(options())).toMatchObject({ digest: online.digest, fromCache: true });
      for (const path of ['targets/trusted_root.json', 'snapshot.json']) {
        repository.fail(path, 'body cut short');
        const error = await rejection(fetchTUFTrustedRoot(options(`cut-${path.replace('/', '-')}`)), TrustRootError);
        expect(error.code, path).toBe('TUF_UNREACHABLE');
        expect(error.message, path).toContain(`TUF repository ${repository.url} is unreachable (other side closed, UND_ERR_SOCKET), and`);
      }
    });
  });

  describe('when the snapshot or targets metadata has expired under a fresh timestamp', () => {
    // tuf-js folds these expiries into a RuntimeError's message: they are expired metadata, not a refusal. It has
    // cached the fresh timestamp by then, which names metadata the cache lacks, so no cache can stand in.
    for (const role of ['snapshot', 'targets'] as const) {
      it(`takes an expired ${role}.json for expired metadata, and fails closed (TUF_EXPIRED)`, async () => {
        repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
        await fetchTUFTrustedRoot(options());
        repository.publish({ 'trusted_root.json': STAGING_ROOT }, { [`${role}Expires`]: new Date(Date.now() - 60_000) });
        const expired = `serves expired metadata (Unable to load ${role === 'snapshot' ? 'snapshot metadata' : 'targets'} error Error: ${role}.json is expired), and`;
        for (const cache of ['cache', 'empty']) {
          const error = await rejection(fetchTUFTrustedRoot(options(cache)), TrustRootError);
          expect(error.code, cache).toBe('TUF_EXPIRED');
          expect(error.message, cache).toContain(`${expired} its cached metadata in ${repositoryCache(cache)} is not usable offline`);
        }
      });
    }
  });

  describe('when another repository is named without its root', () => {
    it('refuses to start: only the public-good root is embedded', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options())).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      const { rootPath: _, ...withoutRoot } = options('other');
      const error = await rejection(fetchTUFTrustedRoot(withoutRoot), InputError);
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('--tuf-root');
    });

    it('refuses to start when the cache folder for that repository holds no root.json', async () => {
      mkdirSync(repositoryCache(), { recursive: true });
      const { rootPath: _, ...withoutRoot } = options();
      const error = await rejection(fetchTUFTrustedRoot(withoutRoot), InputError);
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain(`--tuf-mirror ${repository.url} needs --tuf-root FILE`);
    });

    it('starts from the root cached for a repository served under a path, as @sigstore/tuf names its folder', async () => {
      const underPath = await TUFTestRepository.start({ path: '/tuf' });
      try {
        underPath.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
        writeFileSync(join(directory, 'under-path-root.json'), underPath.initialRoot);
        const cached = { mirrorURL: underPath.url, cacheDirectory: join(directory, 'cache'), retries: 0 };
        await fetchTUFTrustedRoot({ ...cached, rootPath: join(directory, 'under-path-root.json') });
        expect((await fetchTUFTrustedRoot(cached)).digest).toBe(digestOf(PUBLIC_GOOD_ROOT));
      } finally {
        await underPath.stop();
      }
    });
  });

  describe('when an option is wrong', () => {
    it('refuses a mirror that is not a URL (USAGE)', async () => {
      const error = await rejection(fetchTUFTrustedRoot({ ...options(), mirrorURL: 'tuf.example' }), InputError);
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe('--tuf-mirror: not a URL: "tuf.example"');
    });

    it('refuses a mirror that is not http(s) (USAGE)', async () => {
      const error = await rejection(fetchTUFTrustedRoot({ ...options(), mirrorURL: 'file:///srv/tuf' }), InputError);
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe('--tuf-mirror: expected an https URL, got "file:///srv/tuf"');
    });

    it('refuses a --tuf-root that does not exist (FILE_NOT_FOUND)', async () => {
      const missing = join(directory, 'missing-root.json');
      const error = await rejection(fetchTUFTrustedRoot({ ...options(), rootPath: missing }), InputError);
      expect(error.code).toBe('FILE_NOT_FOUND');
      expect(error.message).toBe('TUF root not found');
      expect(error.path).toBe(missing);
    });

    it('refuses a --tuf-root that is not JSON (JSON_INVALID), before asking the repository', async () => {
      writeFileSync(rootPath, 'not JSON');
      const error = await rejection(fetchTUFTrustedRoot(options()), InputError);
      expect(error.code).toBe('JSON_INVALID');
      expect(error.path).toBe(rootPath);
      expect(repository.requests).toEqual([]);
    });
  });

  describe('by default', () => {
    it('starts from the public-good root embedded in @sigstore/tuf, cached under XDG_CACHE_HOME', async () => {
      expect(defaultTUFCacheDirectory({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/gatehouse/tuf');
      const cacheDirectory = defaultTUFCacheDirectory({ XDG_CACHE_HOME: join(directory, 'xdg') });
      // No network here: the public-good repository is unreachable, and nothing is cached yet.
      const error = await rejection(fetchTUFTrustedRoot({ cacheDirectory, retries: 0, timeoutMs: 2000 }), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(PUBLIC_GOOD_TUF_MIRROR);
      const seeds = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json'), 'utf8')) as Record<string, { 'root.json': string }>;
      const cachedRoot = readFileSync(join(cacheDirectory, encodeURIComponent('tuf-repo-cdn.sigstore.dev'), 'root.json'));
      expect(cachedRoot.equals(Buffer.from(seeds[PUBLIC_GOOD_TUF_MIRROR]!['root.json'], 'base64'))).toBe(true);
    });
  });
});

describe('readPinnedTrustedRoot', () => {
  it('does not return a kept copy whose bytes no longer hash to its name', async () => {
    repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
    const { digest } = await fetchTUFTrustedRoot(options());
    expect(existsSync(pinnedCopy(digest))).toBe(true);
    writeFileSync(pinnedCopy(digest), STAGING_ROOT);
    expect(await readPinnedTrustedRoot(digest, repository.url, join(directory, 'cache'))).toBeUndefined();
  });

  it('takes the mirror URL with trailing slashes for the same repository', async () => {
    repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
    const fetched = await fetchTUFTrustedRoot(options());
    expect(await readPinnedTrustedRoot(fetched.digest, `${repository.url}//`, join(directory, 'cache'))).toEqual(fetched.trustedRoot);
  });
});

describe('defaultTUFCacheDirectory', () => {
  const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
  afterEach(() => {
    Object.defineProperty(process, 'platform', platform);
  });

  it('falls back to ~/.cache when XDG_CACHE_HOME is unset or empty', () => {
    Object.defineProperty(process, 'platform', { ...platform, value: 'linux' });
    expect(defaultTUFCacheDirectory({})).toBe(join(homedir(), '.cache', 'gatehouse', 'tuf'));
    expect(defaultTUFCacheDirectory({ XDG_CACHE_HOME: '' })).toBe(join(homedir(), '.cache', 'gatehouse', 'tuf'));
  });

  it('falls back to ~/Library/Caches on macOS', () => {
    Object.defineProperty(process, 'platform', { ...platform, value: 'darwin' });
    expect(defaultTUFCacheDirectory({})).toBe(join(homedir(), 'Library', 'Caches', 'gatehouse', 'tuf'));
  });
});
