// The full production chain two benchmarks decide (every gate stage production
// requires: the automated gates, an approval request and its approvals, as
// test/support/chain.ts signs them), the cold CLI deciding it as a pipeline
// step would, and the peer
// pipeline doing the same checks with the reference tools: `cosign
// verify-blob-attestation` per bundle plus `opa eval` of the same Rego on the
// same input. Used by bench/decision.ts and bench/cold-start.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecisionEngine } from '../src/decide/decide.ts';
import { stagePolicySources } from '../src/policy/build.ts';
import type { ArtifactDigest } from '../src/digest/artifact.ts';
import { asStored, pinChainDatasets, signedChain } from '../test/support/chain.ts';
import { buildTestBundle, DEMO_KEYS, POLICY_PUB } from '../test/support/policy.ts';
import { ROOT } from '../test/support/paths.ts';

export const ARTIFACT: ArtifactDigest = `sha256:${'c7'.repeat(32)}`;
export const DEPLOYED: ArtifactDigest = `sha256:${'d8'.repeat(32)}`;
export const AT = new Date('2026-11-22T10:00:00Z');
export const SIGNED_AT = '2026-11-22T09:00:00Z';

// The cold CLI as users run it: the built package (npm run build) when there is one, else the sources.
const BUILT = join(ROOT, 'dist', 'bundle', 'gatehouse.js');
export const ENTRY = existsSync(BUILT) ? BUILT : join(ROOT, 'cli', 'gatehouse.ts');
export const ENTRY_NAME = ENTRY === BUILT ? 'the built package (dist/bundle, the bin users run)' : 'the TypeScript sources (no dist/: npm run build)';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
export const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
export const ms = (value: number) => `${value.toFixed(value < 10 ? 3 : 1)} ms`;

/** The chain's bundles written to `work`/attestations, with the built policy bundle and its engine. */
export async function productionChain(work: string) {
  const built = await buildTestBundle(pinChainDatasets);
  const engine = await DecisionEngine.create(built.bundle);
  const chain = await signedChain(ARTIFACT, DEPLOYED, SIGNED_AT, built.bundle.digest);
  const attestations = join(work, 'attestations');
  mkdirSync(attestations);
  const bundles = asStored(chain).map((bundle) => {
    const location = join(attestations, bundle.location);
    writeFileSync(location, bundle.bytes);
    return { ...bundle, location };
  });
  const request = { artifact: ARTIFACT, stage: 'production', deployed: DEPLOYED, evaluationTime: AT, evaluationTimeSource: 'requested' as const, bundles };
  const first = await engine.decide(request);
  if (!first.result.allowed) throw new Error(`bench chain is not allowed: ${JSON.stringify(first.result.violations)}`);
  return { work, built, engine, chain, attestations, bundles, request, first };
}
export type ProductionChain = Awaited<ReturnType<typeof productionChain>>;

/** Times of `runs` cold `gatehouse verify` processes deciding the chain and signing the record. */
export function coldVerify(setup: ProductionChain, runs: number): number[] {
  const cli = [ENTRY, 'verify', '--subject', ARTIFACT, '--store', setup.attestations, '--policy', setup.built.path, '--policy-key', POLICY_PUB, '--stage', 'production', '--deployed', DEPLOYED, '--at', AT.toISOString(), '--decision-out', join(setup.work, 'decision.json'), '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')];
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, cli, { encoding: 'utf8' });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`cold run failed: ${result.stderr}`);
  }
  return times;
}

/** Times of `runs` peer decisions (cosign per bundle, then opa eval), and what opa decided. */
export async function peerPipeline(setup: ProductionChain, runs: number): Promise<{ times: number[]; allowed: unknown }> {
  const cosign = join(ROOT, '.tools', 'bin', 'cosign');
  const opa = join(ROOT, '.tools', 'bin', 'opa');
  // The same Rego sources and data the bundle was built from, for opa eval.
  const staging = join(setup.work, 'staging');
  await stagePolicySources(setup.built.policiesDir, staging, { tests: false });
  const inputPath = join(setup.work, 'input.json');
  writeFileSync(inputPath, JSON.stringify(setup.first.input));
  const types = setup.chain.map((bundle) => bundle.predicateType);
  const keys = setup.chain.map((bundle) => join(DEMO_KEYS, `${bundle.key}.pub`));
  const times: number[] = [];
  let allowed: unknown;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    setup.chain.forEach((_, index) => {
      const result = spawnSync(cosign, ['verify-blob-attestation', '--key', keys[index]!, '--bundle', setup.bundles[index]!.location, '--insecure-ignore-tlog', '--type', types[index]!, '--digest', ARTIFACT.slice(7), '--digestAlg', 'sha256'], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`cosign failed: ${result.stderr}`);
    });
    const evaluated = spawnSync(opa, ['eval', '--format', 'json', '--data', join(staging, 'policies'), '--input', inputPath, 'data.decision.result.allowed'], { encoding: 'utf8' });
    if (evaluated.status !== 0) throw new Error(`opa eval failed: ${evaluated.stderr}`);
    allowed = JSON.parse(evaluated.stdout).result[0].expressions[0].value;
    times.push(performance.now() - started);
  }
  return { times, allowed };
}
