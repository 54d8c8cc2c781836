// gatehouse policy init in process: what the scaffold holds, byte for byte
// where it copies, and what it refuses or cleans up. test/cli/decide.test.ts
// runs the scaffold's policy tests and builds a bundle from it.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYAML } from 'yaml';
import { InputError } from '../../src/error.ts';
import { generateKeyPair } from '../../src/keys/keys.ts';
import { initPolicyRepository, SHIPPED_POLICIES } from '../../src/policy/init.ts';
import { temporaryDirectory } from '../helpers.ts';
import { rejection } from '../support/refusal.ts';

// The package's policies, with a keyless signer beside the shipped key signers
// (the shipped data has none), in a copy that stands for the installed package.
const packageRoot = await vi.hoisted(async () => {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-init-package-'));
  cpSync(join(import.meta.dirname, '..', '..', 'policies'), join(root, 'policies'), { recursive: true });
  const signers = join(root, 'policies', 'data', 'signers.yaml');
  const keyless = '  release-ci:\n    kind: keyless\n    issuer: https://token.actions.githubusercontent.com\n    subject_regexp: ^https://github\\.com/acme/models/\n';
  writeFileSync(signers, readFileSync(signers, 'utf8').replace(/^signers:\n/m, `signers:\n${keyless}`));
  return root;
});
vi.mock('../../src/package-files.ts', async (original) => ({ ...(await original<typeof import('../../src/package-files.ts')>()), PACKAGE_ROOT: packageRoot }));
afterAll(() => rmSync(packageRoot, { recursive: true, force: true }));

// Key generation fails from the Nth call when set, so the scaffold fails half made.
const failing = vi.hoisted(() => ({ fromCall: Infinity, calls: 0 }));
vi.mock('../../src/keys/keys.ts', async (original) => {
  const actual = await original<typeof import('../../src/keys/keys.ts')>();
  return {
    ...actual,
    generateKeyPair: (...args: Parameters<typeof actual.generateKeyPair>) => {
      if (++failing.calls >= failing.fromCall) throw new Error('no entropy');
      return actual.generateKeyPair(...args);
    },
  };
});
afterEach(() => {
  failing.fromCall = Infinity;
  failing.calls = 0;
});

type Signers = { signers: Record<string, { kind: string; public_key?: string } & Record<string, unknown>> } & Record<string, unknown>;

