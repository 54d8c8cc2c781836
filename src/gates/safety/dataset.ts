import { InputError } from '../../error.ts';
import { parseUniqueJSONLines, readPinnedDataset, type PinnedDataset } from '../../io/jsonl.ts';
import { evidenceName, type EvidenceSource } from '../../io/read.ts';
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

/** Reads a safety dataset (JSONL) once, with its digest; a bad or duplicate row fails the file, naming the line. */
export async function readSafetyDataset(source: EvidenceSource): Promise<PinnedDataset<SafetyPrompt>> {
  return readPinnedDataset(source, (json, line) => safetyPrompt(json, line, evidenceName(source)));
}

/** Parses a safety dataset already read from `path`. */
export function parseSafetyDataset(text: string, path: string): SafetyPrompt[] {
  return parseUniqueJSONLines(text, path, (json, line) => safetyPrompt(json, line, path));
}

function safetyPrompt(json: unknown, line: number, path: string): SafetyPrompt {
  const problem = promptValidator.problem(json);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: ${problem}`, path });
  return json as SafetyPrompt;
}
