// Decision throughput and latency on the full production chain (every gate the
// stage requires, with an approval request and its approvals; see
// bench/production-chain.ts), beside the peer pipeline doing the same checks with the
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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { attestGate } from '../src/gates/gate.ts';
import { signDecision } from '../src/decide/record.ts';
import { chainPredicates } from '../test/support/chain.ts';
import { demoSigner, POLICY_PUB } from '../test/support/policy.ts';
import { ARTIFACT, AT, coldVerify, DEPLOYED, ENTRY, ENTRY_NAME, ms, peerPipeline, SIGNED_AT, productionChain, summary } from './production-chain.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '2000' },
    memory: { type: 'string', default: '100000' },
    cold: { type: 'string', default: '20' },
    peer: { type: 'string', default: '10' },
    flood: { type: 'string', default: '10000' },
  },
});

const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-decision-'));
console.log(`cold CLI: ${ENTRY_NAME}`);

try {
  const setup = await productionChain(work);
  const { built, engine, chain, bundles, request } = setup;
  const recorder = await demoSigner('decision-recorder');
  console.log(`decision benchmark: stage production, ${bundles.length} signed attestations (${Object.keys(setup.first.result.gates).length} gates, with an approval request), one core`);

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

  // Cold: the CLI as a pipeline step would run it, and the peer pipeline on the same chain.
  const coldSummary = summary(coldVerify(setup, Number(values.cold)));
  console.log(`cold CLI (gatehouse verify, record signed): p50 ${ms(coldSummary.p50)}, p99 ${ms(coldSummary.p99)}`);
  const peer = await peerPipeline(setup, Number(values.peer));
  const peerSummary = summary(peer.times);
  console.log(`peer pipeline (${bundles.length} x cosign verify-blob-attestation + opa eval): p50 ${ms(peerSummary.p50)}, p99 ${ms(peerSummary.p99)}, ${(1000 / peerSummary.p50).toFixed(2)} decisions/s; opa says allowed=${String(peer.allowed)}, gatehouse says ${setup.first.result.allowed}`);
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
  const [integrityGate, integrityKey, integrityPredicate] = chainPredicates(ARTIFACT, DEPLOYED, SIGNED_AT, built.bundle.digest)[0]!;
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