/** Every file under `directory`, relative to it, sorted. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

const shippedSigners = () => parseYAML(readFileSync(join(SHIPPED_POLICIES, 'data', 'signers.yaml'), 'utf8')) as Signers;

describe('initPolicyRepository', () => {
  it("copies the shipped policies, and gives every key signer and the policy team a key pair of the team's own", async () => {
    const dir = join(await temporaryDirectory(), 'team', 'policy');
    const made = await initPolicyRepository(dir);
    const shipped = shippedSigners();
    const keySigners = Object.keys(shipped.signers).filter((name) => shipped.signers[name]!.kind === 'key');
    expect(keySigners.length).toBeGreaterThan(3);
    expect(shipped.signers['release-ci']!.kind).toBe('keyless');
    expect(SHIPPED_POLICIES).toBe(join(packageRoot, 'policies'));

    expect(made).toEqual({
      policies: join(dir, 'policies'),
      policyKey: join(dir, 'keys', 'policy-team.key'),
      signers: keySigners.map((name) => ({ name, privateKey: join(dir, 'keys', `${name}.key`), publicKey: join(dir, 'keys', `${name}.pub`) })),
    });
    expect(filesUnder(dir)).toEqual(
      [
        '.github/workflows/policy.yml',
        '.gitignore',
        'README.md',
        ...['policy-team', ...keySigners].flatMap((name) => [`keys/${name}.key`, `keys/${name}.pub`]),
        ...filesUnder(SHIPPED_POLICIES).map((file) => `policies/${file}`),
      ].sort(),
    );
    // Every policy file but the signers is the shipped one, byte for byte.
    for (const file of filesUnder(SHIPPED_POLICIES).filter((name) => name !== join('data', 'signers.yaml'))) {
      expect(readFileSync(join(dir, 'policies', file)), file).toEqual(readFileSync(join(SHIPPED_POLICIES, file)));
    }

    // Each key pair is a pair, private halves readable by the owner only, and no two alike.
    const publicKeys = new Set<string>();
    for (const name of ['policy-team', ...keySigners]) {
      const privatePEM = readFileSync(join(dir, 'keys', `${name}.key`), 'utf8');
      const publicPEM = readFileSync(join(dir, 'keys', `${name}.pub`), 'utf8');
      expect(createPublicKey(createPrivateKey(privatePEM)).export({ type: 'spki', format: 'pem' })).toBe(publicPEM);
      expect(createPrivateKey(privatePEM).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(statSync(join(dir, 'keys', `${name}.key`)).mode & 0o777, name).toBe(0o600);
      expect(statSync(join(dir, 'keys', `${name}.pub`)).mode & 0o077, name).toBe(0o044 & ~process.umask());
      publicKeys.add(publicPEM);
    }
    expect(publicKeys.size).toBe(keySigners.length + 1);

    // The signers: the same document, each key signer holding its new public key, keyless ones as shipped.
    const text = readFileSync(join(dir, 'policies', 'data', 'signers.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# Who may sign. Keys are SPKI PEM, generated by gatehouse policy init into keys/;');
    // A comment block of six lines that says how to replace signers, its keyless example a signer in YAML's flow form.
    const header = text.split('\n').slice(0, 6);
    expect(header.every((line) => line.startsWith('# '))).toBe(true);
    expect(text.split('\n')[6]).not.toMatch(/^#/);
    const example = header.find((line) => line.startsWith('# {kind: keyless'))!;
    expect(parseYAML(example.slice(2).replace(/,$/, ''))).toEqual({ kind: 'keyless', issuer: 'URL', subject_regexp: 'RE', extensions: { github_workflow_repository: 'o/r' } });
    expect(header.map((line) => line.slice(2)).join(' ')).toMatch(/replace or remove the signers you do not use/);
    expect(header.map((line) => line.slice(2)).join(' ')).toMatch(/Sigstore public-good root through TUF unless trust_roots says otherwise/);
    const written = parseYAML(text) as Signers;
    const expected = structuredClone(shipped);
    for (const name of keySigners) expected.signers[name]!.public_key = readFileSync(join(dir, 'keys', `${name}.pub`), 'utf8');
    expect(written).toEqual(expected);
    for (const name of keySigners) expect(written.signers[name]!.public_key, name).not.toBe(shipped.signers[name]!.public_key);

    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('# Private keys belong in a secret store, never in the repository.\nkeys/*.key\nbundles/\n');
    const workflow = readFileSync(join(dir, '.github', 'workflows', 'policy.yml'), 'utf8');
    expect(workflow).toContain('npx --no-install gatehouse policy test --policies policies\n');
    expect(workflow).toContain('--signing-key "$RUNNER_TEMP/policy-team.key" --out bundles/gatehouse.tar.gz\n');
    expect(parseYAML(workflow)).toMatchObject({ name: 'policy', jobs: { policy: { 'runs-on': 'ubuntu-latest' } } });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# Promotion policy\n\nMade by `gatehouse policy init`/);
  });

  it('scaffolds into an empty directory that exists, and refuses a file or a directory with anything in it, leaving it as it was', async () => {
    const empty = await temporaryDirectory();
    expect((await initPolicyRepository(empty)).policies).toBe(join(empty, 'policies'));

    const occupied = await temporaryDirectory();
    writeFileSync(join(occupied, 'notes.txt'), 'mine');
    const refusal = await rejection(initPolicyRepository(occupied), InputError);
    expect([refusal.code, refusal.path, refusal.message]).toEqual(['USAGE', occupied, 'is not empty: policy init scaffolds a new repository']);
    expect(filesUnder(occupied)).toEqual(['notes.txt']);

    const hidden = await temporaryDirectory();
    mkdirSync(join(hidden, '.git'));
    await expect(initPolicyRepository(hidden)).rejects.toThrow('is not empty');

    const file = join(occupied, 'notes.txt');
    const notFolder = await rejection(initPolicyRepository(file), InputError);
    expect([notFolder.code, notFolder.path, notFolder.message]).toEqual(['USAGE', file, 'is a file: policy init scaffolds a new directory']);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('removes what it made when the scaffold fails half way, keeping a directory that was there empty', async () => {
    // The third key pair fails: the policy team's and one signer's keys are already written.
    failing.fromCall = 3;
    const existing = await temporaryDirectory();
    await expect(initPolicyRepository(existing)).rejects.toThrow('no entropy');
    expect(failing.calls).toBe(3);
    expect(statSync(existing).isDirectory()).toBe(true);
    expect(readdirSync(existing)).toEqual([]);

    failing.calls = 0;
    const fresh = join(await temporaryDirectory(), 'new');
    await expect(initPolicyRepository(fresh)).rejects.toThrow('no entropy');
    expect(existsSync(fresh)).toBe(false);

    // And it succeeds there once keys can be made.
    failing.fromCall = Infinity;
    expect(generateKeyPair().publicKeyPEM).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await initPolicyRepository(existing)).signers.length).toBeGreaterThan(3);
  });
});
