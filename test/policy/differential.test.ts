// The policy must decide the same, byte for byte, in gatehouse (OPA compiled to
// WebAssembly) and in native `opa eval`, where an auditor may replay a record.
// Seeded generated inputs and data (test/support/differential.ts) go through
// both; the whole results are compared. A larger run for a report:
//   node scripts/policy/differential.ts --count 5000 --seed 17
import { describe, expect, it } from 'vitest';
import { declaredCodes, runDifferential } from '../support/differential.ts';

describe('the promotion policy in OPA-WASM and in native opa eval', () => {
  it('gives the same whole result for 800 generated inputs, with every rule firing', async () => {
    const report = await runDifferential({ count: 800, seed: 7 });
    expect(report.compared).toBe(report.fixed + 800);
    expect(report.fixed).toBeGreaterThan(0);
    expect(report.differences, JSON.stringify(report.differences[0], null, 1)?.slice(0, 6000)).toEqual([]);
    expect(report.differenceCount).toBe(0);
    // The comparison means something only if the inputs reach the rules: both allowed
    // decisions and every violation code the policy sources declare.
    expect(report.allowed).toBeGreaterThan(0);
    const silent = declaredCodes().filter((code) => (report.codes[code] ?? 0) === 0);
    expect(silent, 'violation codes no generated input produced: teach test/support/differential.ts to reach them').toEqual([]);
  }, 600_000);
});
