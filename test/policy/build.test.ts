// Building and testing policy bundles in process. Staging (data checks, the
// revision) needs no opa; how opa is asked and read is tested with small
// stand-ins for opa that print what a real one prints, and one real build.
// test/cli/decide.test.ts runs the same through the CLI with the real opa.
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { buildPolicyBundle, OPA_VERSION, stagePolicySources, testPolicies } from '../../src/policy/build.ts';
import { PolicyError } from '../../src/policy/error.ts';
import { ROOT, temporaryDirectory, tool } from '../helpers.ts';
import { POLICY_KEY } from '../support/policy.ts';

const POLICIES = join(ROOT, 'policies');
const NEEDED = `gatehouse needs opa v${OPA_VERSION} or a later 1.x: run npm run tools, put opa on PATH, or pass --opa`;

async function copyOfPolicies(): Promise<string> {
  const policies = join(await temporaryDirectory(), 'policies');
  cpSync(POLICIES, policies, { recursive: true });
  return policies;
}

/** What a call rejects with, to check its class, code, path and message together. */
async function refusal(promise: Promise<unknown>): Promise<{ kind: string; code: string; path: string | undefined; message: string }> {
  const error = await promise.then(
    () => expect.unreachable('expected a refusal'),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof InputError) && !(error instanceof PolicyError)) throw error;
  return { kind: error.constructor.name, code: error.code, path: error instanceof InputError ? error.path : undefined, message: error.message };
}

