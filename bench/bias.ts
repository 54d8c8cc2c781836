// Bias gate on 1,000,000 predictions (two group attributes, six intersectional
// groups, scores for calibration): the whole judgement (group counts, every
// fairness metric with its simultaneous interval) and, separately, reading the
// dataset and joining the predictions to it by id, as the CLI does. Prints
// figures; never passes or fails. Target: judgement under 2 s.
// Peer in the same run: fairlearn's MetricFrame computing the same per-group
// rates and their differences (bench/peers/bias_fairlearn.py), point estimates
// only: gatehouse's intervals are closed forms, so there is no resampling to
// compare.
//   npm run bench:bias -- --predictions 1000000 --runs 5
import { parseArgs } from 'node:util';
import { evaluateBias } from '../src/gates/bias/evaluate.ts';
import { joinPredictions, parseBiasDataset, type Prediction } from '../src/gates/bias/predictions.ts';
import { runPeer } from './peer.ts';
import { seededRandom } from '../src/stats/random.ts';

const { values } = parseArgs({ options: { predictions: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } } });
const n = Number(values.predictions);
const runs = Number(values.runs);
const random = seededRandom(5);
// One groups object per intersectional group, as parseBiasDataset interns them.
const groupObjects = ['f', 'm'].map((gender) => ['young', 'middle', 'old'].map((age) => ({ gender, age })));
const predictions: Prediction[] = Array.from({ length: n }, (_, i) => {
  const label = random.next() < 0.4 ? 1 : 0;
  const score = Math.min(0.999, Math.max(0.001, 0.3 + 0.4 * label + 0.3 * (random.next() - 0.5)));
  return { id: `p${i}`, label, prediction: score >= 0.5 ? 1 : 0, score, groups: groupObjects[random.next() < 0.5 ? 0 : 1]![random.int(3)]! };
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const config = {
  thresholds: { metrics: { demographic_parity_difference: 0.05, demographic_parity_ratio: 0.8, equal_opportunity_difference: 0.05, equalized_odds_difference: 0.05, calibration_error_difference: 0.05 }, min_group_size: 100 },
  policyDigest: null,
  evaluatedAt: '2026-11-22T10:00:00Z',
  level: 0.95,
};
const judgeTimes: number[] = [];
let verdict = '';
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  verdict = evaluateBias({ predictions, datasetDigest: `sha256:${'b'.repeat(64)}` }, config).predicate.verdict;
  judgeTimes.push((performance.now() - started) / 1000);
}
console.log(`bias gate judgement, ${n} predictions, 6 groups, 5 metrics: median ${median(judgeTimes).toFixed(3)} s of ${runs} runs (${judgeTimes.map((t) => t.toFixed(3)).join(', ')}), verdict ${verdict}`);

const datasetText = `id,label,gender,age\n${predictions.map((p) => `${p.id},${p.label},${p.groups['gender']},${p.groups['age']}`).join('\n')}\n`;
const predictionsText = `id,score\n${predictions.map((p) => `${p.id},${p.score!.toFixed(4)}`).join('\n')}\n`;
const readTimes: number[] = [];
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const rows = parseBiasDataset(datasetText, 'dataset.csv', ['gender', 'age']);
  joinPredictions(rows, predictionsText, 'predictions.csv', 0.5);
  readTimes.push((performance.now() - started) / 1000);
}
console.log(`dataset parse and predictions join by id (CSV, in memory): median ${median(readTimes).toFixed(3)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

const code = (attribute: string, names: string[]) => Float64Array.from(predictions, (p) => names.indexOf(p.groups[attribute]!));
const peer = runPeer(
  'bias_fairlearn.py',
  {
    label: Float64Array.from(predictions, (p) => p.label),
    prediction: Float64Array.from(predictions, (p) => p.prediction),
    score: Float64Array.from(predictions, (p) => p.score!),
    gender: code('gender', ['f', 'm']),
    age: code('age', ['young', 'middle', 'old']),
  },
  [String(runs)],
);
if (peer !== undefined) {
  const point = peer.median_seconds as number;
  console.log(`fairlearn MetricFrame peer (same rates, differences and ratio, binned ECE per group; point estimates, no intervals): median ${point.toFixed(3)} s; gatehouse judgement with intervals ${(point / median(judgeTimes)).toFixed(1)}x faster`);
}
