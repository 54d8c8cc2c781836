import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle } from '../../src/policy/bundle.ts';
import { buildPolicyBundle, testPolicies } from '../../src/policy/build.ts';
import { ROOT, run, temporaryDirectory, tool } from '../helpers.ts';
import { POLICY_KEY, POLICY_PUB } from '../support/policy.ts';

const POLICIES = join(ROOT, 'policies');

// Every formatting verb but %s (and the literal %%) in Rego source: in string
// literals and in METADATA failure messages, not in prose comments.
function sprintfVerbs(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#') || line.includes('failure_msg:'))
    .flatMap((line) => [...line.matchAll(/%(%|[-+# 0]*\d*(?:\.\d+)?[a-zA-Z])/g)].map((match) => match[0]))
    .filter((verb) => verb !== '%%' && verb !== '%s');
}

function regoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.rego'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the Rego policies', () => {
  it('are formatted (opa fmt --fail)', () => {
    const result = run(tool('.tools/bin/opa'), ['fmt', '--fail', '--list', POLICIES]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('type-check strictly (opa check --strict)', () => {
    const result = run(tool('.tools/bin/opa'), ['check', '--strict', POLICIES]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('pass regal lint', () => {
    const result = run(join(ROOT, '.tools', 'bin', 'regal'), ['lint', '--format', 'compact', POLICIES], { cwd: ROOT });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('pass their tests with 100% coverage (gatehouse policy test)', async () => {
    const result = await testPolicies({ policiesDir: POLICIES, opa: tool('.tools/bin/opa') });
    expect(result.failed).toEqual([]);
    expect(result.passed).toBeGreaterThanOrEqual(40);
    expect(result.coverage).toBe(100);
  });

  it('put every rule that denies behind METADATA with title, description, short_name and failure_msg', () => {
    for (const file of regoFiles(join(POLICIES, 'release'))) {
      if (file.endsWith('_test.rego')) continue;
      const text = readFileSync(file, 'utf8');
      const denies = text.split('\ndeny contains').length - 1;
      expect(denies, file).toBeGreaterThan(0);
      for (const field of ['# title:', '# description:', '#   short_name:', '#   failure_msg:']) {
        expect(text.split(field).length - 1, `${file} ${field}`).toBeGreaterThanOrEqual(denies);
      }
    }
  });

  it('format values with %s only, numbers through lib.format_number', () => {
    // opa-wasm formats with sprintf-js (JavaScript's String(n): 0.00005, 1e-7) and native OPA
    // with Go (5e-05, 1e-07), so a number written by %v, %d or %f reads differently in the two
    // runtimes; %q and the like would fail a decision at run time. Messages take numbers as
    // strings from lib.format_number (policies/lib/numbers.rego).
    expect(sprintfVerbs('#   failure_msg: "%s: %d of %v, %.2f, %5.1e, 100%% %x"\nx := sprintf("%s %g", [a, b])')).toEqual(['%d', '%v', '%.2f', '%5.1e', '%x', '%g']);
    expect(sprintfVerbs('# prose about Go\'s %v\nmsg := sprintf("%s is %s (100%%)", [a, lib.format_number(b)])')).toEqual([]);
    // Tests run under native opa only, never in the WebAssembly runtime (and write URIs with
    // percent-encodings such as %2e, which read as verbs here).
    for (const file of regoFiles(POLICIES).filter((name) => !name.endsWith('_test.rego'))) {
      expect(sprintfVerbs(readFileSync(file, 'utf8')), file).toEqual([]);
    }
  });
});

describe('policies/capabilities.json', () => {
  it('is what scripts/policy/capabilities.ts derives from the pinned opa and opa-wasm', () => {
    const result = run(process.execPath, [join(ROOT, 'scripts', 'policy', 'capabilities.ts'), '--check']);
    expect(result.status, result.stderr).toBe(0);
  });

  it('makes a policy that calls a builtin the JS runtime lacks fail the build', async () => {
    const dir = await temporaryDirectory();
    cpSync(POLICIES, join(dir, 'policies'), { recursive: true });
    const decision = join(dir, 'policies', 'decision', 'decision.rego');
    writeFileSync(decision, `${readFileSync(decision, 'utf8')}\nclock := time.now_ns()\n`);
    await expect(buildPolicyBundle({ policiesDir: join(dir, 'policies'), out: join(dir, 'b.tar.gz'), signingKey: POLICY_KEY, opa: tool('.tools/bin/opa') })).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('undefined function time.now_ns'),
    });
  });
});

describe('bundles/gatehouse.tar.gz', () => {
  it('is what the sources build to: every file but the signature is identical', async () => {
    const dir = await temporaryDirectory();
    const rebuilt = await buildPolicyBundle({ policiesDir: POLICIES, out: join(dir, 'rebuilt.tar.gz'), signingKey: POLICY_KEY, opa: tool('.tools/bin/opa') });
    const committed = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(POLICY_PUB));
    const names = (files: ReadonlyMap<string, Buffer>) => [...files.keys()].filter((name) => name !== '.signatures.json').sort();
    expect(names(committed.files)).toEqual(names(rebuilt.files));
    for (const name of names(rebuilt.files)) {
      expect(committed.files.get(name)!.equals(rebuilt.files.get(name)!), `${name} differs from its sources: run gatehouse policy build`).toBe(true);
    }
  });
});