/** A stand-in for opa: answers `version` with `version`, and runs `script` (sh) for anything else. */
async function fakeOpa(version: string, script = 'exit 0'): Promise<string> {
  const path = join(await temporaryDirectory(), 'opa');
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = version ]; then printf '%s\\n' "${version}"; exit 0; fi\n${script}\n`, { mode: 0o755 });
  return path;
}

describe('stagePolicySources', () => {
  it('stages the Rego sources with or without their tests and one merged data.json, named by a digest of the sources', async () => {
    const withTests = await temporaryDirectory();
    const withoutTests = await temporaryDirectory();
    const revision = await stagePolicySources(POLICIES, withTests, { tests: true });
    expect(revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The revision names the sources read (tests included or not), never the staging directory.
    expect(await stagePolicySources(POLICIES, withoutTests, { tests: false })).not.toBe(revision);
    expect(await stagePolicySources(POLICIES, await temporaryDirectory(), { tests: true })).toBe(revision);

    const staged = (dir: string) => readdirSync(join(dir, 'policies'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(join(dir, 'policies').length + 1)).sort();
    const sources = readdirSync(POLICIES, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.rego')).map((e) => join(e.parentPath, e.name).slice(POLICIES.length + 1)).sort();
    expect(staged(withTests)).toEqual([...sources, 'data.json'].sort());
    expect(staged(withoutTests)).toEqual([...sources.filter((path) => !path.endsWith('_test.rego')), 'data.json'].sort());
    for (const path of sources.slice(0, 5)) expect(readFileSync(join(withTests, 'policies', path))).toEqual(readFileSync(join(POLICIES, path)));

    const data = JSON.parse(readFileSync(join(withTests, 'policies', 'data.json'), 'utf8')) as { gatehouse: Record<string, Record<string, unknown>> };
    const dataFiles = readdirSync(join(POLICIES, 'data')).filter((name) => name.endsWith('.yaml'));
    expect(dataFiles.length).toBeGreaterThan(3);
    // Each file's top-level keys, merged; the gates with the facts the registry adds.
    expect(Object.keys(data.gatehouse).sort()).toContain('signers');
    expect(Object.keys(data.gatehouse)).toContain('thresholds');
    expect(data.gatehouse['gates']!['integrity']).toHaveProperty('predicate_type');
  });

  it('changes the revision when a source, a test, a data file or a file name changes', async () => {
    const policies = await copyOfPolicies();
    const revision = () => stagePolicySources(policies, `${policies}-staged-${Math.random()}`, { tests: true });
    const seen = new Set([await revision()]);
    const safety = join(policies, 'release', 'safety', 'safety.rego');
    writeFileSync(safety, `${readFileSync(safety, 'utf8')}\n`);
    seen.add(await revision());
    const test = join(policies, 'release', 'safety', 'safety_test.rego');
    writeFileSync(test, `${readFileSync(test, 'utf8')}\n`);
    seen.add(await revision());
    const stages = join(policies, 'data', 'stages.yaml');
    writeFileSync(stages, `${readFileSync(stages, 'utf8')}\n# a comment\n`);
    seen.add(await revision());
    // The same bytes under another name are other sources.
    renameSync(join(policies, 'release', 'safety', 'safety.rego'), join(policies, 'release', 'safety', 'safety_rules.rego'));
    seen.add(await revision());
    expect(seen.size).toBe(5);
  });

  it('refuses a gate fact the data states wrongly, naming the data file that sets the gates', async () => {
    const policies = await copyOfPolicies();
    const gates = join(policies, 'data', 'gates.yaml');
    writeFileSync(gates, readFileSync(gates, 'utf8').replace(/^(  integrity:\n)/m, '$1    predicate_type: https://example.com/not-integrity\n'));
    const refused = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: false }));
    expect([refused.code, refused.path]).toEqual(['SCHEMA_INVALID', gates]);
    expect(refused.message).toMatch(/^gates\.integrity\.predicate_type is "https:\/\/example\.com\/not-integrity", but gatehouse's integrity gate has /);
  });

  it('reads .yml data files too, and leaves out Rego files kept under data/ and files of other kinds', async () => {
    const policies = await copyOfPolicies();
    renameSync(join(policies, 'data', 'stages.yaml'), join(policies, 'data', 'stages.yml'));
    writeFileSync(join(policies, 'data', 'notes.rego'), 'package notes\n');
    writeFileSync(join(policies, 'data', 'README.txt'), 'not data\n');
    writeFileSync(join(policies, 'release', 'notes.md'), '# not a policy\n');
    // A backup beside a data file is no data file: read, it would set its keys a second time.
    cpSync(join(policies, 'data', 'stages.yml'), join(policies, 'data', 'stages.yaml.orig'));
    const staging = await temporaryDirectory();
    await stagePolicySources(policies, staging, { tests: false });
    expect(existsSync(join(staging, 'policies', 'data', 'notes.rego'))).toBe(false);
    expect(existsSync(join(staging, 'policies', 'release', 'notes.md'))).toBe(false);
    expect(JSON.parse(readFileSync(join(staging, 'policies', 'data.json'), 'utf8')).gatehouse).toHaveProperty('stages');
  });

  it('refuses a missing or wrong policies directory, and one without a policy, naming it', async () => {
    const dir = await temporaryDirectory();
    const stage = (policies: string) => refusal(stagePolicySources(policies, dir, { tests: true }));
    expect(await stage(join(dir, 'nowhere'))).toEqual({ kind: 'InputError', code: 'USAGE', path: join(dir, 'nowhere'), message: 'no such policies directory' });
    const file = join(dir, 'file.rego');
    writeFileSync(file, 'package x\n');
    expect(await stage(file)).toEqual({ kind: 'InputError', code: 'USAGE', path: file, message: 'not a directory: --policies names the policy sources directory' });
    // Tests alone, or Rego only under data/, are no policy.
    const onlyTests = join(dir, 'only-tests');
    mkdirSync(join(onlyTests, 'data'), { recursive: true });
    writeFileSync(join(onlyTests, 'x_test.rego'), 'package x_test\n');
    writeFileSync(join(onlyTests, 'data', 'x.rego'), 'package x\n');
    expect(await stage(onlyTests)).toEqual({ kind: 'InputError', code: 'USAGE', path: onlyTests, message: 'no Rego policies in this directory' });
    // One policy and no data at all stages (the data checks then refuse what is missing).
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'x.rego'), 'package x\n');
    expect((await stage(bare)).code).toBe('SCHEMA_INVALID');
  });

  it('refuses data that is not YAML, not a mapping, or sets a key twice, naming the file', async () => {
    const cases: Array<[string, string, string]> = [
      ['stages.yaml', 'stages: [unclosed\n', 'not valid YAML: '],
      ['stages.yaml', '- a list\n', 'policy data files hold a mapping of top-level keys'],
      ['stages.yaml', '42\n', 'policy data files hold a mapping of top-level keys'],
      ['stages.yaml', '', 'policy data files hold a mapping of top-level keys'],
      ['zz-extra.yaml', 'signers: {}\n', 'key signers is also set in another data file'],
    ];
    for (const [name, text, message] of cases) {
      const policies = await copyOfPolicies();
      writeFileSync(join(policies, 'data', name), text);
      const refused = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: true }));
      expect([refused.code, refused.path], name + text).toEqual(['SCHEMA_INVALID', join(policies, 'data', name)]);
      expect(refused.message.startsWith(message), `${refused.message} for ${text}`).toBe(true);
    }
  });

  it('refuses thresholds for a gate that takes none, and a signer key that does not parse or is of another kind, naming the file', async () => {
    const policies = await copyOfPolicies();
    const thresholds = join(policies, 'data', 'thresholds.yaml');
    const original = readFileSync(thresholds, 'utf8');
    writeFileSync(thresholds, original.replace(/^thresholds:\n/m, 'thresholds:\n  integrity: {}\n'));
    const unknown = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: true }));
    expect([unknown.code, unknown.path]).toEqual(['SCHEMA_INVALID', thresholds]);
    expect(unknown.message).toMatch(/^thresholds\.integrity: no gate named integrity takes thresholds \((?:[a-z-]+, )+[a-z-]+ do\)$/);
    // The gates that do take thresholds, and no other.
    const named = /\((.+) do\)$/.exec(unknown.message)![1]!.split(', ');
    expect(named).toEqual(expect.arrayContaining(['regression', 'safety', 'bias']));
    expect(named).not.toContain('integrity');
    expect(named).not.toContain('provenance');
    writeFileSync(thresholds, original.replace('max_over_refusal: 0.10', 'max_over_refusal: "ten"'));
    const wrong = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: true }));
    expect([wrong.code, wrong.path, wrong.message]).toEqual(['SCHEMA_INVALID', thresholds, 'not a valid thresholds.safety: at /max_over_refusal: must be number']);
    writeFileSync(thresholds, original);

    const signers = join(policies, 'data', 'signers.yaml');
    const text = readFileSync(signers, 'utf8');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const firstKey = /public_key: \|\n((?: {6}.*\n)+)/.exec(text)!;
    writeFileSync(signers, text.replace(firstKey[1]!, `${rsa.trim().split('\n').map((line) => `      ${line}`).join('\n')}\n`));
    const other = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: true }));
    expect([other.code, other.path]).toEqual(['KEY_INVALID', `${signers} (signer integrity-gate)`]);
    writeFileSync(signers, text.replace(firstKey[1]!, '      -----BEGIN PUBLIC KEY-----\n      AAAA\n      -----END PUBLIC KEY-----\n'));
    const broken = await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: true }));
    expect([broken.code, broken.path]).toEqual(['KEY_INVALID', signers]);
    expect(broken.message).toMatch(/^signer integrity-gate: public_key is not a PEM public key \(.+\)$/);
  });
});

