// The Sigstore trusted root through TUF, against a real tuf-js client and a
// repository built from @tufjs/repo-mock keys: what is delivered, what is
// refused (a rotation the old root did not sign, expiry, rollback, a tampered
// target) and what the cache answers when the repository does not.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
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

    it('fails closed with no cache (TUF_UNREACHABLE), naming the repository and the cache', async () => {
      repository.publish({ 'trusted_root.json': PUBLIC_GOOD_ROOT });
      expect((await fetchTUFTrustedRoot(options('while-up'))).fromCache).toBe(false);
      await repository.stop();
      const error = await rejection(fetchTUFTrustedRoot(options()), TrustRootError);
      expect(error.code).toBe('TUF_UNREACHABLE');
      expect(error.message).toContain(`TUF repository ${repository.url} is unreachable`);
      expect(error.message).toContain(join(directory, 'cache'));
    });
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
