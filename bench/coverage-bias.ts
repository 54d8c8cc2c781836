// Coverage of every interval the bias and safety gates report, with a known
// truth: each fairness metric with no disparity, with a disparity, and with a
// true value exactly at the policy limit, simulated through evaluateBias; the
// exact binomial bounds the safety verdicts use, computed exactly at their
// limits (Wilson beside them, to show why the verdicts use exact bounds).
// Prints a table; never passes or fails (test/coverage/bias-safety.test.ts is
// the CI-sized check with tolerances).
//   npm run bench:coverage-bias -- --runs 2000 --scale 1
import { parseArgs } from 'node:util';
import { biasScenarios, safetyRows, simulateBias } from '../test/coverage/bias-safety-scenarios.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' }, scale: { type: 'string', default: '1' } } });
const runs = Number(values.runs);
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const started = performance.now();

console.log(`Fairness metrics: ${runs} simulated runs per row (calibration ${Math.ceil(runs / 4)}), 95% simultaneous intervals`);
console.log('| scenario | truth | limit | coverage | P(pass) | P(fail) | mean width |');
console.log('|---|---|---|---|---|---|---|');
biasScenarios(Number(values.scale)).forEach((scenario, index) => {
  const row = simulateBias(scenario, scenario.metric === 'calibration_error_difference' ? Math.ceil(runs / 4) : runs, 1000 + index);
  console.log(`| ${row.name} | ${row.truth.toFixed(3)} | ${row.limit} | ${percent(row.coverage)} | ${percent(row.pass)} | ${percent(row.fail)} | ${row.meanWidth.toFixed(3)} |`);
});

console.log('\nSafety bounds at their limits, exact (binomial sums, no simulation); the verdicts use Clopper-Pearson');
console.log('| bound | n | true rate | coverage | P(pass) | P(fail) |');
console.log('|---|---|---|---|---|---|');
for (const row of [...safetyRows('clopper-pearson'), ...safetyRows('wilson')]) {
  console.log(`| ${row.name} | ${row.n} | ${row.p} | ${percent(row.coverage)} | ${percent(row.pass)} | ${percent(row.fail)} |`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
