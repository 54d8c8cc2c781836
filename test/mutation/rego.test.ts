import { describe, expect, it } from 'vitest';
import { mutantsOf } from '../../scripts/mutation/rego.ts';

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
