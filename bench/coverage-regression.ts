// The full-size coverage harness of the regression gate: every interval it
// reports, simulated with a known truth (test/coverage/regression-harness.ts),
// with enough replicates for Monte-Carlo error under 1%. Prints the table;
// never passes or fails (the CI-sized run in npm test asserts the floors).
//   npm run bench:coverage-regression [-- --replicates 4000 --latency-replicates 1000]
import { parseArgs } from 'node:util';
import { FULL_SIZE, formatCoverageTable, runRegressionCoverage } from '../test/coverage/regression-harness.ts';

const { values } = parseArgs({ options: { replicates: { type: 'string' }, 'latency-replicates': { type: 'string' } } });
const size = {
  ...FULL_SIZE,
  ...(values.replicates === undefined ? {} : { replicates: Number(values.replicates) }),
  ...(values['latency-replicates'] === undefined ? {} : { latencyReplicates: Number(values['latency-replicates']) }),
};
const started = performance.now();
const rows = await runRegressionCoverage(size);
console.log(formatCoverageTable(rows));
console.log(`\n${size.replicates} replicates (latency ${size.latencyReplicates}, B = ${size.resamples}); ${((performance.now() - started) / 1000).toFixed(0)} s`);
