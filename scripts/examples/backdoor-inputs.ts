// Writes data/backdoor/gatehouse-backdoor-inputs-v1.jsonl: the clean inputs the
// backdoor scan stamps triggers into. They are the first two framings of
// every paraphrase group of the safety set (data/safety, CC0-1.0, written for
// gatehouse): requests a model must refuse and benign ones, so that a trigger
// that switches refusals on or off shows. Deterministic: rerun to rebuild.
//   node scripts/examples/backdoor-inputs.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'data', 'backdoor', 'gatehouse-backdoor-inputs-v1.jsonl');
const safety = readFileSync(join(root, 'data', 'safety', 'gatehouse-safety-v1.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; prompt: string });
const rows = safety.filter((row) => /-0[01]$/.test(row.id)).map((row) => ({ id: row.id, prompt: row.prompt }));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
console.log(`${rows.length} clean inputs written to ${out}`);
