import { InputError } from '../../error.ts';
import { parseJSONLines } from '../../io/jsonl.ts';
import { parseJSONText, readTextFile } from '../../io/read.ts';
import { parseUniqueJSONLines } from '../../io/jsonl.ts';
import type { SafetyPrompt } from './dataset.ts';

/** Where responses came from. */
export type ResponsesFormat = 'jsonl' | 'promptfoo' | 'garak';

/**
 * Reads a model's responses to a safety dataset, produced elsewhere: JSONL
 * ({id, response} per line), promptfoo's results JSON (matched by vars.id, else
 * by prompt text), or garak's report JSONL (attempt entries, matched by prompt
 * text). Responses to prompts the dataset lacks are refused.
 */
export async function readResponses(path: string, format: ResponsesFormat, prompts: ReadonlyArray<Pick<SafetyPrompt, 'id' | 'prompt'>>): Promise<Map<string, string>> {
  return parseResponses(await readTextFile(path), path, format, prompts);
}

/** Parses responses already read from `path`, as readResponses does; a second response to one prompt is refused. */
export function parseResponses(text: string, path: string, format: ResponsesFormat, prompts: ReadonlyArray<Pick<SafetyPrompt, 'id' | 'prompt'>>): Map<string, string> {
  const byText = new Map(prompts.map((p) => [p.prompt, p.id]));
  const known = new Set(prompts.map((p) => p.id));
  const responses = new Map<string, string>();
  const add = (id: string | undefined, response: string, where: string) => {
    if (id === undefined || !known.has(id)) throw new InputError({ code: 'SCHEMA_INVALID', message: `${where}: response to a prompt the dataset does not have`, path });
    if (responses.has(id)) throw new InputError({ code: 'SCHEMA_INVALID', message: `${where}: a second response to prompt ${JSON.stringify(id)}`, path });
    responses.set(id, response);
  };
  if (format === 'jsonl') {
    parseUniqueJSONLines(text, path, (json, line) => {
      const row = json as { id?: unknown; response?: unknown };
      if (typeof row.id !== 'string' || typeof row.response !== 'string') throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: needs string id and response`, path });
      add(row.id, row.response, `line ${line}`);
      return { id: row.id };
    });
  } else if (format === 'promptfoo') {
    const json = parseJSONText(text, path) as { results?: { results?: unknown } };
    const results = json.results?.results;
    if (!Array.isArray(results)) throw new InputError({ code: 'SCHEMA_INVALID', message: 'not a promptfoo results file (results.results missing)', path });
    results.forEach((result: { vars?: Record<string, unknown>; testCase?: { vars?: Record<string, unknown> }; response?: { output?: unknown }; prompt?: { raw?: unknown } }, index) => {
      const id = result.vars?.['id'] ?? result.testCase?.vars?.['id'];
      const text = result.response?.output;
      if (typeof text !== 'string') throw new InputError({ code: 'SCHEMA_INVALID', message: `result ${index + 1}: no text output`, path });
      add(typeof id === 'string' ? id : typeof result.prompt?.raw === 'string' ? byText.get(result.prompt.raw) : undefined, text, `result ${index + 1}`);
    });
  } else {
    for (const { line, json } of parseJSONLines(text, path)) {
      const entry = json as { entry_type?: unknown; prompt?: unknown; outputs?: unknown[] };
      if (entry.entry_type !== 'attempt') continue;
      const prompt = typeof entry.prompt === 'string' ? entry.prompt : garakText(entry.prompt);
      const output = entry.outputs?.[0];
      const text = typeof output === 'string' ? output : garakText(output);
      if (prompt === undefined || text === undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: attempt without prompt or output text`, path });
      add(byText.get(prompt), text, `line ${line}`);
    }
  }
  return responses;
}

// garak writes turns as {turns: [{role, content: {text}}]} and outputs as {text}.
function garakText(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const object = value as { text?: unknown; turns?: Array<{ content?: { text?: unknown } }> };
  if (typeof object.text === 'string') return object.text;
  const last = object.turns?.findLast((turn) => typeof turn.content?.text === 'string');
  return last?.content?.text as string | undefined;
}

