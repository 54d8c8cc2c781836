import { execFile } from 'node:child_process';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYAML } from 'yaml';
import { InputError, describeThrown } from '../error.ts';
import { keyAlgorithm, readPrivateKey } from '../keys/keys.ts';
import { verifyPolicyBundle, DECISION_ENTRYPOINT, type VerifiedPolicyBundle } from './bundle.ts';
import { policyDataOf, withGateFacts } from './data.ts';
import { PolicyError } from './error.ts';
import { gateRegistry } from '../gates/registry.ts';
import type { SchemaValidator } from '../schema/validator.ts';
import { PACKAGE_ROOT } from '../package-files.ts';

const run = promisify(execFile);

/** The repository's own opa, installed by scripts/install-tools.sh. */
export const BUNDLED_OPA = join(PACKAGE_ROOT, '.tools', 'bin', 'opa');

export interface PolicySourceOptions {
  /** The policies directory: Rego packages, data/*.yaml, capabilities.json. */
  policiesDir: string;
  /** The opa binary (default: .tools/bin/opa, else opa on PATH). */
  opa?: string;
}

export interface PolicyBuildOptions extends PolicySourceOptions {
  out: string;
  /** The policy team's ES256 (ECDSA P-256) private key. */
  signingKey: string;
}

/**
 * Builds the policy bundle: runs the Rego tests on the sources and data and
 * refuses to sign when one fails; stages the Rego sources (tests left out) and
 * the merged data, compiles them to WebAssembly with `opa build` restricted to the
 * capabilities of the JS runtime, signs the bundle (ES256), verifies what was
 * written with the matching public key, and moves it into place atomically.
 */
