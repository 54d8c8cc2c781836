// The OPA-WASM evaluator on a small policy compiled by the real opa: results
// as values, JSON text read as the same input, and every way an evaluation
// can fail to give one result, each an error and never an allow.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import { PolicyError } from '../../src/policy/error.ts';
import { OpaWasmEvaluator } from '../../src/policy/evaluator.ts';
import { readTarGz } from '../../src/policy/tar.ts';
import { temporaryDirectory } from '../helpers.ts';
import { tool } from '../support/paths.ts';

// result: the input's value echoed with data's; conflict: two values when input sets a and b; nothing: never defined.
const POLICY = `package probe

result := {"echo": input, "limit": data.limit}

conflict := 1 if input.a

conflict := 2 if input.b

nothing if false
`;

let wasm: Buffer;

beforeAll(async () => {
  const dir = await temporaryDirectory();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'probe.rego'), POLICY);
  const built = spawnSync(tool('.tools/bin/opa'), ['build', '--target', 'wasm', '-e', 'probe/result', '-e', 'probe/conflict', '-e', 'probe/nothing', '--output', join(dir, 'b.tar.gz'), join(dir, 'src')], { encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  wasm = readTarGz(readFileSync(join(dir, 'b.tar.gz')), 'probe.tar.gz').get('policy.wasm')!;
}, 60_000);

function bundle(entrypoint: string, overrides: Partial<VerifiedPolicyBundle> = {}): VerifiedPolicyBundle {
  return { source: 'probe.tar.gz', digest: '00'.repeat(32), files: new Map(), data: { limit: 3 }, wasm, entrypoint, revision: 'r', ...overrides };
}

async function failure(run: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return { code: (error as PolicyError).code, message: (error as PolicyError).message };
  }
  return expect.unreachable('expected an error');
}

describe('OpaWasmEvaluator', () => {
  it('gives the entrypoint value for an input, the same for the input written as JSON text, with the data loaded', async () => {
    const evaluator = await OpaWasmEvaluator.load(bundle('probe/result'));
    const input = { model: 'é😀', n: [1, 2.5, -0.1], nested: { a: null } };
    expect(evaluator.evaluate(input)).toEqual({ echo: input, limit: 3 });
    expect(evaluator.evaluateJSON(JSON.stringify(input))).toEqual({ echo: input, limit: 3 });
    // Many evaluations on one instance: each its own input, memory reset between them.
    for (let i = 0; i < 50; i++) expect(evaluator.evaluateJSON(JSON.stringify({ i, pad: 'x'.repeat(i * 100) }))).toEqual({ echo: { i, pad: 'x'.repeat(i * 100) }, limit: 3 });
    expect(evaluator.memoryBytes).toBeGreaterThan(0);
    expect(evaluator.memoryBytes % 65536).toBe(0);
  });

  it('refuses a bundle without the entrypoint, and WebAssembly that does not load, naming the bundle', async () => {
    expect(await failure(() => OpaWasmEvaluator.load(bundle('probe/missing')))).toEqual({ code: 'EVALUATION_FAILED', message: 'probe.tar.gz: policy has no entrypoint probe/missing' });
    const broken = await failure(() => OpaWasmEvaluator.load(bundle('probe/result', { wasm: Buffer.from('not wasm') })));
    expect(broken.code).toBe('EVALUATION_FAILED');
    expect(broken.message).toMatch(/^cannot load probe\.tar\.gz: .+/);
  });

  it('makes an evaluation that fails, and one without a result, errors', async () => {
    const conflict = await OpaWasmEvaluator.load(bundle('probe/conflict'));
    expect(conflict.evaluate({ a: true })).toBe(1);
    const failed = await failure(() => conflict.evaluate({ a: true, b: true }));
    expect(failed.code).toBe('EVALUATION_FAILED');
    expect(failed.message).toMatch(/^policy evaluation failed: .*conflict/);
    // An undefined entrypoint is no result, never an allow.
    expect(await failure(() => conflict.evaluate({}))).toEqual({ code: 'EVALUATION_FAILED', message: 'policy produced no single result for probe/conflict' });
    const nothing = await OpaWasmEvaluator.load(bundle('probe/nothing'));
    expect(await failure(() => nothing.evaluateJSON('{}'))).toEqual({ code: 'EVALUATION_FAILED', message: 'policy produced no single result for probe/nothing' });
  });
});
