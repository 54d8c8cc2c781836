// Cold start, as a CI step runs gatehouse: one process per command. Two ratios:
// - `gatehouse verify-attestation` from the built package (and the sources, and
//   the single executable when built) beside `cosign verify-blob-attestation` on
//   the same bundle, and `node -e 0`;
// - `gatehouse verify` of the full production chain (record signed) beside the
//   peer pipeline, cosign per bundle plus `opa eval`, on the same chain
//   (bench/production-chain.ts).
// Prints medians and ratios; never passes or fails.
//   npm run build && npm run bench:cold-start [-- --runs 21 --peer-runs 7]
// (with `npm run build:sea` first, the single executable too)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../test/support/paths.ts';
import { coldVerify, ENTRY_NAME, peerPipeline, productionChain, summary } from './production-chain.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, 'peer-runs': { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const bundle = join(ROOT, 'test', 'fixtures', 'bundles', 'cosign-attest-blob.sigstore.json');
const key = join(ROOT, 'test', 'fixtures', 'keys', 'cosign.pub');
const artifact = join(ROOT, 'test', 'fixtures', 'bundles', 'cosign-artifact.txt');
const type = JSON.parse(Buffer.from(JSON.parse(readFileSync(bundle, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8')).predicateType as string;

function median(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { encoding: 'utf8' });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    if (i > 0) times.push(elapsed); // the first run warms the OS file cache and V8's compile cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const node = median(process.execPath, ['-e', '0']);
const cosign = median(join(ROOT, '.tools', 'bin', 'cosign'), ['verify-blob-attestation', '--key', key, '--bundle', bundle, '--insecure-ignore-tlog', '--type', type, artifact]);
const sources = median(process.execPath, [join(ROOT, 'cli', 'gatehouse.ts'), 'verify-attestation', bundle, '--trusted-key', key, '--subject', artifact]);
const built = join(ROOT, 'dist', 'bundle', 'gatehouse.js');
const dist = existsSync(built) ? median(process.execPath, [built, 'verify-attestation', bundle, '--trusted-key', key, '--subject', artifact]) : undefined;
const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(`cold verify-attestation, median of ${runs - 1} runs each:`);
console.log(`  node -e 0:                    ${ms(node)}`);
console.log(`  cosign verify-blob-attestation: ${ms(cosign)}`);
console.log(`  gatehouse (sources):          ${ms(sources)}  ${(sources / cosign).toFixed(1)}x cosign`);
console.log(dist === undefined ? '  gatehouse (built): no dist/ (npm run build)' : `  gatehouse (built package):    ${ms(dist)}  ${(dist / cosign).toFixed(1)}x cosign (target 2.5x)`);
const executable = join(ROOT, 'dist', 'sea', 'gatehouse');
const sea = existsSync(executable) ? median(executable, ['verify-attestation', bundle, '--trusted-key', key, '--subject', artifact]) : undefined;
console.log(sea === undefined ? '  gatehouse (single executable): no dist/sea/gatehouse (npm run build:sea)' : `  gatehouse (single executable): ${ms(sea)}  ${(sea / cosign).toFixed(1)}x cosign`);

// The production chain's decision, cold, against the peer pipeline (the first run of each warms caches).
const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-cold-'));
try {
  const setup = await productionChain(work);
  const peerRuns = Number(values['peer-runs']);
  const verify = summary(coldVerify(setup, peerRuns + 1).slice(1)).p50;
  const peer = summary((await peerPipeline(setup, peerRuns + 1)).times.slice(1)).p50;
  console.log(`cold verify of the production chain (${Object.keys(setup.first.result.gates).length} gates, ${setup.bundles.length} bundles, record signed), median of ${peerRuns} runs each, ${ENTRY_NAME}:`);
  console.log(`  peer pipeline (${setup.bundles.length} x cosign + opa eval): ${ms(peer)}`);
  console.log(`  gatehouse verify:             ${ms(verify)}  ${(verify / peer).toFixed(2)}x the peer (target 0.5x)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