describe('the opa a build or test asks', () => {
  it('is refused when older, of another major version, unknown, missing or failing, and accepted at or past the pinned release', async () => {
    const policies = await copyOfPolicies();
    const [major, minor, patch] = OPA_VERSION.split('.').map(Number) as [number, number, number];
    for (const [version, said] of [
      [`${major}.${minor}.${patch - 1}`, `is opa v${major}.${minor}.${patch - 1}`],
      [`${major}.${minor - 1}.${patch + 5}`, `is opa v${major}.${minor - 1}.${patch + 5}`],
      [`${major - 1}.99.0`, `is opa v${major - 1}.99.0`],
      [`${major + 1}.0.0`, `is opa v${major + 1}.0.0`],
      [`${major + 1}.${minor + 1}.0`, `is opa v${major + 1}.${minor + 1}.0`],
      // Every digit of each part counts.
      [`${major + 9}.0.0`, `is opa v${major + 9}.0.0`],
      ['unknown', 'is opa of an unknown version'],
    ]) {
      const opa = await fakeOpa(`Version: ${version}`, 'echo \'[]\'');
      expect(await refusal(testPolicies({ policiesDir: policies, opa })), version).toEqual({ kind: 'InputError', code: 'USAGE', path: undefined, message: `${opa} ${said}; ${NEEDED}` });
    }
    for (const version of [OPA_VERSION, `v${OPA_VERSION}`, `${major}.${minor}.${patch + 1}`, `${major}.${minor}.${patch + 10}`, `${major}.${minor + 1}.0`]) {
      const opa = await fakeOpa(`Build Commit: x\nVersion: ${version}`, 'echo \'[]\'');
      expect(await testPolicies({ policiesDir: policies, opa, coverage: false }), version).toEqual({ passed: 0, failed: [], coverage: undefined });
    }
    const missing = join(await temporaryDirectory(), 'no-opa');
    expect(await refusal(testPolicies({ policiesDir: policies, opa: missing }))).toEqual({ kind: 'InputError', code: 'USAGE', path: undefined, message: `opa not found (${missing}); ${NEEDED}` });
    const failing = join(await temporaryDirectory(), 'opa');
    writeFileSync(failing, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const failed = await refusal(testPolicies({ policiesDir: policies, opa: failing }));
    expect([failed.code, failed.message.startsWith(`${failing} version failed (`), failed.message.endsWith(`); ${NEEDED}`)]).toEqual(['USAGE', true, true]);
  });

  it('reads the tests that failed or errored by rule and source line, and measures coverage only when none did', async () => {
    const policies = await copyOfPolicies();
    const results = JSON.stringify([
      { package: 'data.release.safety_test', name: 'test_a', location: { file: 'policies/release/safety/safety_test.rego', row: 12 } },
      { package: 'data.release.safety_test', name: 'test_b', fail: true, location: { file: 'policies/release/safety/safety_test.rego', row: 40 } },
      { package: 'data.lib_test', name: 'test_c', error: { code: 'eval_conflict_error' }, location: { file: 'policies/lib/lib_test.rego', row: 7 } },
      { package: 'lib', name: 'test_d', fail: false },
      { name: 'test_e', fail: true },
    ]);
    // opa test exits 2 when a test fails; its JSON is read all the same.
    const opa = await fakeOpa(`Version: ${OPA_VERSION}`, `echo '${results}'; exit 2`);
    expect(await testPolicies({ policiesDir: policies, opa })).toEqual({
      passed: 2,
      failed: [
        { name: 'release.safety_test.test_b', location: `${join(policies, 'release', 'safety', 'safety_test.rego')}:40` },
        { name: 'lib_test.test_c', location: `${join(policies, 'lib', 'lib_test.rego')}:7` },
        { name: '.test_e', location: ':0' },
      ],
      coverage: undefined,
    });
    const passing = await fakeOpa(`Version: ${OPA_VERSION}`, `case "$2" in --coverage) echo '{"coverage": 87.5}';; *) echo '[{"name":"test_a"}]';; esac`);
    expect(await testPolicies({ policiesDir: policies, opa: passing })).toEqual({ passed: 1, failed: [], coverage: 87.5 });
    expect(await testPolicies({ policiesDir: policies, opa: passing, coverage: false })).toEqual({ passed: 1, failed: [], coverage: undefined });
    const noCoverage = await fakeOpa(`Version: ${OPA_VERSION}`, `case "$2" in --coverage) echo '{}';; *) echo '[]';; esac`);
    expect((await testPolicies({ policiesDir: policies, opa: noCoverage })).coverage).toBe(0);
    const silent = await fakeOpa(`Version: ${OPA_VERSION}`, 'exit 0');
    expect(await testPolicies({ policiesDir: policies, opa: silent, coverage: false })).toEqual({ passed: 0, failed: [], coverage: undefined });
  });

  it('says what opa printed when the sources do not load, with paths as they lie in the sources and without its usage text', async () => {
    const policies = await copyOfPolicies();
    const errors = '1 error occurred: policies/release/safety/safety.rego:3: rego_parse_error: unexpected }';
    const text = await fakeOpa(`Version: ${OPA_VERSION}`, `echo '${errors}'; echo '  (policies/lib/x.rego)  '; exit 2`);
    expect(await refusal(testPolicies({ policiesDir: `${policies}//`, opa: text }))).toEqual({
      kind: 'PolicyError',
      code: 'BUILD_FAILED',
      path: undefined,
      message: `opa test could not load the policies: 1 error occurred: ${policies}/release/safety/safety.rego:3: rego_parse_error: unexpected } (${policies}/lib/x.rego)`,
    });
    // A failure that prints nothing on stdout is opa failing, with its error lines up to its usage text.
    const lines = Array.from({ length: 12 }, (_, i) => `error ${i}`).join('\\n');
    const stderr = await fakeOpa(`Version: ${OPA_VERSION}`, `printf '${lines}\\nUsage:\\n  opa test\\n' >&2; exit 1`);
    expect(await refusal(testPolicies({ policiesDir: policies, opa: stderr }))).toEqual({
      kind: 'PolicyError',
      code: 'BUILD_FAILED',
      path: undefined,
      message: `opa test failed: ${Array.from({ length: 10 }, (_, i) => `error ${i}`).join(' ')}`,
    });
    const usage = await fakeOpa(`Version: ${OPA_VERSION}`, "printf 'bad flag\\nUsage:\\n  opa test [flags]\\n' >&2; exit 1");
    expect((await refusal(testPolicies({ policiesDir: policies, opa: usage }))).message).toBe('opa test failed: bad flag');
    const usageLine = await fakeOpa(`Version: ${OPA_VERSION}`, "printf 'bad flag\\nUsage: opa test [flags] <path>\\n' >&2; exit 1");
    expect((await refusal(testPolicies({ policiesDir: policies, opa: usageLine }))).message).toBe('opa test failed: bad flag');
    // What opa printed on stdout without a last newline, then on stderr: separate lines, not run together.
    const unterminated = await fakeOpa(`Version: ${OPA_VERSION}`, "printf 'first' ; printf 'second\\n' >&2; exit 1");
    expect((await refusal(testPolicies({ policiesDir: policies, opa: unterminated }))).message).toBe('opa test could not load the policies: first second');
    const notJSON = await fakeOpa(`Version: ${OPA_VERSION}`, "printf 'policies/lib/x.rego:1: rego_parse_error: unexpected eof'; printf 'second\\n' >&2; exit 2");
    expect((await refusal(testPolicies({ policiesDir: policies, opa: notJSON }))).message).toBe(`opa test could not load the policies: ${policies}/lib/x.rego:1: rego_parse_error: unexpected eof second`);
    const mute = await fakeOpa(`Version: ${OPA_VERSION}`, 'exit 1');
    expect((await refusal(testPolicies({ policiesDir: policies, opa: mute }))).message).toMatch(/^opa test failed: Command failed: /);
  });

  it('says opa is not found when the binary it checked is gone by the time it is run', async () => {
    const policies = await copyOfPolicies();
    const opa = await fakeOpa(`Version: ${OPA_VERSION}`, "echo '[]'");
    expect(await testPolicies({ policiesDir: policies, opa, coverage: false })).toEqual({ passed: 0, failed: [], coverage: undefined });
    // Its version is known from the first run; the binary is then removed.
    rmSync(opa);
    expect(await refusal(testPolicies({ policiesDir: policies, opa, coverage: false }))).toEqual({ kind: 'InputError', code: 'USAGE', path: undefined, message: `opa not found (${opa}); ${NEEDED}` });
  });

  it('asks the version once per binary, and again after a refusal', async () => {
    const policies = await copyOfPolicies();
    const dir = await temporaryDirectory();
    const count = join(dir, 'count');
    const opa = join(dir, 'opa');
    const version = join(dir, 'version');
    writeFileSync(version, '1.0.0');
    writeFileSync(opa, `#!/bin/sh\nif [ "$1" = version ]; then echo x >> '${count}'; echo "Version: $(cat '${version}')"; exit 0; fi\necho '[]'\n`, { mode: 0o755 });
    const asks = () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').length - 1 : 0);
    expect((await refusal(testPolicies({ policiesDir: policies, opa }))).code).toBe('USAGE');
    expect((await refusal(testPolicies({ policiesDir: policies, opa }))).code).toBe('USAGE');
    expect(asks()).toBe(2);
    writeFileSync(version, OPA_VERSION);
    await testPolicies({ policiesDir: policies, opa });
    await testPolicies({ policiesDir: policies, opa });
    expect(asks()).toBe(3);
  });
});

describe('buildPolicyBundle', () => {
  it('refuses a signing key that is not P-256 before testing anything', async () => {
    const dir = await temporaryDirectory();
    const key = join(dir, 'ed25519.key');
    writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const opa = await fakeOpa(`Version: ${OPA_VERSION}`, `touch '${join(dir, 'asked')}'; echo '[]'`);
    expect(await refusal(buildPolicyBundle({ policiesDir: POLICIES, out: join(dir, 'b.tar.gz'), signingKey: key, opa }))).toEqual({
      kind: 'InputError',
      code: 'KEY_INVALID',
      path: key,
      message: 'policy bundles are signed with ES256: use an ECDSA P-256 key',
    });
    expect(readdirSync(dir)).toEqual(['ed25519.key']);
  });

  it('refuses to sign when a Rego test fails, naming each, and leaves what was there', async () => {
    const dir = await temporaryDirectory();
    const out = join(dir, 'b.tar.gz');
    writeFileSync(out, 'the bundle before');
    const failing = (n: number) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ package: 'data.p_test', name: `test_${i}`, fail: true, location: { file: 'policies/p_test.rego', row: i + 1 } })));
    for (const [n, said] of [[1, 'not signing: 1 Rego test failed: p_test.test_0 (' + join(POLICIES, 'p_test.rego') + ':1)'], [2, `not signing: 2 Rego tests failed: p_test.test_0 (${join(POLICIES, 'p_test.rego')}:1), p_test.test_1 (${join(POLICIES, 'p_test.rego')}:2)`]] as const) {
      const opa = await fakeOpa(`Version: ${OPA_VERSION}`, `echo '${failing(n)}'; exit 2`);
      expect(await refusal(buildPolicyBundle({ policiesDir: POLICIES, out, signingKey: POLICY_KEY, opa }))).toEqual({ kind: 'PolicyError', code: 'TESTS_FAILED', path: undefined, message: said });
    }
    expect(readFileSync(out, 'utf8')).toBe('the bundle before');
    expect(readdirSync(dir)).toEqual(['b.tar.gz']);
  });

  it('builds a verified bundle with the real opa into a new folder, leaving no temporary file, and keeps the old bundle when opa build fails', async () => {
    const dir = await temporaryDirectory();
    const out = join(dir, 'nested', 'b.tar.gz');
    const bundle = await buildPolicyBundle({ policiesDir: POLICIES, out, signingKey: POLICY_KEY, opa: tool('.tools/bin/opa') });
    expect(bundle.revision).toBe(await stagePolicySources(POLICIES, await temporaryDirectory(), { tests: false }));
    expect(readdirSync(join(dir, 'nested'))).toEqual(['b.tar.gz']);
    expect(bundle.files.has('policy.wasm')).toBe(true);

    // opa test passes (a stand-in), opa build fails: the bundle already there stays.
    const before = readFileSync(out);
    const opa = await fakeOpa(`Version: ${OPA_VERSION}`, `if [ "$1" = build ]; then printf 'building'; echo 'rego_type_error: x' >&2; exit 1; fi; echo '[]'`);
    const failed = await refusal(buildPolicyBundle({ policiesDir: POLICIES, out, signingKey: POLICY_KEY, opa }));
    expect([failed.code, failed.message]).toEqual(['BUILD_FAILED', 'opa build failed: building rego_type_error: x']);
    expect(readFileSync(out)).toEqual(before);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['b.tar.gz']);

    // opa build writes something that is no signed bundle: refused, and nothing is left of it.
    const junk = await fakeOpa(`Version: ${OPA_VERSION}`, `if [ "$1" = build ]; then while [ $# -gt 0 ]; do [ "$1" = --output ] && out="$2"; shift; done; echo junk > "$out"; exit 0; fi; echo '[]'`);
    const refused = await refusal(buildPolicyBundle({ policiesDir: POLICIES, out, signingKey: POLICY_KEY, opa: junk }));
    expect(refused).toEqual({ kind: 'InputError', code: 'BUNDLE_MALFORMED', path: out, message: 'not a gzip archive within 67108864 bytes: incorrect header check' });
    expect(readFileSync(out)).toEqual(before);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['b.tar.gz']);
  }, 120_000);

  it('checks the public keys of key signers only: a keyless signer has none', async () => {
    const policies = await copyOfPolicies();
    const signers = join(policies, 'data', 'signers.yaml');
    const keyless = '  release-ci:\n    kind: keyless\n    issuer: https://token.actions.githubusercontent.com\n    subject_regexp: ^https://github\\.com/acme/models/\n    extensions: {github_workflow_repository: acme/models}\n';
    writeFileSync(signers, readFileSync(signers, 'utf8').replace(/^signers:\n/m, `signers:\n${keyless}`));
    const staging = await temporaryDirectory();
    await stagePolicySources(policies, staging, { tests: false });
    expect(JSON.parse(readFileSync(join(staging, 'policies', 'data.json'), 'utf8')).gatehouse.signers['release-ci'].kind).toBe('keyless');
  });

  it('refuses a symbolic link that could hold a policy (a .rego name or a folder), naming it, and passes over others', async () => {
    for (const [name, target] of [['linked.rego', join('safety', 'safety.rego')], ['shared', 'safety']] as const) {
      const policies = await copyOfPolicies();
      const link = join(policies, 'release', name);
      symlinkSync(join(policies, 'release', target), link);
      expect(await refusal(stagePolicySources(policies, await temporaryDirectory(), { tests: false })), name).toEqual({
        kind: 'InputError',
        code: 'USAGE',
        path: link,
        message: 'is a symbolic link: policy sources are read as regular files and folders only (copy it in)',
      });
    }
    const policies = await copyOfPolicies();
    symlinkSync(join(policies, 'release', 'safety', 'safety.rego'), join(policies, 'release', 'NOTES.md'));
    symlinkSync(join(policies, 'nowhere'), join(policies, 'release', 'dangling'));
    const staging = await temporaryDirectory();
    await stagePolicySources(policies, staging, { tests: false });
    expect(existsSync(join(staging, 'policies', 'release', 'NOTES.md'))).toBe(false);
  });

});