export async function buildPolicyBundle(options: PolicyBuildOptions): Promise<VerifiedPolicyBundle> {
  const key = await readPrivateKey(options.signingKey);
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new InputError({ code: 'KEY_INVALID', message: 'policy bundles are signed with ES256: use an ECDSA P-256 key', path: options.signingKey });
  }
  // A bundle whose own tests fail is never signed.
  const tested = await testPolicies({ ...options, coverage: false });
  if (tested.failed.length > 0) {
    const names = tested.failed.map((test) => `${test.name} (${test.location})`);
    throw new PolicyError({ code: 'TESTS_FAILED', message: `not signing: ${tested.failed.length} Rego test${tested.failed.length === 1 ? '' : 's'} failed: ${names.join(', ')}` });
  }
  const staging = await mkdtemp(join(tmpdir(), 'gatehouse-policy-'));
  try {
    const revision = await stagePolicySources(options.policiesDir, staging, { tests: false });
    const out = resolve(options.out);
    await mkdir(dirname(out), { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    await opa(options, [
      'build', '--bundle', '--target', 'wasm', '--entrypoint', DECISION_ENTRYPOINT,
      '--capabilities', resolve(options.policiesDir, 'capabilities.json'),
      '--signing-key', resolve(options.signingKey), '--signing-alg', 'ES256',
      '--revision', revision, '--output', temporary, 'policies',
    ], staging);
    try {
      const bundle = verifyPolicyBundle(await readFile(temporary), out, createPublicKey(key));
      await rename(temporary, out);
      return bundle;
    } finally {
      await rm(temporary, { force: true });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A Rego test that failed or could not be evaluated. */
export interface FailedPolicyTest {
  /** The test's rule, as `<package>.<name>` (without the leading `data.`). */
  name: string;
  /** Where it is: `<file>:<row>`, the file as it lies under the policies directory given. */
  location: string;
}

export interface PolicyTestResult {
  passed: number;
  failed: FailedPolicyTest[];
  /** Rule coverage in percent; undefined when a test failed (coverage is measured only on a passing suite). */
  coverage: number | undefined;
}

/**
 * Runs the Rego tests (opa test) on the staged sources and data, then, when
 * every test passes and coverage is asked for, measures rule coverage.
 * Sources that do not load (a parse or compile error) are bad input.
 */
export async function testPolicies(options: PolicySourceOptions & { coverage?: boolean }): Promise<PolicyTestResult> {
  const staging = await mkdtemp(join(tmpdir(), 'gatehouse-policy-test-'));
  try {
    await stagePolicySources(options.policiesDir, staging, { tests: true });
    const results = await opa(options, ['test', '--format', 'json', 'policies'], staging, true);
    const cases = parseOpaJSON(results, options.policiesDir) as Array<{ package?: string; name?: string; fail?: boolean; error?: unknown; location?: { file?: string; row?: number } }>;
    const failed = cases
      .filter((c) => c.fail === true || c.error !== undefined)
      .map((c) => ({
        name: `${String(c.package ?? '').replace(/^data\./, '')}.${String(c.name ?? '')}`,
        location: `${sourcePath(String(c.location?.file ?? ''), options.policiesDir)}:${c.location?.row ?? 0}`,
      }));
    let coverage: number | undefined;
    if (failed.length === 0 && options.coverage !== false) {
      const report = await opa(options, ['test', '--coverage', '--format', 'json', 'policies'], staging, true);
      coverage = (parseOpaJSON(report, options.policiesDir) as { coverage?: number }).coverage ?? 0;
    }
    return { passed: cases.length - failed.length, failed, coverage };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// opa's JSON report; when opa printed text instead (sources that do not load), that text names the problem.
function parseOpaJSON(result: { stdout: string; stderr: string }, policiesDir: string): unknown {
  try {
    return JSON.parse(result.stdout || 'null') ?? [];
  } catch {
    const problem = firstLines([result.stdout, result.stderr].filter(Boolean).join('\n'));
    throw new PolicyError({ code: 'BUILD_FAILED', message: `opa test could not load the policies: ${sourcePaths(problem, policiesDir)}` });
  }
}

// opa's text with paths in the staging directory ("policies/<path>") written as they lie in the sources.
function sourcePaths(text: string, policiesDir: string): string {
  return text.replaceAll(/(^|[\s(])policies\//g, `$1${policiesDir.replace(/\/+$/, '')}/`);
}

// A path opa reports in the staging directory ("policies/<path>"), as it lies in the sources.
function sourcePath(staged: string, policiesDir: string): string {
  return staged.startsWith('policies/') ? join(policiesDir, staged.slice('policies/'.length)) : staged;
}

/**
 * Lays out a bundle root: `policies/**.rego` as in the source tree, and one
 * data.json with every data/*.yaml merged under `gatehouse` (checked against
 * the policy data schema). Returns a digest of the sources, used as the
 * bundle revision so a bundle names what it was built from.
 */
export async function stagePolicySources(policiesDir: string, staging: string, options: { tests: boolean }): Promise<string> {
  const sources = createHash('sha256');
  const kind = await stat(policiesDir).catch(() => undefined);
  if (kind?.isDirectory() !== true) throw new InputError({ code: 'USAGE', message: kind === undefined ? 'no such policies directory' : 'not a directory: --policies names the policy sources directory', path: policiesDir });
  const regoFiles = (await listFiles(policiesDir)).filter(
    (path) => path.endsWith('.rego') && !path.startsWith(`data${sep}`) && (options.tests || !path.endsWith('_test.rego')),
  );
  if (!regoFiles.some((path) => !path.endsWith('_test.rego'))) throw new InputError({ code: 'USAGE', message: 'no Rego policies in this directory', path: policiesDir });
  for (const path of regoFiles.sort()) {
    const content = await readFile(join(policiesDir, path));
    sources.update(`${path}\0`).update(content);
    await mkdir(dirname(join(staging, 'policies', path)), { recursive: true });
    await copyFile(join(policiesDir, path), join(staging, 'policies', path));
  }
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  const dataDir = join(policiesDir, 'data');
  const dataFiles = existsSync(dataDir) ? (await readdir(dataDir)).filter((name) => /\.ya?ml$/.test(name)).sort() : [];
  for (const name of dataFiles) {
    const path = join(dataDir, name);
    const text = await readFile(path, 'utf8');
    sources.update(`data/${name}\0`).update(text);
    let parsed: unknown;
    try {
      parsed = parseYAML(text);
    } catch (cause) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `not valid YAML: ${describeThrown(cause)}`, path, cause });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: 'policy data files hold a mapping of top-level keys', path });
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (key in merged) throw new InputError({ code: 'SCHEMA_INVALID', message: `key ${key} is also set in another data file`, path });
      merged[key] = value;
      origin.set(key, path);
    }
  }
  if (merged['gates'] !== undefined) merged['gates'] = withGateFacts(merged['gates'], origin.get('gates') ?? dataDir);
  checkGateThresholds(merged['thresholds'], origin.get('thresholds') ?? dataDir);
  policyDataOf({ gatehouse: merged }, dataDir);
  checkSignerKeys(merged['signers'], origin.get('signers') ?? dataDir);
  await writeFile(join(staging, 'policies', 'data.json'), `${JSON.stringify({ gatehouse: merged })}\n`);
  return `sha256:${sources.digest('hex')}`;
}

// Each gate's thresholds are checked as the gate will read them, naming the
// data file, so a bundle with a threshold of the wrong type, or thresholds no
// gate reads, is never signed.
function checkGateThresholds(thresholds: unknown, path: string): void {
  if (thresholds === null || typeof thresholds !== 'object' || Array.isArray(thresholds)) return;
  for (const [gate, value] of Object.entries(thresholds)) {
    const registered = gateRegistry.get(gate)?.thresholdsValidator;
    if (registered === undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `thresholds.${gate}: no gate named ${gate} takes thresholds (${gateRegistry.all().filter((g) => g.thresholdsSchema !== undefined).map((g) => g.name).join(', ')} do)`, path });
    const validator: SchemaValidator<unknown> = registered;
    validator.assert(value, path, `thresholds.${gate}`);
  }
}

/** The opa release bundles are built and tested with (scripts/install-tools.sh installs it; policies/capabilities.json comes from it). */
export const OPA_VERSION = '1.22.2';

const NEEDED = `gatehouse needs opa v${OPA_VERSION} or a later 1.x: run npm run tools, put opa on PATH, or pass --opa`;

// opa binaries whose version was checked, so a build or test asks once.
const checkedOPA = new Map<string, Promise<void>>();

/** Refuses an opa older than OPA_VERSION, or of another major version: its compiler may build another bundle from the same sources. */
async function checkOPAVersion(binary: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await run(binary, ['version']));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError({ code: 'USAGE', message: code === 'ENOENT' ? `opa not found (${binary}); ${NEEDED}` : `${binary} version failed (${describeThrown(error)}); ${NEEDED}`, cause: error });
  }
  const found = /^Version: v?(\d+)\.(\d+)\.(\d+)/m.exec(stdout);
  const [major, minor, patch] = OPA_VERSION.split('.').map(Number) as [number, number, number];
  const version = found === null ? undefined : ([Number(found[1]), Number(found[2]), Number(found[3])] as const);
  const recent = version !== undefined && version[0] === major && (version[1] > minor || (version[1] === minor && version[2] >= patch));
  if (!recent) throw new InputError({ code: 'USAGE', message: `${binary} is opa ${version === undefined ? 'of an unknown version' : `v${version.join('.')}`}; ${NEEDED}` });
}

