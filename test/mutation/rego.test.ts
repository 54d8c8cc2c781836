import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutantsOf } from '../../scripts/mutation/rego.ts';
import { ROOT, temporaryDirectory } from '../helpers.ts';

const POLICY = `# METADATA
# title: Example >= "not this"
package example

import data.lib

stale(record) if input.now - record.at > lib.max_age # not a comment operator: >=

deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	gate in data.allowed
	limit := object.get(lib.stage, "approvals", 0)
	latest := max({r.at | some r in lib.records})
	msg := sprintf("a > b %s", [gate])
	result := {"msg": msg}
}
`;

describe('mutantsOf', () => {
  const mutants = mutantsOf('policies/example.rego', POLICY);
  const at = (line: number) => mutants.filter((m) => m.line === line).map((m) => `${m.operator}: ${m.mutated.trim()}`);

  it('leaves comments, METADATA and string contents alone', () => {
    expect(at(1)).toEqual([]);
    expect(at(2)).toEqual([]);
    expect(at(15)).toEqual([]);
  });

  it('moves comparison boundaries and flips arithmetic', () => {
    expect(at(7)).toEqual([
      'relational: stale(record) if input.now - record.at >= lib.max_age # not a comment operator: >=',
      'arithmetic: stale(record) if input.now + record.at > lib.max_age # not a comment operator: >=',
    ]);
  });

  it('drops a negation, negates a membership test and removes body conditions, but not bindings or iteration', () => {
    expect(at(10)).toEqual([]);
    expect(at(11)).toEqual(['negation: lib.acceptable[gate]', 'condition: true # condition removed by mutation']);
    expect(at(12)).toEqual(['membership: not gate in data.allowed', 'condition: true # condition removed by mutation']);
    expect(at(16)).toEqual([]);
  });

  it('changes defaults and aggregates', () => {
    expect(at(13)).toEqual(['default: limit := object.get(lib.stage, "approvals", 1)']);
    expect(at(14)).toEqual(['aggregate: latest := min({r.at | some r in lib.records})']);
  });
});

describe('npm run mutation:rego --opa-test-only', () => {
  it('kills a mutant by opa test alone, and records one it misses as surviving opa test, without the decision tests', async () => {
    const out = join(await temporaryDirectory(), 'rego.json');
    // numbers.rego :79 has a mutant the Rego tests kill; result_helper.rego :41 one they cannot (equivalent).
    const run = spawnSync(process.execPath, ['scripts/mutation/rego.ts', '--opa-test-only', '--only', 'policies/lib/numbers.rego:79', '--only', 'policies/lib/result_helper.rego:41', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { summary: { mode: string }; results: Array<{ file: string; line: number; status: string; by?: string[]; note?: string }> };
    expect(report.summary.mode).toBe('opa test only');
    const at = (file: string) => report.results.filter((r) => r.file === file);
    expect(at('policies/lib/numbers.rego').map((r) => [r.status, r.by?.[0]?.startsWith('opa test: ')])).toEqual([['killed', true], ['killed', true]]);
    // Its negation is killed; the condition removed survives, noted as judged by opa test only.
    expect(at('policies/lib/result_helper.rego').map((r) => [r.status, r.note])).toEqual([['killed', undefined], ['survived', 'opa test only: the decision tests were not run']]);
  }, 120_000);

  it('refuses an option it does not know, naming it and the usage', () => {
    const run = spawnSync(process.execPath, ['scripts/mutation/rego.ts', '--opa-tests-only'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('mutation:rego: unknown option --opa-tests-only; usage: node scripts/mutation/rego.ts [--list] [--only PATH[:LINE]]... [--opa-test-only] [--out FILE]');
  });
});