describe('policy build and test, end to end', () => {
  it('run the real opa test on the staged tests, and measure coverage', async () => {
    const result = await testPolicies({ policiesDir: POLICIES, opa: tool('.tools/bin/opa') });
    const tests = readdirSync(POLICIES, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('_test.rego'))
      .flatMap((e) => readFileSync(join(e.parentPath, e.name), 'utf8').match(/^test_\w+/gm) ?? []);
    expect(tests.length).toBeGreaterThan(100);
    expect(result.failed).toEqual([]);
    expect(result.passed).toBe(tests.length);
    expect(result.coverage).toBeGreaterThan(90);
    expect(result.coverage).toBeLessThanOrEqual(100);
  }, 120_000);

  it('stage in a temporary directory they remove, whether they succeed or fail; a build does not measure coverage', async () => {
    const dir = await temporaryDirectory();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const asked = join(dir, 'asked');
    // opa test passes; opa build writes nothing and fails: every staging directory must still go.
    const opa = await fakeOpa(`Version: ${OPA_VERSION}`, `echo "$*" >> '${asked}'; [ "$1" = build ] && exit 1; echo '[]'`);
    const before = process.env['TMPDIR'];
    process.env['TMPDIR'] = tmp;
    try {
      await testPolicies({ policiesDir: POLICIES, opa });
      expect(readdirSync(tmp)).toEqual([]);
      expect((await refusal(buildPolicyBundle({ policiesDir: POLICIES, out: join(dir, 'b.tar.gz'), signingKey: POLICY_KEY, opa }))).code).toBe('BUILD_FAILED');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = before;
    }
    const calls = readFileSync(asked, 'utf8').trim().split('\n');
    expect(calls.map((call) => call.split(' ')[0])).toEqual(['test', 'test', 'test', 'build']);
    expect(calls.filter((call) => call.includes('--coverage'))).toHaveLength(1);
  });
});
