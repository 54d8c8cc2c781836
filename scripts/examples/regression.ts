// Writes examples/regression/: per-example results of a deployed baseline and
// two candidates on one 2,000-example evaluation set, with run figures.
// candidate-good is slightly better everywhere; candidate-math-regression is
// better on average but clearly worse on the math capability. Deterministic
// (seed 7), so the files only change when this script does.
//   node scripts/examples/regression.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/stats/random.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'regression');
mkdirSync(out, { recursive: true });
const random = seededRandom(7);
const capabilities = ['math', 'coding', 'reading', 'reasoning', 'general'];
const examples = Array.from({ length: 2000 }, (_, i) => ({
  id: `ex-${String(i).padStart(4, '0')}`,
  capability: capabilities[i % capabilities.length]!,
  difficulty: random.next(),
  noise: random.next(),
  latency: 200 + 600 * random.next() ** 3,
}));

// A model answers an example correctly when the example is easier than its
// skill; paired models share difficulty, so their results are correlated.
function results(skill: (capability: string) => number, latencyFactor: number, seedOffset: number) {
  const own = seededRandom(100 + seedOffset);
  return examples.map((example) => {
    const jitter = (own.next() - 0.5) * 0.1;
    const correct = example.difficulty + jitter < skill(example.capability) ? 1 : 0;
    const quality = Math.min(1, Math.max(0, 0.45 + 0.4 * skill(example.capability) - 0.2 * example.difficulty + 0.1 * (own.next() - 0.5)));
    return {
      id: example.id,
      metrics: { accuracy: correct, quality: Number(quality.toFixed(4)) },
      capability: example.capability,
      latency_ms: Number((example.latency * latencyFactor * (1 + 0.04 * (own.next() - 0.5))).toFixed(1)),
    };
  });
}

const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
writeFileSync(join(out, 'evaluation-set.jsonl'), jsonl(examples.map(({ id, capability }) => ({ id, capability, prompt: `Evaluation prompt ${id} (${capability})` }))));
writeFileSync(join(out, 'baseline.jsonl'), jsonl(results(() => 0.78, 1, 0)));
writeFileSync(join(out, 'candidate-good.jsonl'), jsonl(results(() => 0.8, 0.99, 1)));
writeFileSync(join(out, 'candidate-math-regression.jsonl'), jsonl(results((c) => (c === 'math' ? 0.62 : 0.83), 1.01, 2)));
const run = (throughput: number, memory: number) => `${JSON.stringify({ throughput: [throughput, throughput * 1.01, throughput * 0.995], peak_memory_bytes: [memory, memory, memory * 1.002] })}\n`;
writeFileSync(join(out, 'baseline-run.json'), run(41.2, 14.1e9));
writeFileSync(join(out, 'candidate-good-run.json'), run(41.8, 14.2e9));
writeFileSync(join(out, 'candidate-math-regression-run.json'), run(40.9, 14.3e9));
console.log(`wrote ${out}`);
