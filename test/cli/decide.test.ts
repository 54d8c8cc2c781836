import { pathToFileURL } from 'node:url';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, gatehouse, run, temporaryDirectory } from '../helpers.ts';

const KEYS = join(ROOT, 'examples', 'keys');
const BUNDLE = join(ROOT, 'bundles', 'gatehouse.tar.gz');
const MODEL_TREE = join(ROOT, 'test', 'fixtures', 'model-tree');
const AT = '2026-11-22T10:00:00Z';

let work: string;
let digest: string;
let store: string;

beforeAll(async () => {
  // Shared by every test here, so not a per-test temporary directory.
  work = mkdtempSync(join(tmpdir(), 'gatehouse-cli-decide-'));
  const model = join(work, 'model');
  cpSync(MODEL_TREE, model, { recursive: true });
  rmSync(join(model, 'model.sig'));
  // The training pipeline signs the model; then the two artifact gates run, as a pipeline would.
  const { signModelDirectory, modelSigningKeySigner } = await import('../../src/gates/provenance/model-signing.ts');
  const { readPrivateKey } = await import('../../src/keys/keys.ts');
  await signModelDirectory(model, { signer: modelSigningKeySigner(await readPrivateKey(join(KEYS, 'training-pipeline.key'))) });
  digest = gatehouse(['digest', model]).stdout.trim();
  store = join(work, 'attestations');
  for (const args of [
    ['gate', 'integrity', model, '--expected', digest, '--signing-key', join(KEYS, 'integrity-gate.key'), '--store', store, '--at', '2026-11-22T09:00:00Z'],
    ['gate', 'provenance', model, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--signing-key', join(KEYS, 'provenance-gate.key'), '--store', store, '--at', '2026-11-22T09:00:00Z'],
  ]) {
    const result = gatehouse(args);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const verify = (...extra: string[]) =>
  gatehouse(['verify', '--subject', digest, '--store', store, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--at', AT, ...extra]);

describe('gatehouse verify', () => {
  it('allows a complete chain for development, shows the table, and writes a signed decision record', () => {
    const record = join(work, 'decision.json');
    const result = verify('--stage', 'development', '--decision-out', record, '--signing-key', join(KEYS, 'decision-recorder.key'));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ALLOWED: sha256:[0-9a-f]{64} to development/);
    expect(result.stdout).toMatch(/integrity +present +key:SHA256:\S+ \(integrity-gate\) +pass/);
    expect(result.stdout).toMatch(/provenance +present +key:SHA256:\S+ \(provenance-gate\) +pass/);
    expect(JSON.parse(readFileSync(record, 'utf8')).dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    // The example bundle is signed with, and trusts, demo keys whose private halves are published.
    expect(result.stderr).toMatch(/^gatehouse: warning: this policy trusts 22 demo keys whose private halves are published with gatehouse \(examples\/keys\/approver-alice\.pub, .*examples\/keys\/policy-team\.pub, .*\); anyone can sign with them/);
  });

  it('reads the store a --store URI names (file:DIR, file:///abs, a directory, or --attestations, the old flag), and refuses a backend it does not have (postgres:// and oci:// are tested against real servers in test/store/)', () => {
    const base = ['verify', '--subject', digest, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--at', AT, '--stage', 'development'];
    for (const location of [['--store', `file:${store}`], ['--store', pathToFileURL(store).href], ['--attestations', store]]) {
      const result = gatehouse([...base, ...location]);
      expect(result.status, `${location.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^ALLOWED: /);
    }
    const both = gatehouse([...base, '--store', store, '--attestations', store]);
    expect(both.status).toBe(2);
    const s3 = gatehouse([...base, '--store', 's3://bucket/models']);
    expect(s3.status).toBe(2);
    expect(s3.stderr).toMatch(/--store: no s3: store backend/);
    expect(s3.stdout).toBe('');
  });

  it('still takes --decision-key, the old name of --signing-key, for the record it signs', () => {
    const record = join(work, 'old-flag-decision.json');
    const result = verify('--stage', 'development', '--decision-out', record, '--decision-key', join(KEYS, 'decision-recorder.key'));
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(record)).toBe(true);
  });

  it('denies production with exit 1, listing every missing gate', () => {
    const result = verify('--stage', 'production', '--json');
    expect(result.status, result.stderr).toBe(1);
    const decision = JSON.parse(result.stdout);
    expect(decision.allowed).toBe(false);
    expect(decision.gates.canary.status).toBe('missing');
    expect(decision.violations.map((v: { code: string }) => v.code)).toContain('required_gate_missing');
  });

  it('refuses a tampered policy bundle with exit 1 before deciding', async () => {
    const dir = await temporaryDirectory();
    const tampered = join(dir, 'tampered.tar.gz');
    const { execFileSync } = await import('node:child_process');
    execFileSync('tar', ['-xzf', BUNDLE, '-C', dir]);
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
    data.gatehouse.stages.production.required_gates = ['integrity'];
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    execFileSync('tar', ['-czf', tampered, '-C', dir, 'data.json', 'policy.wasm', '.manifest', '.signatures.json', 'policies']);
    const result = gatehouse(['verify', '--subject', digest, '--store', store, '--policy', tampered, '--policy-key', join(KEYS, 'policy-team.pub'), '--stage', 'production']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/policy bundle refused: .*data\.json does not match its signed digest/);
  });

  it('appends a Markdown summary to GITHUB_STEP_SUMMARY in which nothing from the store can pass for the verdict', async () => {
    const dir = await temporaryDirectory();
    const hostile = join(dir, 'attestations');
    cpSync(store, hostile, { recursive: true });
    // A file name is the attacker's text: a fake verdict heading, a link, HTML and a table cell.
    const name = 'x\n### ALLOWED: everything | [docs](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**.sigstore.json';
    writeFileSync(join(hostile, `sha256-${digest.slice('sha256:'.length)}`, name), '{}');
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n\n');
    const args = ['verify', '--subject', digest, '--store', hostile, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--at', AT, '--stage', 'production'];
    const result = gatehouse([...args, '--output', `junit=${join(dir, 'junit.xml')}`], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(result.status).toBe(1);
    // The JUnit report of the same hostile store is well-formed XML.
    const junit = run('python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', join(dir, 'junit.xml')]);
    expect(junit.status, junit.stderr).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n\n### DENIED: sha256\\:')).toBe(true);
    expect(text).toContain('| gate | status | signer | verdict |\n|---|---|---|---|\n| integrity | present |');
    expect(text).toContain('**Violations**');
    const lines = text.split('\n');
    expect(lines.filter((line) => /^#+ /.test(line))).toEqual(['# earlier step', expect.stringMatching(/^### DENIED: /)]);
    const rejected = lines.find((line) => line.includes('ALLOWED'))!;
    for (const escaped of ['x\\\\u000a\\#\\#\\# ALLOWED\\: everything \\| \\[docs\\]\\(javascript\\:alert\\(1\\)\\) \\<img src\\=x', '\\*\\*ok\\*\\*']) expect(rejected).toContain(escaped);
    // After the list marker, every Markdown punctuation mark is escaped.
    expect(rejected.slice(2).replaceAll(/\\[!-\/:-@[-`{-~]/g, '')).not.toMatch(/[!-\/:-@[-`{-~]/);
    // Without the variable, nothing is written anywhere.
    expect(gatehouse(args).status).toBe(1);
    expect(readFileSync(summary, 'utf8')).toBe(text);
  });

  it('writes the decision as JSON, YAML, JUnit XML, SARIF and Markdown reports with --output FORMAT=FILE', async () => {
    const dir = await temporaryDirectory();
    const path = (name: string) => join(dir, name);
    const outputs = ['json', 'yaml', 'junit', 'sarif', 'markdown'].flatMap((format) => ['--output', `${format}=${path(`d.${format}`)}`]);
    const result = verify('--stage', 'production', '--json', ...outputs);
    expect(result.status).toBe(1);
    const printed = JSON.parse(result.stdout);
    expect(JSON.parse(readFileSync(path('d.json'), 'utf8'))).toEqual(printed);
    const { parse } = await import('yaml');
    expect(parse(readFileSync(path('d.yaml'), 'utf8'))).toEqual(printed);
    expect(readFileSync(path('d.markdown'), 'utf8')).toMatch(/^### DENIED: /);
    // JUnit, read by a real XML parser: one case per gate and one per violation, failures counted.
    const junit = run('python3', ['-c', [
      'import sys, xml.etree.ElementTree as E',
      'r = E.parse(sys.argv[1]).getroot(); s = r.find("testsuite")',
      'cases = s.findall("testcase")',
      'print(r.get("tests"), r.get("failures"), len(cases), sum(1 for c in cases if c.find("failure") is not None))',
      'print(" ".join(c.get("name") for c in cases if c.get("classname") == "gatehouse.gates"))',
      'print(" ".join(c.get("name") for c in cases if c.get("classname") == "gatehouse.gates" and c.find("failure") is not None))',
    ].join('\n'), path('d.junit')]);
    expect(junit.status, junit.stderr).toBe(0);
    const gates = Object.keys(printed.gates);
    const failingGates = gates.filter((gate) => printed.gates[gate].status !== 'present' || printed.violations.some((v: { gate: string }) => v.gate === gate));
    const tests = gates.length + printed.violations.length;
    expect(junit.stdout).toBe(`${tests} ${failingGates.length + printed.violations.length} ${tests} ${failingGates.length + printed.violations.length}\n${gates.join(' ')}\n${failingGates.join(' ')}\n`);
    // Production with only the two artifact gates: the other nine are what blocks it.
    expect([...failingGates].sort()).toEqual(['approval', 'backdoor', 'bias', 'canary', 'data-provenance', 'redteam', 'regression', 'robustness', 'safety']);
    const sarif = JSON.parse(readFileSync(path('d.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].invocations[0].properties).toMatchObject({ allowed: false, stage: 'production' });
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(printed.violations.map((v: { code: string }) => v.code));
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([...new Set(printed.violations.map((v: { code: string }) => v.code))].sort());
  });

  it('refuses a report or record path that cannot be written before deciding, writing nothing (exit 2)', async () => {
    const dir = await temporaryDirectory();
    const result = verify('--stage', 'development', '--output', `json=${join(dir, 'ok.json')}`, '--output', `junit=${dir}`, '--decision-out', join(dir, 'record.json'), '--signing-key', join(KEYS, 'decision-recorder.key'));
    expect([result.status, result.stdout, result.stderr]).toEqual([2, '', `gatehouse: ${dir}: is a directory: name a file to write\n`]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lists at most 50 rejected bundles by name in the Markdown summary', async () => {
    const dir = await temporaryDirectory();
    const crowded = join(dir, 'attestations');
    cpSync(store, crowded, { recursive: true });
    for (let i = 0; i < 60; i++) writeFileSync(join(crowded, `sha256-${digest.slice('sha256:'.length)}`, `junk-${String(i).padStart(2, '0')}.sigstore.json`), '{}');
    const summary = join(dir, 'summary.md');
    gatehouse(['verify', '--subject', digest, '--store', crowded, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--at', AT, '--stage', 'development'], { env: { GITHUB_STEP_SUMMARY: summary } });
    const text = readFileSync(summary, 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('- ') && line.includes('junk\\-'))).toHaveLength(50);
    expect(text).toContain('- … and 10 more (every one is in the JSON report)');
  });

  it('refuses an unknown report format or a missing file before deciding (exit 2)', async () => {
    const dir = await temporaryDirectory();
    for (const value of ['html=x.html', 'json', 'json=']) {
      const result = verify('--stage', 'production', '--output', `json=${join(dir, 'ok.json')}`, '--output', value);
      expect(result.status, value).toBe(2);
      expect(result.stderr).toBe(`gatehouse: --output: expected FORMAT=FILE with FORMAT one of json, yaml, junit, sarif, markdown, got ${JSON.stringify(value)}\n`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('warns when GITHUB_STEP_SUMMARY cannot be written, and keeps its verdict and exit code', () => {
    const result = gatehouse(['verify', '--subject', digest, '--store', store, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub'), '--at', AT, '--stage', 'development'], { env: { GITHUB_STEP_SUMMARY: join(work, 'no', 'such', 'dir', 'summary.md') } });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ALLOWED: /);
    expect(result.stderr).toMatch(/gatehouse: warning: could not append the summary to GITHUB_STEP_SUMMARY \(.*summary\.md\): /);
  });

  it('treats bad usage as bad input (exit 2)', () => {
    expect(verify('--stage', 'development', '--decision-out', join(work, 'x.json')).status).toBe(2);
    expect(verify('--stage', 'development', '--deployed', 'abc').status).toBe(2);
    const notABundle = gatehouse(['verify', '--subject', digest, '--store', store, '--policy', join(KEYS, 'policy-team.pub'), '--policy-key', join(KEYS, 'policy-team.pub'), '--stage', 'development']);
    expect(notABundle.status).toBe(2);
    expect(notABundle.stderr).toMatch(/policy-team\.pub: not a gzip archive/);
  });
});

describe('gatehouse replay', () => {
  it('exits 0 for an identical replay and 1 with the difference when a bundle is gone', () => {
    const record = join(work, 'replay-decision.json');
    expect(verify('--stage', 'development', '--decision-out', record, '--signing-key', join(KEYS, 'decision-recorder.key')).status).toBe(0);
    const args = ['replay', record, '--store', store, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub')];
    const same = gatehouse(args);
    expect(same.status, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^identical: /);

    const copy = join(work, 'partial');
    cpSync(store, copy, { recursive: true });
    const folder = join(copy, `sha256-${digest.slice(7)}`);
    rmSync(join(folder, readdirSync(folder)[0]!));
    const different = gatehouse(['replay', record, '--store', copy, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub')]);
    expect(different.status).toBe(1);
    expect(different.stdout).toMatch(/DIFFERENT:[\s\S]*is recorded but not in[\s\S]*result.allowed: recorded true, replayed false/);
  });

  it('refuses to sign a record with a key the policy does not list in decision_signers, writing nothing', () => {
    const record = join(work, 'unreplayable-decision.json');
    const result = verify('--stage', 'development', '--decision-out', record, '--signing-key', join(KEYS, 'integrity-gate.key'));
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/integrity-gate\.key: SHA256:\S+ is not one of the policy's decision_signers \(decision-recorder\)/);
    expect(existsSync(record)).toBe(false);
  });

  it('refuses a record signed by a key that may not sign decisions', async () => {
    const record = join(work, 'forged-decision.json');
    const good = join(work, 'good-decision.json');
    expect(verify('--stage', 'development', '--decision-out', good, '--signing-key', join(KEYS, 'decision-recorder.key')).status).toBe(0);
    const { KeySigner } = await import('../../src/sign/key/key-signer.ts');
    const { readPrivateKey } = await import('../../src/keys/keys.ts');
    const { signStatement } = await import('../../src/sign/attest.ts');
    // The same statement, re-signed by a gate's key.
    const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(good, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));
    writeFileSync(record, JSON.stringify(await signStatement(statement, { signer: new KeySigner(await readPrivateKey(join(KEYS, 'integrity-gate.key'))) })));
    const replayed = (path: string) => gatehouse(['replay', path, '--store', store, '--policy', BUNDLE, '--policy-key', join(KEYS, 'policy-team.pub')]);
    expect(replayed(good).status).toBe(0);
    const result = replayed(record);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/verification failed: .*does not verify with any trusted key/);
  });
});

// A copy of policies/ in a new temporary directory, for tests that break it.
async function copyOfPolicies(): Promise<{ dir: string; policies: string }> {
  const dir = await temporaryDirectory();
  const policies = join(dir, 'policies');
  cpSync(join(ROOT, 'policies'), policies, { recursive: true });
  return { dir, policies };
}

// Appends a Rego test that fails to the safety tests; returns its line.
function appendFailingTest(policies: string): number {
  const tests = join(policies, 'release', 'safety', 'safety_test.rego');
  const text = readFileSync(tests, 'utf8');
  writeFileSync(tests, `${text}\ntest_deliberately_failing if {\n\t1 == 2\n}\n`);
  return text.split('\n').length + 1;
}

describe('gatehouse policy test', () => {
  it('runs the Rego tests and reports full coverage', () => {
    const result = gatehouse(['policy', 'test', '--policies', join(ROOT, 'policies')]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed; coverage 100\.0%/);
  });

  it('names each failing test with its file and line and exits 1', async () => {
    const { policies } = await copyOfPolicies();
    const row = appendFailingTest(policies);
    const location = `${join(policies, 'release', 'safety', 'safety_test.rego')}:${row}`;
    const text = gatehouse(['policy', 'test', '--policies', policies]);
    expect(text.status, text.stderr).toBe(1);
    expect(text.stdout).toContain(`FAIL release.safety_test.test_deliberately_failing (${location})\n`);
    expect(text.stdout).toMatch(/\d+ passed, 1 failed; coverage not measured while a test fails/);
    const json = gatehouse(['policy', 'test', '--policies', policies, '--json']);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ failed: 1, failures: [{ name: 'release.safety_test.test_deliberately_failing', location }], coverage: null });
  });

  it('says which source does not parse, and a missing or wrong policies directory, with exit 2', async () => {
    const { dir, policies } = await copyOfPolicies();
    const broken = join(policies, 'release', 'safety', 'safety.rego');
    writeFileSync(broken, `${readFileSync(broken, 'utf8')}\nbroken if { 1 == }\n`);
    const parse = gatehouse(['policy', 'test', '--policies', policies]);
    expect(parse.status).toBe(2);
    expect(parse.stderr).toContain(`${broken}:`);
    expect(parse.stderr).toContain('rego_parse_error');
    const missing = gatehouse(['policy', 'test', '--policies', join(dir, 'nowhere')]);
    expect([missing.status, missing.stderr]).toEqual([2, `gatehouse: ${join(dir, 'nowhere')}: no such policies directory\n`]);
    const file = gatehouse(['policy', 'test', '--policies', broken]);
    expect(file.status).toBe(2);
    expect(file.stderr).toContain('not a directory');
    const empty = gatehouse(['policy', 'test', '--policies', join(policies, 'data')]);
    expect([empty.status, empty.stderr]).toEqual([2, `gatehouse: ${join(policies, 'data')}: no Rego policies in this directory\n`]);
  });
});

describe('the opa gatehouse builds and tests policies with', () => {
  it('is the release scripts/install-tools.sh pins', async () => {
    const { OPA_VERSION } = await import('../../src/policy/build.ts');
    expect(readFileSync(join(ROOT, 'scripts', 'install-tools.sh'), 'utf8')).toContain(`OPA_VERSION=v${OPA_VERSION}\n`);
  });

  it('is refused, saying which version is needed, when older, of another major version, unknown or missing', async () => {
    const { OPA_VERSION } = await import('../../src/policy/build.ts');
    const dir = await temporaryDirectory();
    const needed = `gatehouse needs opa v${OPA_VERSION} or a later 1.x: run npm run tools, put opa on PATH, or pass --opa`;
    for (const [version, said] of [['0.70.0', 'is opa v0.70.0'], ['1.21.9', 'is opa v1.21.9'], ['2.0.0', 'is opa v2.0.0'], ['', 'is opa of an unknown version']]) {
      const fake = join(dir, `opa-${version || 'unknown'}`);
      writeFileSync(fake, `#!/bin/sh\necho "Version: ${version}"\n`, { mode: 0o755 });
      const result = gatehouse(['policy', 'test', '--opa', fake]);
      expect([result.status, result.stderr], version).toEqual([2, `gatehouse: ${fake} ${said}; ${needed}\n`]);
    }
    const later = join(dir, 'opa-later');
    writeFileSync(later, `#!/bin/sh\n[ "$1" = version ] && echo "Version: 1.99.0" && exit 0\nexec ${join(ROOT, '.tools', 'bin', 'opa')} "$@"\n`, { mode: 0o755 });
    expect(gatehouse(['policy', 'test', '--opa', later]).status).toBe(0);
    const missing = gatehouse(['policy', 'test', '--opa', join(dir, 'nowhere')]);
    expect([missing.status, missing.stderr]).toEqual([2, `gatehouse: opa not found (${join(dir, 'nowhere')}); ${needed}\n`]);
  });
});

describe('gatehouse policy init', () => {
  it("scaffolds a repository whose policy tests pass, builds and signs with the team's own keys, and trusts no demo key", async () => {
    const dir = join(await temporaryDirectory(), 'team-policy');
    const init = gatehouse(['policy', 'init', dir]);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain(`policy key: ${join(dir, 'keys', 'policy-team.key')}`);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('keys/*.key');
    expect(statSync(join(dir, 'keys', 'policy-team.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, '.github', 'workflows', 'policy.yml'))).toBe(true);
    const tested = gatehouse(['policy', 'test', '--policies', join(dir, 'policies')]);
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    const bundle = join(dir, 'bundles', 'gatehouse.tar.gz');
    const built = gatehouse(['policy', 'build', '--policies', join(dir, 'policies'), '--signing-key', join(dir, 'keys', 'policy-team.key'), '--out', bundle]);
    expect(built.status, built.stderr).toBe(0);
    const { readPolicyBundle } = await import('../../src/policy/bundle.ts');
    const { readPublicKey } = await import('../../src/keys/keys.ts');
    const { demoKeysTrusted } = await import('../../src/policy/demo-keys.ts');
    const policyKey = await readPublicKey(join(dir, 'keys', 'policy-team.pub'));
    const data = (await readPolicyBundle(bundle, policyKey)).data['gatehouse'] as { signers: Record<string, { public_key: string }> };
    expect(demoKeysTrusted(policyKey, data)).toEqual([]);
    expect(data.signers['integrity-gate']!.public_key).toBe(readFileSync(join(dir, 'keys', 'integrity-gate.pub'), 'utf8'));
    // verify with the team's bundle says nothing about demo keys (the empty store is simply denied).
    const verified = gatehouse(['verify', '--subject', digest, '--store', await temporaryDirectory(), '--policy', bundle, '--policy-key', join(dir, 'keys', 'policy-team.pub'), '--stage', 'development']);
    expect(verified.status).toBe(1);
    expect(verified.stderr).toBe('');
    const again = gatehouse(['policy', 'init', dir]);
    expect([again.status, again.stderr]).toEqual([2, `gatehouse: ${dir}: is not empty: policy init scaffolds a new repository\n`]);
    const file = join(dir, '.gitignore');
    expect(gatehouse(['policy', 'init', file]).stderr).toBe(`gatehouse: ${file}: is a file: policy init scaffolds a new directory\n`);
    expect(gatehouse(['policy', 'init', join(file, 'sub')]).stderr).toBe(`gatehouse: ${file}: is a file, not a folder\n`);
  });
});

describe('gatehouse policy build', () => {
  const build = (policies: string, out: string) => gatehouse(['policy', 'build', '--policies', policies, '--signing-key', join(KEYS, 'policy-team.key'), '--out', out]);

  it('refuses to sign a policy whose tests fail, and leaves the bundle already there untouched', async () => {
    const { dir, policies } = await copyOfPolicies();
    appendFailingTest(policies);
    const out = join(dir, 'bundle.tar.gz');
    writeFileSync(out, 'the bundle before');
    const result = build(policies, out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^gatehouse: policy build: not signing: 1 Rego test failed: release\.safety_test\.test_deliberately_failing \(.*safety_test\.rego:\d+\)\n$/);
    expect(readFileSync(out, 'utf8')).toBe('the bundle before');
    expect(readdirSync(dir).sort()).toEqual(['bundle.tar.gz', 'policies']);
  });

  it('refuses a signer whose public key does not parse, naming the data file and the signer', async () => {
    const { dir, policies } = await copyOfPolicies();
    const signers = join(policies, 'data', 'signers.yaml');
    const text = readFileSync(signers, 'utf8');
    const line = text.split('\n').find((l) => /^ {6}[A-Za-z0-9+/]{40,}$/.test(l))!;
    writeFileSync(signers, text.replace(line, line.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')).slice(0, -4)));
    const out = join(dir, 'bundle.tar.gz');
    const result = build(policies, out);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^gatehouse: ${signers}: signer integrity-gate: public_key is not a PEM public key`));
    expect(existsSync(out)).toBe(false);
  });

  it('refuses thresholds of the wrong type, naming the data file, before anything is signed', async () => {
    const { dir, policies } = await copyOfPolicies();
    const thresholds = join(policies, 'data', 'thresholds.yaml');
    const text = readFileSync(thresholds, 'utf8');
    const out = join(dir, 'bundle.tar.gz');
    for (const [from, to, problem] of [
      ['max_over_refusal: 0.10', 'max_over_refusal: "ten percent"', 'thresholds.safety: at /max_over_refusal: must be number'],
      ['min_group_size: 100', 'min_group_size: 0.5', 'thresholds.bias: at /min_group_size: must be integer'],
      ['accuracy: {direction: higher, tolerance: 0.01}', 'accuracy: {direction: up, tolerance: 0.01}', 'thresholds.regression: at /metrics/accuracy/direction: must be equal to one of the allowed values ({"allowedValues":["higher","lower"]})'],
    ] as const) {
      expect(text).toContain(from);
      writeFileSync(thresholds, text.replace(from, to));
      const result = build(policies, out);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toBe(`gatehouse: ${thresholds}: not a valid ${problem}\n`);
      expect(existsSync(out)).toBe(false);
    }
  });
});
