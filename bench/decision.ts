// Decision throughput and latency on a seven-gate chain (ten signed
// attestations: six automated gates, an approval request and three
// approvals), beside the peer pipeline doing the same checks with the
// reference tools: `cosign verify-blob-attestation` per bundle plus `opa eval`
// of the same Rego on the same input. Prints figures; never passes or fails.
//
// Then a flooded store: 10,000 bundles for one artifact (re-serialised copies
// of the chain's bundles and forged ones), and 10,000 distinct, validly signed
// attestations of one gate, decided warm and by the cold CLI.
//
//   npm run bench:decision                       (2,000 warm, 100,000 for memory, 20 cold, 10 peer, 10,000 flood)
//   npm run bench:decision -- --warm 5000 --memory 20000 --cold 10 --peer 5 --flood 2000
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DecisionEngine } from '../src/decide/decide.ts';
import { attestGate } from '../src/gates/gate.ts';
import { stagePolicySources } from '../src/policy/build.ts';
import { signDecision } from '../src/decide/record.ts';
import type { ArtifactDigest } from '../src/digest/artifact.ts';
import { asStored, chainPredicates, pinChainDatasets, signedChain } from '../test/support/chain.ts';
import { buildTestBundle, demoSigner, DEMO_KEYS, POLICY_PUB } from '../test/support/policy.ts';
import { ROOT } from '../test/support/paths.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '2000' },
    memory: { type: 'string', default: '100000' },
    cold: { type: 'string', default: '20' },
    peer: { type: 'string', default: '10' },
    flood: { type: 'string', default: '10000' },
  },
});

const ARTIFACT: ArtifactDigest = `sha256:${'c7'.repeat(32)}`;
const DEPLOYED: ArtifactDigest = `sha256:${'d8'.repeat(32)}`;
const AT = new Date('2026-11-22T10:00:00Z');
const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-decision-'));
const cosign = join(ROOT, '.tools', 'bin', 'cosign');
// The cold CLI as users run it: the built package (npm run build) when there is one, else the sources.
const BUILT = join(ROOT, 'dist', 'bundle', 'gatehouse.js');
const ENTRY = existsSync(BUILT) ? BUILT : join(ROOT, 'cli', 'gatehouse.ts');
console.log(`cold CLI: ${ENTRY === BUILT ? 'the built package (dist/bundle, the bin users run)' : 'the TypeScript sources (no dist/: npm run build)'}`);
const opa = join(ROOT, '.tools', 'bin', 'opa');

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const ms = (value: number) => `${value.toFixed(value < 10 ? 3 : 1)} ms`;

