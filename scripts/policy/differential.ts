// Runs the differential test of the policy (test/support/differential.ts) at a
// size of your choosing and prints what it found: differences between
// OPA-WASM and native opa eval, and how often each violation code fired.
//   node scripts/policy/differential.ts [--count 5000] [--seed 17]
import { parseArgs } from 'node:util';
import { declaredCodes, runDifferential } from '../../test/support/differential.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, seed: { type: 'string', default: '17' } } });
const started = performance.now();
const report = await runDifferential({ count: Number(values.count), seed: Number(values.seed) });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`differential: ${report.compared} inputs (${report.fixed} fixed, the rest generated from seed ${values.seed}) in ${seconds} s; ${report.differenceCount} differ; ${report.allowed} allowed; ${report.errors} failed in both runtimes`);
for (const code of declaredCodes()) console.log(`  ${code.padEnd(36)} ${report.codes[code] ?? 0}`);
for (const [code, n] of Object.entries(report.codes)) if (!declaredCodes().includes(code)) console.log(`  ${code.padEnd(36)} ${n} (not declared)`);
for (const difference of report.differences.slice(0, 3)) console.log(JSON.stringify(difference, null, 1).slice(0, 4000));
process.exit(report.differenceCount === 0 ? 0 : 1);
