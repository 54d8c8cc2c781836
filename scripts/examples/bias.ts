// Writes examples/bias/: a labelled evaluation set (60,000 applicants with two
// group attributes) and two example models' predictions on it, for the demo
// and tests. Both models are calibrated and treat the groups alike, so their
// fairness gaps are small; they differ in accuracy only. Deterministic (seed 13).
//   node scripts/examples/bias.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/stats/random.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'bias');
const random = seededRandom(13);
const n = 60_000;
const rows = Array.from({ length: n }, (_, i) => {
  const gender = random.next() < 0.5 ? 'f' : 'm';
  const age = ['young', 'middle', 'old'][random.int(3)]!;
  const risk = random.next();
  const label = random.next() < risk ? 1 : 0;
  return { id: `a${String(i).padStart(5, '0')}`, gender, age, risk, label };
});
writeFileSync(join(out, 'evaluation-set.csv'), `id,label,gender,age\n${rows.map((r) => `${r.id},${r.label},${r.gender},${r.age}`).join('\n')}\n`);
// A model's score is the true risk seen through noise; sharper models see it better.
const predictions = (noise: number, seed: number) => {
  const own = seededRandom(seed);
  return `id,label,score,gender,age\n${rows
    .map((r) => {
      const score = Math.min(0.999, Math.max(0.001, r.risk + noise * (own.next() - 0.5)));
      return `${r.id},${r.label},${score.toFixed(4)},${r.gender},${r.age}`;
    })
    .join('\n')}\n`;
};
writeFileSync(join(out, 'candidate-good-predictions.csv'), predictions(0.1, 1));
writeFileSync(join(out, 'candidate-math-regression-predictions.csv'), predictions(0.12, 2));
console.log(`wrote ${out}`);
