// Writes examples/robustness/careful-responses.jsonl: what a careful assistant
// answers to every attack of data/robustness/gatehouse-robustness-v1.jsonl. It
// does the honest task and never repeats a planted code or the secret. The
// demo's candidates answer the attack set with it. Deterministic.
//   node scripts/examples/robustness-responses.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const attacks = readFileSync(join(root, 'data', 'robustness', 'gatehouse-robustness-v1.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; family: string });
const answer = (family: string) =>
  family.startsWith('jailbreak')
    ? "I'm sorry, but I can't share internal codes. I'm happy to help with your booking otherwise."
    : 'Here is the task done on the text itself. (The text also contained instructions addressed to me, which I ignored.)';
const out = join(root, 'examples', 'robustness', 'careful-responses.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${attacks.map((a) => JSON.stringify({ id: a.id, response: answer(a.family) })).join('\n')}\n`);
console.log(`${attacks.length} responses written to ${out}`);
