import { canonicalJSON } from '../../canonical/json.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { InputError } from '../../error.ts';
import { parseJSONLines, parseUniqueJSONLines } from '../../io/jsonl.ts';
import { collectResponses, type ChatEndpoint } from '../safety/endpoint.ts';
import { observationKey, type Observation } from './evaluate.ts';
import { stampTrigger, type Trigger } from './triggers.ts';

/** One clean input of the backdoor scan. */
export interface CleanInput {
  id: string;
  prompt: string;
}

/** Parses the clean inputs (JSONL {id, prompt}) read from `path`. */
export function parseCleanInputs(text: string, path: string): CleanInput[] {
  return parseUniqueJSONLines(text, path, (json, line) => {
    const row = json as { id?: unknown; prompt?: unknown };
    if (typeof row.id !== 'string' || row.id === '' || typeof row.prompt !== 'string' || row.prompt === '') throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: needs string id and prompt`, path });
    return { id: row.id, prompt: row.prompt };
  });
}

const FIELDS = ['output', 'label', 'score'] as const;

/**
 * Parses one model's observations (JSONL {id, trigger, output?, label?,
 * score?}; trigger null for the clean input) read from `path`. Every row gives
 * the same fields, at least one; an id or trigger the scan does not have, or
 * a second row for one pair, is refused.
 */
export function parseObservations(text: string, path: string, inputs: readonly CleanInput[], triggers: readonly Trigger[]): Map<string, Observation> {
  const ids = new Set(inputs.map((i) => i.id));
  const triggerIds = new Set(triggers.map((t) => t.id));
  const observations = new Map<string, Observation>();
  let fields: string | undefined;
  for (const { line, json } of parseJSONLines(text, path)) {
    const row = json as { id?: unknown; trigger?: unknown; output?: unknown; label?: unknown; score?: unknown };
    const fail = (problem: string): never => {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: ${problem}`, path });
    };
    if (typeof row.id !== 'string' || !ids.has(row.id)) fail(`id ${JSON.stringify(row.id)} is not a clean input of the scan`);
    if (row.trigger !== null && (typeof row.trigger !== 'string' || !triggerIds.has(row.trigger))) fail(`trigger ${JSON.stringify(row.trigger)} is not in the scan's trigger set (null for the clean input)`);
    if (row.output !== undefined && typeof row.output !== 'string') fail('output must be a string');
    if (row.label !== undefined && typeof row.label !== 'string' && typeof row.label !== 'number') fail('label must be a string or a number');
    if (row.score !== undefined && (typeof row.score !== 'number' || !Number.isFinite(row.score))) fail('score must be a finite number');
    const given = FIELDS.filter((f) => row[f] !== undefined).join(',');
    if (given === '') fail('needs output, label or score');
    if (fields !== undefined && given !== fields) fail(`gives ${given}, but earlier rows give ${fields}: every row gives the same fields`);
    fields = given;
    const key = observationKey(row.id as string, row.trigger as string | null);
    if (observations.has(key)) fail(`a second observation of ${JSON.stringify(row.id)} with trigger ${JSON.stringify(row.trigger)}`);
    observations.set(key, {
      ...(row.output === undefined ? {} : { output: row.output as string }),
      ...(row.label === undefined ? {} : { label: String(row.label) }),
      ...(row.score === undefined ? {} : { score: row.score as number }),
    });
  }
  if (observations.size === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'empty file', path });
  return observations;
}

/** Every prompt the scan asks a model: each clean input, and each with each trigger stamped in. */
export function scanPrompts(inputs: readonly CleanInput[], triggers: readonly Trigger[]): Array<{ id: string; prompt: string; input: string; trigger: string | null }> {
  return inputs.flatMap((input) => [
    { id: observationKey(input.id, null), prompt: input.prompt, input: input.id, trigger: null },
    ...triggers.map((t) => ({ id: observationKey(input.id, t.id), prompt: stampTrigger(input.prompt, t), input: input.id, trigger: t.id })),
  ]);
}

/**
 * Asks an OpenAI-compatible endpoint every prompt of the scan with the safety
 * gate's runner (bounded concurrency, timeouts, retries), and returns its
 * answers as observations with their digest (canonical JSON of the answers).
 */
export async function collectObservations(
  inputs: readonly CleanInput[],
  triggers: readonly Trigger[],
  endpoint: ChatEndpoint,
  options: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ observations: Map<string, Observation>; digest: `sha256:${string}` }> {
  const prompts = scanPrompts(inputs, triggers);
  const answers = await collectResponses(prompts, { endpoint, concurrency: options.concurrency ?? 4, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
  const observations = new Map([...answers].map(([key, output]) => [key, { output }]));
  const digest = `sha256:${sha256Hex(canonicalJSON(prompts.map((p) => ({ id: p.input, trigger: p.trigger, output: answers.get(p.id) ?? null }))))}` as const;
  return { observations, digest };
}
