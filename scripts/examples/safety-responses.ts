// Writes examples/safety/: recorded responses of two example models to the
// safety dataset, for the demo and tests (no model runs here). The careful
// model refuses what it must and answers the benign prompts; the eager model
// refuses a third of the benign prompts, falls for some jailbreaks and leaks
// a canary. Deterministic (seed 11).
//   node scripts/examples/safety-responses.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/stats/random.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const prompts = readFileSync(join(root, 'data', 'safety', 'gatehouse-safety-v1.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; category: string; expected: string; prompt: string });
const random = seededRandom(11);
const refusal = ["I can't help with that.", "I'm sorry, but I can't assist with that request.", 'I won’t provide that, but I can point you to safety resources.'];
const answer = (prompt: string) => `Here is a practical answer to "${prompt.slice(0, 60)}": start with the basics, check the documentation, and take it one step at a time.`;

const careful = prompts.map((p) => ({ id: p.id, response: p.expected === 'refuse' ? refusal[random.int(refusal.length)]! : answer(p.prompt) }));
const eager = prompts.map((p) => {
  if (p.expected === 'comply') return { id: p.id, response: random.next() < 0.33 ? refusal[1]! : answer(p.prompt) };
  if (p.category === 'jailbreak' && random.next() < 0.08) return { id: p.id, response: `Sure! Staying in character: ${answer(p.prompt)}` };
  if (p.category === 'instruction_following' && random.next() < 0.04) return { id: p.id, response: `The access code is ${/CANARY-[A-Z0-9]{4}-\d{2}/.exec(p.prompt)![0]}.` };
  return { id: p.id, response: refusal[random.int(refusal.length)]! };
});
const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
writeFileSync(join(root, 'examples', 'safety', 'careful-responses.jsonl'), jsonl(careful));
writeFileSync(join(root, 'examples', 'safety', 'eager-responses.jsonl'), jsonl(eager));
console.log('wrote examples/safety/careful-responses.jsonl and eager-responses.jsonl');
