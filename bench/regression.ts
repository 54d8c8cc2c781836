// Regression gate evaluation on 100,000 paired examples (two quality metrics,
// latency p50/p99, run figures, five capability slices): time and peak memory.
// Prints figures; never passes or fails. Target: under 2 s and 1 GiB.
// Peer in the same run: the same computation written plainly with numpy and
// scipy (bench/peers/regression_numpy.py: Tango and pseudo-pair t intervals
// overall and per slice, the paired latency bootstrap), one process, timed
// inside Python. Each run's figures pass through evaluateRegression as the gate
// calls it; the evaluation set lists every example with its capability.
//   npm run bench:regression -- --examples 100000 --runs 3
import { parseArgs } from 'node:util';
import { evaluateRegression } from '../src/gates/regression/evaluate.ts';
import type { ExampleResult } from '../src/gates/regression/results.ts';
import { quantileOfSorted } from '../src/stats/bootstrap.ts';
import { runPeer } from './peer.ts';
import { seededRandom } from '../src/stats/random.ts';
import { exampleRegressionThresholds } from '../test/support/policy.ts';

const { values } = parseArgs({ options: { examples: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' }, resamples: { type: 'string', default: '2000' } } });
const n = Number(values.examples);
const random = seededRandom(1);
const capabilities = ['math', 'coding', 'reading', 'reasoning', 'general'];
const make = (skill: number, factor: number): ExampleResult[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `ex-${i}`,
    metrics: { accuracy: random.next() < skill ? 1 : 0, quality: random.next() },
    tags: [`capability:${capabilities[i % 5]}`],
    latencyMs: (200 + 600 * random.next() ** 3) * factor,
  }));
const baseline = make(0.8, 1);
const candidate = make(0.81, 0.99);
// The committed example policy's thresholds, as the gate would read them.
const thresholds = await exampleRegressionThresholds();
const run = { throughput: [41, 41.5, 40.8], peakMemoryBytes: [14e9, 14e9, 14.1e9] };
const file = <T>(content: T) => ({ source: 'bench', digest: `sha256:${'0'.repeat(64)}` as const, content });
const evaluationSet = file(baseline.map((row) => ({ id: row.id, tags: row.tags })));
const times: number[] = [];
let verdict = '';
for (let r = 0; r < Number(values.runs); r++) {
  const started = performance.now();
  const report = await evaluateRegression(
    { evaluationSet, candidate: file(candidate), baseline: file(baseline), candidateRun: file(run), baselineRun: file(run), baselineDigest: `sha256:${'d'.repeat(64)}` },
    { thresholds: { ...thresholds, resamples: Number(values.resamples) }, policyDigest: null, evaluatedAt: '2026-11-22T10:00:00Z', seed: 1 },
  );
  times.push(performance.now() - started);
  verdict = report.predicate.verdict;
}
times.sort((a, b) => a - b);
const median = quantileOfSorted(Float64Array.from(times), 0.5);
const peak = process.resourceUsage().maxRSS / 1024;
console.log(`regression gate, ${n} paired examples, B = ${values.resamples}: median ${(median / 1000).toFixed(2)} s over ${times.length} runs (min ${(times[0]! / 1000).toFixed(2)} s), peak RSS ${peak.toFixed(0)} MiB, verdict ${verdict}`);

const column = (rows: ExampleResult[], read: (row: ExampleResult) => number) => Float64Array.from(rows, read);
const peer = runPeer(
  'regression_numpy.py',
  {
    'baseline-accuracy': column(baseline, (row) => row.metrics.accuracy!),
    'candidate-accuracy': column(candidate, (row) => row.metrics.accuracy!),
    'baseline-quality': column(baseline, (row) => row.metrics.quality!),
    'candidate-quality': column(candidate, (row) => row.metrics.quality!),
    'baseline-latency': column(baseline, (row) => row.latencyMs!),
    'candidate-latency': column(candidate, (row) => row.latencyMs!),
    capability: Float64Array.from(baseline, (_, i) => i % 5),
  },
  [values.resamples!],
);
if (peer !== undefined) {
  const seconds = peer.seconds as number;
  console.log(`numpy peer, same computation: ${seconds.toFixed(2)} s; gatehouse median is ${(seconds / (median / 1000)).toFixed(2)}x faster`);
}
