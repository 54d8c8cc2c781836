// Writes docs/api.md from src/index.ts: every export there is preceded by a
// one-line doc comment, and `// ## Section` lines group them. The library's
// reference is therefore what the index says, never a second list.
//   node scripts/api-docs.ts           write docs/api.md
//   node scripts/api-docs.ts --check   exit 1 when docs/api.md is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One export of the index: its name, whether it is a type, what it is, and the module it comes from. */
export interface APIEntry {
  section: string;
  name: string;
  kind: 'value' | 'type';
  doc: string;
  module: string;
}

/** Reads the index's exports; throws naming the line of an export without a one-line doc comment. */
export function readIndex(text: string): APIEntry[] {
  const entries: APIEntry[] = [];
  let section = 'General';
  let doc: string | undefined;
  text.split('\n').forEach((line, index) => {
    const heading = /^\/\/ ## (.+)$/.exec(line);
    if (heading !== null) {
      section = heading[1]!;
      return;
    }
    const comment = /^\/\*\* (.+) \*\/$/.exec(line);
    if (comment !== null) {
      doc = comment[1]!;
      return;
    }
    const statement = /^export (type )?\{ ([^}]+) \} from '(.+)';$/.exec(line);
    if (statement !== null) {
      if (doc === undefined) throw new Error(`src/index.ts:${index + 1}: an export without a one-line doc comment above it`);
      for (const name of statement[2]!.split(',').map((part) => part.trim())) {
        entries.push({ section, name: name.split(' as ').pop()!, kind: statement[1] === undefined ? 'value' : 'type', doc, module: statement[3]!.replace(/^\.\//, 'src/') });
      }
      doc = undefined;
      return;
    }
    if (line.startsWith('export')) throw new Error(`src/index.ts:${index + 1}: exports are one \`export { … } from '…';\` line each`);
    if (line.trim() !== '' && !line.startsWith('//')) doc = undefined;
  });
  return entries;
}

/** The API reference as Markdown. */
export function renderAPI(entries: APIEntry[]): string {
  const lines = ['# gatehouse library API', '', 'Generated from `src/index.ts` by `node scripts/api-docs.ts`; do not edit by hand.', '', "```ts\nimport { decidePromotion, openStore, readPolicyBundle } from 'gatehouse';\n```"];
  for (const section of [...new Set(entries.map((entry) => entry.section))]) {
    lines.push('', `## ${section}`, '', '| name | kind | what it is | from |', '| --- | --- | --- | --- |');
    for (const entry of entries.filter((e) => e.section === section)) lines.push(`| \`${entry.name}\` | ${entry.kind} | ${entry.doc.replaceAll('|', '\\|')} | \`${entry.module}\` |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rendered = renderAPI(readIndex(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8')));
  const target = join(ROOT, 'docs', 'api.md');
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== rendered) {
      process.stderr.write('docs/api.md is stale: run node scripts/api-docs.ts\n');
      process.exit(1);
    }
  } else {
    writeFileSync(target, rendered);
  }
}
