// lib.format_number (policies/lib/numbers.rego) must write every number the
// same way in the WebAssembly build gatehouse runs and in native opa eval:
// numbers read from input, and numbers computed in Rego (exact decimal in
// WebAssembly, 64-bit binary floating point natively).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpaWasmEvaluator } from '../../src/policy/evaluator.ts';
import { seededRandom } from '../../src/stats/random.ts';
import { ROOT, tool } from '../helpers.ts';

const PROBE = `package probe

import data.lib

# Each number as read, and as computed from it in Rego.
formatted := [[lib.format_number(x), lib.format_number(x * 3), lib.format_number(x / 7), lib.format_number(x - 0.1), lib.format_number(0 - x)] |
	some x in input.xs
]

# The same for many inputs in one native evaluation (each bound with \`with\`, so
# the function cache, which hashes small numbers alike, stays small).
batches := [out | some xs in data.batches; out := formatted with input.xs as xs]
`;

const EXAMPLES: Array<[number, string]> = [
  [0.00005, '0.00005'],
  [1e-7, '1e-7'],
  [-1234567.5, '-1.23457e+6'],
  [604800, '604800'],
  [0.1234565, '0.123457'],
  [1e21, '1e+21'],
];

// Numbers of every magnitude, short decimals with ties at the seventh digit, integers, the awkward.
function numbers(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  const out = [0, -0, 1, -1, 0.1, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 2 ** 53, 999999.5, 99999.95, 1e15, 1e-6, 9.99999e-7, ...EXAMPLES.map(([x]) => x)];
  while (out.length < count) {
    const kind = out.length % 5;
    if (kind === 0) out.push((random.next() - 0.5) * 10 ** (random.int(80) - 40));
    else if (kind === 1) out.push(Math.round((random.next() - 0.5) * 1e7) / 10 ** random.int(12));
    else if (kind === 2) out.push(Number((((random.int(1_000_000) + 0.5) / 1e6) * 10 ** (random.int(14) - 7)).toPrecision(7)));
    else if (kind === 3) out.push(random.int(2_000_000) - 1_000_000);
    else out.push(Number(((random.next() - 0.5) * 2).toPrecision(1 + random.int(9))));
  }
  return out;
}

describe('lib.format_number', () => {
  let dir: string;
  let evaluator: OpaWasmEvaluator;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-numbers-'));
    mkdirSync(join(dir, 'p', 'lib'), { recursive: true });
    copyFileSync(join(ROOT, 'policies', 'lib', 'numbers.rego'), join(dir, 'p', 'lib', 'numbers.rego'));
    writeFileSync(join(dir, 'p', 'probe.rego'), PROBE);
    const built = spawnSync(tool('.tools/bin/opa'), ['build', '--target', 'wasm', '--entrypoint', 'probe/formatted', '--capabilities', join(ROOT, 'policies', 'capabilities.json'), '--output', join(dir, 'probe.tar.gz'), 'p'], { cwd: dir, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    expect(spawnSync('tar', ['xzf', 'probe.tar.gz', '/policy.wasm'], { cwd: dir }).status).toBe(0);
    const wasm = readFileSync(join(dir, 'policy.wasm'));
    evaluator = await OpaWasmEvaluator.load({ source: 'probe', digest: '', files: new Map(), data: {}, wasm, entrypoint: 'probe/formatted', revision: '' });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function natively(batches: number[][]): string[][][] {
    writeFileSync(join(dir, 'batches.json'), JSON.stringify({ batches }));
    const evaluated = spawnSync(tool('.tools/bin/opa'), ['eval', '--format', 'json', '--data', join(dir, 'p'), '--data', join(dir, 'batches.json'), 'data.probe.batches'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    return JSON.parse(evaluated.stdout).result[0].expressions[0].value;
  }

  it('writes the documented examples', () => {
    const written = evaluator.evaluate({ xs: EXAMPLES.map(([x]) => x) }) as string[][];
    expect(written.map((forms) => forms[0])).toEqual(EXAMPLES.map(([, text]) => text));
  });

  it('writes 400 numbers, and what Rego computes from them, identically in WebAssembly and natively', () => {
    const all = numbers(400, 3);
    const batches = Array.from({ length: all.length / 10 }, (_, i) => all.slice(i * 10, i * 10 + 10));
    const native = natively(batches);
    const wasm = batches.map((xs) => evaluator.evaluate({ xs }) as string[][]);
    const differing = batches.flatMap((xs, b) => xs.flatMap((x, i) => (JSON.stringify(wasm[b]![i]) === JSON.stringify(native[b]![i]) ? [] : [{ x, wasm: wasm[b]![i], native: native[b]![i] }])));
    expect(differing).toEqual([]);
    // Never empty, never the JSON fallback: every number was formatted.
    expect(wasm.flat(2).every((text) => /^-?\d+(\.\d+)?(e[+-]\d+)?$/.test(text))).toBe(true);
  });
});
