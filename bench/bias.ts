// Bias gate evaluation on 1,000,000 predictions (two group attributes, six
// intersectional groups, scores for calibration): time and peak memory.
// Prints figures; never passes or fails. Target: under 2 s and 1 GiB.
// Peer in the same run: fairlearn's MetricFrame with its own bootstrap
// (n_boot) over the same groups (bench/peers/bias_fairlearn.py). It resamples
// far slower, so it runs --peer-resamples draws and the ratio is per draw.
//   npm run bench:bias -- --predictions 1000000 --resamples 2000 --peer-resamples 2
import { parseArgs } from 'node:util';
import { evaluateBias } from '../src/gates/bias/evaluate.ts';
import type { Prediction } from '../src/gates/bias/predictions.ts';
import { runPeer } from './peer.ts';
import { seededRandom } from '../src/stats/random.ts';

const { values } = parseArgs({ options: { predictions: { type: 'string', default: '1000000' }, resamples: { type: 'string', default: '2000' }, 'peer-resamples': { type: 'string', default: '2' } } });
const n = Number(values.predictions);
const random = seededRandom(5);
const predictions: Prediction[] = Array.from({ length: n }, (_, i) => {
  const label = random.next() < 0.4 ? 1 : 0;
  const score = Math.min(0.999, Math.max(0.001, 0.3 + 0.4 * label + 0.3 * (random.next() - 0.5)));
  return { id: `p${i}`, label, prediction: score >= 0.5 ? 1 : 0, score, groups: { gender: random.next() < 0.5 ? 'f' : 'm', age: ['young', 'middle', 'old'][random.int(3)]! } };
});
const started = performance.now();
const report = evaluateBias(
  { predictions, datasetDigest: `sha256:${'b'.repeat(64)}` },
  {
    thresholds: { metrics: { demographic_parity_difference: 0.05, equal_opportunity_difference: 0.05, calibration_error_difference: 0.05 }, min_group_size: 100 },
    policyDigest: null,
    evaluatedAt: '2026-11-22T10:00:00Z',
    seed: 1,
    resamples: Number(values.resamples),
    level: 0.95,
  },
);
const seconds = (performance.now() - started) / 1000;
console.log(`bias gate, ${n} predictions, 6 groups, B = ${values.resamples}: ${seconds.toFixed(2)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, verdict ${report.predicate.verdict}`);

const code = (attribute: string, names: string[]) => Float64Array.from(predictions, (p) => names.indexOf(p.groups[attribute]!));
const peerResamples = Number(values['peer-resamples']);
const peer = runPeer(
  'bias_fairlearn.py',
  {
    label: Float64Array.from(predictions, (p) => p.label),
    prediction: Float64Array.from(predictions, (p) => p.prediction),
    score: Float64Array.from(predictions, (p) => p.score!),
    gender: code('gender', ['f', 'm']),
    age: code('age', ['young', 'middle', 'old']),
  },
  [String(peerResamples)],
);
if (peer !== undefined) {
  const point = peer.point_seconds as number;
  const perDraw = ((peer.bootstrap_seconds as number) - point) / peerResamples;
  const ours = (seconds * 1000) / Number(values.resamples);
  console.log(`fairlearn MetricFrame peer: point estimates ${point.toFixed(2)} s, ${(perDraw * 1000).toFixed(0)} ms per bootstrap draw (n_boot = ${peerResamples}); gatehouse whole gate ${(point / seconds).toFixed(1)}x faster than fairlearn's point estimates, ${((perDraw * 1000) / ours).toFixed(0)}x per draw`);
}