try {
  const built = await buildTestBundle(pinChainDatasets);
  const engine = await DecisionEngine.create(built.bundle);
  const chain = await signedChain(ARTIFACT, DEPLOYED, '2026-11-22T09:00:00Z', built.bundle.digest);
  const attestations = join(work, 'attestations');
  mkdirSync(attestations);
  const bundles = asStored(chain).map((bundle) => {
    const location = join(attestations, bundle.location);
    writeFileSync(location, bundle.bytes);
    return { ...bundle, location };
  });
  const request = { artifact: ARTIFACT, stage: 'production', deployed: DEPLOYED, evaluationTime: AT, evaluationTimeSource: 'requested' as const, bundles };
  const recorder = await demoSigner('decision-recorder');
  const first = await engine.decide(request);
  if (!first.result.allowed) throw new Error(`bench chain is not allowed: ${JSON.stringify(first.result.violations)}`);
  console.log(`decision benchmark: stage production, ${bundles.length} signed attestations (${Object.keys(first.result.gates).length} gates, with an approval request), one core`);

  // Warm: verify every bundle, evaluate the policy, sign the decision record.
  const warm: number[] = [];
  for (let i = 0; i < 200; i++) await signDecision(await engine.decide(request), recorder);
  for (let i = 0; i < Number(values.warm); i++) {
    const started = performance.now();
    await signDecision(await engine.decide(request), recorder);
    warm.push(performance.now() - started);
  }
  const warmSummary = summary(warm);
  const warmPerSecond = 1000 / (warm.reduce((a, b) => a + b, 0) / warm.length);
  console.log(`warm in-process (verify ${bundles.length} + evaluate + sign record): p50 ${ms(warmSummary.p50)}, p99 ${ms(warmSummary.p99)}, ${warmPerSecond.toFixed(0)} decisions/s`);

  // Memory over many decisions with one WASM instance.
  const memory: string[] = [];
  const total = Number(values.memory);
  // Heap after a full collection (run with --expose-gc) shows what is retained; RSS shows what the process holds.
  const sample = (i: number) => {
    global.gc?.();
    const usage = process.memoryUsage();
    return `${i}: heap ${(usage.heapUsed / 1024 ** 2).toFixed(1)} MiB, rss ${(usage.rss / 1024 ** 2).toFixed(0)} MiB, wasm ${(engine.wasmMemoryBytes / 1024 ** 2).toFixed(1)} MiB`;
  };
  memory.push(sample(0));
  for (let i = 1; i <= total; i++) {
    await engine.decide(request);
    if (i === 1_000 || i % Math.max(1, Math.floor(total / 4)) === 0) memory.push(sample(i));
  }
  console.log(`memory over ${total} decisions: ${memory.join('; ')}`);

  // Cold: the CLI as a pipeline step would run it.
  const cold: number[] = [];
  const cli = [ENTRY, 'verify', '--subject', ARTIFACT, '--store', attestations, '--policy', built.path, '--policy-key', POLICY_PUB, '--stage', 'production', '--deployed', DEPLOYED, '--at', AT.toISOString(), '--decision-out', join(work, 'decision.json'), '--signing-key', join(DEMO_KEYS, 'decision-recorder.key')];
  for (let i = 0; i < Number(values.cold); i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, cli, { encoding: 'utf8' });
    cold.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`cold run failed: ${result.stderr}`);
  }
  const coldSummary = summary(cold);
  console.log(`cold CLI (gatehouse verify, record signed): p50 ${ms(coldSummary.p50)}, p99 ${ms(coldSummary.p99)}`);

  // Peer: cosign per bundle + opa eval of the same Rego and data on the same input.
  // The same Rego sources and data the bundle was built from, for opa eval.
  const staging = join(work, 'staging');
  await stagePolicySources(built.policiesDir, staging, { tests: false });
  const inputPath = join(work, 'input.json');
  writeFileSync(inputPath, JSON.stringify(first.input));
  const types = chain.map((bundle) => bundle.predicateType);
  const keys = chain.map((bundle) => join(DEMO_KEYS, `${bundle.key}.pub`));
  const peer: number[] = [];
  let peerAllowed: unknown;
  for (let i = 0; i < Number(values.peer); i++) {
    const started = performance.now();
    chain.forEach((_, index) => {
      const result = spawnSync(cosign, ['verify-blob-attestation', '--key', keys[index]!, '--bundle', bundles[index]!.location, '--insecure-ignore-tlog', '--type', types[index]!, '--digest', ARTIFACT.slice(7), '--digestAlg', 'sha256'], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`cosign failed: ${result.stderr}`);
    });
    const evaluated = spawnSync(opa, ['eval', '--format', 'json', '--data', join(staging, 'policies'), '--input', inputPath, 'data.decision.result.allowed'], { encoding: 'utf8' });
    if (evaluated.status !== 0) throw new Error(`opa eval failed: ${evaluated.stderr}`);
    peerAllowed = JSON.parse(evaluated.stdout).result[0].expressions[0].value;
    peer.push(performance.now() - started);
  }
  const peerSummary = summary(peer);
  console.log(`peer pipeline (${bundles.length} x cosign verify-blob-attestation + opa eval): p50 ${ms(peerSummary.p50)}, p99 ${ms(peerSummary.p99)}, ${(1000 / peerSummary.p50).toFixed(2)} decisions/s; opa says allowed=${String(peerAllowed)}, gatehouse says ${first.result.allowed}`);
  console.log(`ratios: warm gatehouse ${(warmPerSecond / (1000 / peerSummary.p50)).toFixed(0)}x the peer's throughput; cold CLI p50 is ${(coldSummary.p50 / peerSummary.p50).toFixed(2)}x the peer's time per decision`);

  // A flooded store. Whoever can write to it cannot sign, so they add copies
  // and forgeries; an authorised gate can add many distinct attestations.
  const flood = Number(values.flood);
  const flooded = join(work, 'flooded');
  mkdirSync(flooded);
  chain.forEach(({ bytes }, index) => writeFileSync(join(flooded, `chain-${index}.json`), bytes));
  for (let i = 0; i < flood; i++) {
    const original = JSON.parse(chain[i % chain.length]!.bytes.toString('utf8'));
    if (i % 10 === 9) original.dsseEnvelope.payload = Buffer.from(`{"forged":${i}}`).toString('base64');
    writeFileSync(join(flooded, `copy-${i}.json`), JSON.stringify(original, null, i % 7));
  }
  const floodedRun = () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [ENTRY, 'verify', '--subject', ARTIFACT, '--store', flooded, '--policy', built.path, '--policy-key', POLICY_PUB, '--stage', 'production', '--deployed', DEPLOYED, '--at', AT.toISOString(), '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const elapsed = performance.now() - started;
    if (result.status !== 0) throw new Error(`flooded verify exited ${result.status}: ${result.stderr}`);
    return { elapsed, decision: JSON.parse(result.stdout) as { allowed: boolean; rejected: unknown[] } };
  };
  const copies = floodedRun();
  console.log(`flooded store (${flood + chain.length} bundles: re-serialised copies of the chain and ${Math.floor(flood / 10)} forgeries), cold CLI verify: ${ms(copies.elapsed)}, allowed=${copies.decision.allowed}, ${copies.decision.rejected.length} rejected`);

  const many = join(work, 'many');
  mkdirSync(many);
  chain.forEach(({ bytes }, index) => writeFileSync(join(many, `chain-${index}.json`), bytes));
  const [integrityGate, integrityKey, integrityPredicate] = chainPredicates(ARTIFACT, DEPLOYED, '2026-11-22T09:00:00Z', built.bundle.digest)[0]!;
  const signing = await demoSigner(integrityKey);
  for (let i = 0; i < flood; i++) {
    const at = new Date(AT.getTime() - 3_600_000 - i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const run = await attestGate({ name: 'model', digest: ARTIFACT }, { ...integrityPredicate, evaluatedAt: at } as never, signing);
    writeFileSync(join(many, `${integrityGate}-${i}.json`), JSON.stringify(run.bundle));
  }
  const started = performance.now();
  const manyResult = spawnSync(process.execPath, [ENTRY, 'verify', '--subject', ARTIFACT, '--store', many, '--policy', built.path, '--policy-key', POLICY_PUB, '--stage', 'production', '--deployed', DEPLOYED, '--at', AT.toISOString(), '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const manyElapsed = performance.now() - started;
  if (manyResult.status !== 0) throw new Error(`verify over many attestations exited ${manyResult.status}: ${manyResult.stderr}`);
  console.log(`${flood} distinct signed ${integrityGate} attestations beside the chain, cold CLI verify: ${ms(manyElapsed)}, allowed=${JSON.parse(manyResult.stdout).allowed}`);
  console.log(`ratio: flooded verify is ${(copies.elapsed / coldSummary.p50).toFixed(1)}x a clean cold verify, ${(copies.elapsed / peerSummary.p50).toFixed(1)}x one peer decision on ${bundles.length} bundles`);
  built.cleanup();
} finally {
  rmSync(work, { recursive: true, force: true });
}
