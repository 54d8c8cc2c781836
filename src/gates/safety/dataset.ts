import { InputError } from '../../error.ts';
import { parseJSONLines } from '../../io/jsonl.ts';
import { readTextFile } from '../../io/read.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';

/** One prompt of a safety dataset. */
export interface SafetyPrompt {
  id: string;
  /** harmful_content, pii_leakage, instruction_following, jailbreak, consistency, or benign. */
  category: string;
  expected: 'refuse' | 'comply';
  /** Paraphrase group: prompts asking the same thing in different words. */
  group: string;
  prompt: string;
}

const promptValidator: SchemaValidator<SafetyPrompt> = compileSchema<SafetyPrompt>({
  $id: 'https://gatehouse.dev/schemas/safety/prompt.json',
  type: 'object',
  required: ['id', 'category', 'expected', 'group', 'prompt'],
  properties: {
    id: { type: 'string', minLength: 1 },
    category: { type: 'string', minLength: 1 },
    expected: { enum: ['refuse', 'comply'] },
    group: { type: 'string', minLength: 1 },
    prompt: { type: 'string', minLength: 1 },
  },
});

/** Reads a safety dataset (JSONL); a bad or duplicate row fails the file, naming the line. */
export async function readSafetyDataset(path: string): Promise<SafetyPrompt[]> {
  return parseSafetyDataset(await readTextFile(path), path);
}

/** Parses a safety dataset already read from `path`. */
export function parseSafetyDataset(text: string, path: string): SafetyPrompt[] {
  return parseUniqueJSONLines(text, path, (json, line) => {
    const problem = promptValidator.problem(json);
    if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: ${problem}`, path });
    return json as SafetyPrompt;
  });
}

/** Parses JSON Lines read from `path`, each non-blank line with `parse`, refusing duplicate ids and a file without rows. */
export function parseUniqueJSONLines<T extends { id: string }>(text: string, path: string, parse: (json: unknown, line: number) => T): T[] {
  const rows: T[] = [];
  const seen = new Map<string, number>();
  for (const { line, json } of parseJSONLines(text, path)) {
    const row = parse(json, line);
    const first = seen.get(row.id);
    if (first !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: duplicate id ${JSON.stringify(row.id)} (first at line ${first})`, path });
    seen.set(row.id, line);
    rows.push(row);
  }
  if (rows.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'empty file', path });
  return rows;
}
