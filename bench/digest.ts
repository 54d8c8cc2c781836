// Digest throughput of gatehouse against sha256sum and OpenSSF model-signing on
// the same files in one run. Prints figures and ratios; never passes or fails.
//
//   npm run bench:digest                       (4 GiB in $TMPDIR, 5 runs each)
//   npm run bench:digest -- --gib 8 --runs 3 --dir /var/tmp/bench
//
// Every tool reads the same files from a warm page cache, so the figures are
// hashing throughput, not disk speed. gatehouse runs as its CLI, model-signing
// through its Python API in a fresh interpreter, sha256sum over the files.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, statSync, writeSync, closeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    gib: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string', default: join(tmpdir(), 'gatehouse-bench-digest') },
  },
});
const gib = Number(values.gib);
const runs = Number(values.runs);
const dir = join(values.dir!, `model-${gib}gib`);
const cores = availableParallelism();

// A model shaped like a real checkpoint: a few large weight files, some small files.
function prepare(): string[] {
  const bigFiles = Math.max(2, Math.round(gib));
  const bigSize = Math.floor((gib * 1024 ** 3) / bigFiles);
  mkdirSync(join(dir, 'tokenizer'), { recursive: true });
  const files: Array<[string, number]> = [
    ...Array.from({ length: bigFiles }, (_, i) => [`model-${String(i + 1).padStart(5, '0')}-of-${String(bigFiles).padStart(5, '0')}.safetensors`, bigSize] as [string, number]),
    ['config.json', 4_096],
    ['tokenizer/tokenizer.json', 2 * 1024 ** 2],
    ['tokenizer/vocab.txt', 800 * 1024],
  ];
  const chunk = Buffer.allocUnsafe(16 * 1024 ** 2);
  for (const [name, size] of files) {
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).size === size) continue;
    const fd = openSync(path, 'w');
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      randomFillSync(chunk, 0, n);
      written += writeSync(fd, chunk, 0, n);
    }
    closeSync(fd);
  }
  return files.map(([name]) => join(dir, name));
}

interface Sample {
  seconds: number;
  cpuSeconds: number;
  maxRSSMiB: number;
  output: string;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function measure(command: string, args: string[]): Sample {
  if (TIME === undefined) {
    const started = process.hrtime.bigint();
    const output = execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: Number.NaN, maxRSSMiB: Number.NaN, output };
  }
  const result = spawnSync(TIME, ['-f', 'BENCH %e %U %S %M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const line = result.stderr.trim().split('\n').findLast((l) => l.startsWith('BENCH '))!;
  const [, elapsed, user, system, rssKiB] = line.split(' ').map(Number) as number[];
  return { seconds: elapsed!, cpuSeconds: user! + system!, maxRSSMiB: rssKiB! / 1024, output: result.stdout };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const MODEL_SIGNING = `
import sys
from model_signing import hashing
path, shard = sys.argv[1], int(sys.argv[2])
config = hashing.Config()
if shard:
    config = config.use_shard_serialization()
config.hash(path)
`;

const files = prepare();
const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
const node = process.execPath;
const cli = join(root, 'cli', 'gatehouse.ts');
const python = join(root, '.venv', 'bin', 'python');

const contenders: Array<{ name: string; command: string; args: string[]; parallel: number }> = [
  { name: 'sha256sum (1 core, sequential)', command: 'sha256sum', args: files, parallel: 1 },
  { name: 'gatehouse digest (files)', command: node, args: [cli, 'digest', dir], parallel: Math.min(cores, files.length) },
  { name: 'gatehouse digest --shard-size 1e9', command: node, args: [cli, 'digest', dir, '--shard-size', '1000000000'], parallel: cores },
];
if (existsSync(python)) {
  contenders.push(
    { name: 'model-signing (files)', command: python, args: ['-c', MODEL_SIGNING, dir, '0'], parallel: cores },
    { name: 'model-signing (shards 1e9)', command: python, args: ['-c', MODEL_SIGNING, dir, '1'], parallel: cores },
  );
} else {
  console.log('model-signing: .venv missing (npm run tools), left out of this run');
}

console.log(`digest benchmark: ${files.length} files, ${(bytes / 1024 ** 3).toFixed(2)} GiB in ${dir}; ${cores} cores; ${runs} runs each, medians`);
for (const file of files) execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });

const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
for (let run = 0; run < runs; run++) {
  // Interleave the tools so drift in machine load affects each alike.
  for (const contender of contenders) samples.get(contender.name)!.push(measure(contender.command, contender.args));
}

const rows = contenders.map((contender) => {
  const taken = samples.get(contender.name)!;
  const seconds = median(taken.map((s) => s.seconds));
  return {
    name: contender.name,
    seconds,
    throughput: bytes / 1024 ** 2 / seconds,
    coresUsed: median(taken.map((s) => s.cpuSeconds / s.seconds)),
    rss: median(taken.map((s) => s.maxRSSMiB)),
  };
});
const sha256sum = rows[0]!;
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad('tool', 36)}${pad('median s', 10)}${pad('MiB/s', 9)}${pad('cores', 7)}${pad('MiB/s/core', 12)}${pad('peak RSS MiB', 14)}vs sha256sum per core`);
for (const row of rows) {
  const perCore = row.throughput / row.coresUsed;
  console.log(
    `${pad(row.name, 36)}${pad(row.seconds.toFixed(2), 10)}${pad(row.throughput.toFixed(0), 9)}${pad(row.coresUsed.toFixed(2), 7)}${pad(perCore.toFixed(0), 12)}${pad(row.rss.toFixed(0), 14)}${(perCore / (sha256sum.throughput / sha256sum.coresUsed)).toFixed(2)}x`,
  );
}
const gate = rows.find((r) => r.name === 'gatehouse digest (files)')!;
const gateShards = rows.find((r) => r.name === 'gatehouse digest --shard-size 1e9')!;
for (const peer of rows.filter((r) => r.name.startsWith('model-signing'))) {
  const mine = peer.name.includes('shards') ? gateShards : gate;
  console.log(`${mine.name} vs ${peer.name}: ${(peer.seconds / mine.seconds).toFixed(2)}x faster`);
}
const outputs = new Set(contenders.filter((c) => c.name.startsWith('gatehouse')).map((c) => samples.get(c.name)![0]!.output.trim()));
console.log(`gatehouse digests: ${[...outputs].join(', ')}`);
console.log(`(${readdirSync(dir).length} entries left in ${dir} for the next run; delete it to reclaim ${(bytes / 1024 ** 3).toFixed(1)} GiB)`);