// Every key signer's public key parses as a key gatehouse verifies with, so a mistyped key is never signed into a bundle.
function checkSignerKeys(signers: unknown, path: string): void {
  for (const [name, signer] of Object.entries((signers ?? {}) as Record<string, { kind?: string; public_key?: string }>)) {
    if (signer.kind !== 'key') continue;
    let key: KeyObject;
    try {
      key = createPublicKey(signer.public_key ?? '');
    } catch (cause) {
      throw new InputError({ code: 'KEY_INVALID', message: `signer ${name}: public_key is not a PEM public key (${describeThrown(cause)})`, path, cause });
    }
    keyAlgorithm(key, `${path} (signer ${name})`);
  }
}

async function opa(options: PolicySourceOptions, args: string[], cwd: string, allowFailure = false): Promise<{ stdout: string; stderr: string }> {
  const binary = options.opa ?? (existsSync(BUNDLED_OPA) ? BUNDLED_OPA : 'opa');
  let checked = checkedOPA.get(binary);
  if (checked === undefined) checkedOPA.set(binary, (checked = checkOPAVersion(binary)));
  await checked.catch((error: unknown) => {
    checkedOPA.delete(binary);
    throw error;
  });
  try {
    return await run(binary, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new InputError({ code: 'USAGE', message: `opa not found (${binary}); ${NEEDED}` });
    }
    if (allowFailure && typeof failure.stdout === 'string' && failure.stdout.length > 0) return { stdout: failure.stdout, stderr: failure.stderr ?? '' };
    const problem = sourcePaths(firstLines([failure.stdout, failure.stderr].filter(Boolean).join('\n')), options.policiesDir);
    throw new PolicyError({ code: 'BUILD_FAILED', message: `opa ${args[0]} failed: ${problem || describeThrown(error)}`, cause: error });
  }
}

// opa prints its usage after an error; the error lines are what matter.
function firstLines(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  const usage = lines.findIndex((line) => line.startsWith('Usage:'));
  return (usage === -1 ? lines : lines.slice(0, usage)).slice(0, 10).join(' ');
}

// Every regular file under root, relative to it. A symbolic link that could hold
// a policy (a .rego name, or a folder) is refused rather than left out: a rule
// file left out of the bundle would be a deny that silently never runs.
async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = prefix === '' ? entry.name : join(prefix, entry.name);
      if (entry.isDirectory()) return listFiles(root, path);
      if (entry.isSymbolicLink() && (path.endsWith('.rego') || (await stat(join(root, path)).catch(() => undefined))?.isDirectory() === true)) {
        throw new InputError({ code: 'USAGE', message: 'is a symbolic link: policy sources are read as regular files and folders only (copy it in)', path: join(root, path) });
      }
      return entry.isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}
