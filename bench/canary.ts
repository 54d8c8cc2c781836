// Canary judgement over 24 hours of 15-second samples (5,760 per arm) across
// 10 metrics: aligning the arms, then per metric series the Mann-Whitney U
// test and the Hodges-Lehmann shift with its interval at the gate's level and
// at the look's spent error rate, as `gatehouse gate canary` does after its
// queries are answered. Prints the median time and the peak memory, beside
// scipy's mannwhitneyu on the same arrays in the same run
// (bench/peers/canary_scipy.py). Never passes or fails.
//   npm run bench:canary -- --runs 5
import { parseArgs } from 'node:util';
import { judgeCanary } from '../src/gates/canary/judge.ts';
import { canaryPlan } from '../src/gates/canary/plan.ts';
import type { RangeAnswer } from '../src/gates/canary/source.ts';
import type { CanaryThresholds } from '../src/gates/canary/definition.ts';
import { seededRandom } from '../src/stats/random.ts';
import { runPeer } from './peer.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, metrics: { type: 'string', default: '10' }, hours: { type: 'string', default: '24' } } });
const runs = Number(values.runs);
const metricCount = Number(values.metrics);
const step = 15;
const start = 1_800_000_000;
const end = start + Number(values.hours) * 3600;
const thresholds: CanaryThresholds = {
  step_seconds: step,
  min_window_seconds: 1800,
  min_samples: 20,
  min_coverage: 0.9,
  min_score: 80,
  arms: { label: 'track', canary: 'canary', baseline: 'baseline' },
  traffic: 'sum(rate(http_requests_total{{{arm}}}[{{step}}]))',
  traffic_share: { min: 0.01, max: 0.6 },
  metrics: Object.fromEntries(
    Array.from({ length: metricCount }, (_, i) => [`metric_${i}`, { kind: 'value' as const, query: `avg(metric_${i}{{{arm}}})`, direction: 'lower' as const, scale: 'relative' as const, tolerance: 0.1, critical: i < 2 }]),
  ),
};
const plan = canaryPlan(thresholds, start, end);
const random = seededRandom(24);
const times = Array.from({ length: Math.floor((end - start) / step) }, (_, i) => start + (i + 1) * step);
// Latency-like values, rounded to the millisecond so they tie as real figures do.
const samples = new Map<string, Float64Array>();
const answers: RangeAnswer[] = plan.queries.map((planned) => {
  const key = `${planned.metric ?? 'traffic'}_${planned.arm}`;
  const values = Float64Array.from(times, () => Math.round(1000 * Math.exp(Math.log(0.12) + 0.4 * Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next()))) / 1000);
  samples.set(key, values);
  return { query: planned.range, series: [{ labels: {}, points: times.map((t, i) => [t, String(values[i])] as const) }], warnings: [] };
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rssBefore = process.resourceUsage().maxRSS / 1024;
const judgeTimes: number[] = [];
let verdict = '';
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  verdict = judgeCanary(plan, answers, { level: 0.95, failAlpha: 0.025 }).verdict;
  judgeTimes.push((performance.now() - started) / 1000);
}
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`canary judgement, ${times.length} steps per arm x ${metricCount} metrics: median ${median(judgeTimes).toFixed(3)} s of ${runs} runs (${judgeTimes.map((t) => t.toFixed(3)).join(', ')}), verdict ${verdict}`);
console.log(`peak RSS ${rss.toFixed(0)} MiB (${rssBefore.toFixed(0)} MiB before judging, with the answers as Prometheus text in memory)`);

const columns: Record<string, Float64Array> = {};
for (let i = 0; i < metricCount; i++) for (const arm of ['canary', 'baseline']) columns[`m${i}_${arm}`] = samples.get(`metric_${i}_${arm}`)!;
const peer = runPeer('canary_scipy.py', columns, [String(metricCount), String(runs)]) as
  | { mannwhitneyu_seconds: number; mannwhitneyu_peak_rss_mib: number; hodges_lehmann_numpy_seconds: number; peak_rss_mib: number }
  | undefined;
if (peer !== undefined) {
  console.log(`scipy mannwhitneyu on the same arrays: median ${peer.mannwhitneyu_seconds.toFixed(3)} s, peak RSS ${peer.mannwhitneyu_peak_rss_mib.toFixed(0)} MiB`);
  console.log(`numpy Hodges-Lehmann (median of the materialised pairwise differences): median ${peer.hodges_lehmann_numpy_seconds.toFixed(3)} s, peak RSS ${peer.peak_rss_mib.toFixed(0)} MiB`);
  console.log(`ratios: gatehouse judgement (U test and two Hodges-Lehmann intervals per metric) / scipy mannwhitneyu ${(median(judgeTimes) / peer.mannwhitneyu_seconds).toFixed(2)}x time, ${(rss / peer.mannwhitneyu_peak_rss_mib).toFixed(2)}x peak memory`);
}
