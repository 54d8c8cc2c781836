import { sha256Hex } from '../../digest/sha256.ts';
import { InputError, describeThrown } from '../../error.ts';
import { parseJSONLines } from '../../io/jsonl.ts';
import { MAX_EVIDENCE_BYTES, decodeUTF8, evidenceName, parseJSON, readEvidenceBytes, readEvidenceFile, type EvidenceSource } from '../../io/read.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';

/** One evaluation example's results for one model. */
export interface ExampleResult {
  id: string;
  /** Per-example metric values (accuracy 0/1, a quality score, …). */
  metrics: Record<string, number>;
  /** Capability and slice tags ("capability:math", "slice:long-context"). */
  tags: string[];
  latencyMs?: number;
}

/**
 * The most examples the regression gate judges: the largest evaluation set
 * measured through the CLI within Node's default heap with both models'
 * results held as objects (2,500,000 examples: 2.6 GB resident). Larger sets
 * are refused before anything is parsed (exit 2), never crash part way.
 */
export const MAX_EXAMPLES = 2_500_000;

/** One example of the pinned evaluation set: its id and the capability and slice tags it belongs to. */
export interface EvaluationExample {
  id: string;
  tags: string[];
}

/** A file of evidence as judged: where it came from, the sha256 of exactly the bytes read, and what they held. */
export interface EvidenceFile<T> {
  source: string;
  digest: `sha256:${string}`;
  content: T;
}

/** Formats the regression gate reads. */
export type ResultsFormat = 'gatehouse' | 'lm-eval' | 'mlflow';

/** Run-level figures: one value per run, so several runs give an interval. */
export interface RunFigures {
  throughput: number[];
  peakMemoryBytes: number[];
}

interface GatehouseLine {
  id: string | number;
  metrics: Record<string, number>;
  capability?: string;
  slices?: string[];
  latency_ms?: number;
}

const lineValidator: SchemaValidator<GatehouseLine> = compileSchema<GatehouseLine>({
  $id: 'https://gatehouse.dev/schemas/regression/example-result.json',
  type: 'object',
  required: ['id', 'metrics'],
  properties: {
    id: { type: ['string', 'integer'] },
    metrics: { type: 'object', minProperties: 1, additionalProperties: { type: 'number' } },
    capability: { type: 'string', minLength: 1 },
    slices: { type: 'array', items: { type: 'string', minLength: 1 } },
    latency_ms: { type: 'number', minimum: 0 },
  },
});

const setLineValidator: SchemaValidator<{ id: string | number; capability?: string; slices?: string[] }> = compileSchema({
  $id: 'https://gatehouse.dev/schemas/regression/evaluation-example.json',
  type: 'object',
  required: ['id'],
  properties: {
    id: { type: ['string', 'integer'] },
    capability: { type: 'string', minLength: 1 },
    slices: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
});

const lmEvalValidator: SchemaValidator<{ doc_id: number | string; metrics: string[] } & Record<string, unknown>> = compileSchema({
  $id: 'https://gatehouse.dev/schemas/regression/lm-eval-sample.json',
  type: 'object',
  required: ['doc_id', 'metrics'],
  properties: { doc_id: { type: ['integer', 'string'] }, metrics: { type: 'array', minItems: 1, items: { type: 'string' } } },
});

const tableValidator: SchemaValidator<{ columns: string[]; data: unknown[][] }> = compileSchema({
  $id: 'https://gatehouse.dev/schemas/regression/mlflow-table.json',
  type: 'object',
  required: ['columns', 'data'],
  properties: { columns: { type: 'array', minItems: 1, items: { type: 'string' } }, data: { type: 'array', items: { type: 'array' } } },
});

const runValidator: SchemaValidator<{ throughput: number | number[]; peak_memory_bytes: number | number[] }> = compileSchema({
  $id: 'https://gatehouse.dev/schemas/regression/run-figures.json',
  type: 'object',
  required: ['throughput', 'peak_memory_bytes'],
  properties: {
    throughput: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0 } }] },
    peak_memory_bytes: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0 } }] },
  },
});

/**
 * Reads the pinned evaluation set: JSONL, one example per line with its id and
 * optional `capability` and `slices` (other fields, such as the prompt, are
 * carried but not read). The capability and slice tags the gate judges come
 * from here, not from the results. Duplicate ids are refused.
 */
export async function readEvaluationSet(source: EvidenceSource): Promise<EvidenceFile<EvaluationExample[]>> {
  const path = evidenceName(source);
  const bytes = await readEvidenceBytes(source, { maxBytes: MAX_EVIDENCE_BYTES });
  // Refused before anything is parsed: more lines than the gate judges.
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  if (lines > MAX_EXAMPLES) throw new InputError({ code: 'FILE_TOO_LARGE', message: `${lines} lines; the regression gate judges at most ${MAX_EXAMPLES} examples`, path });
  const text = decodeUTF8(bytes, path);
  const digest: `sha256:${string}` = `sha256:${sha256Hex(bytes)}`;
  const examples: EvaluationExample[] = [];
  for (const { line, json } of parseJSONLines(text, path)) {
    const problem = setLineValidator.problem(json);
    if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: not an evaluation example: ${problem}`, path });
    const example = json as { id: string | number; capability?: string; slices?: string[] };
    examples.push({ id: String(example.id), tags: tagsOf(example) });
  }
  if (examples.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no examples in the evaluation set', path });
  refuseDuplicates(examples, path);
  return { source: path, digest, content: examples };
}

/**
 * Reads per-example results: gatehouse JSONL ({id, metrics, capability?,
 * slices?, latency_ms?} per line), lm-evaluation-harness samples JSONL (doc_id
 * and the metrics each line lists), or an MLflow evaluation table
 * ({columns, data}; an "id" column, numeric columns as metrics, "latency_ms"
 * as latency). Any bad row fails the whole file with one line naming the row.
 */
export async function readExampleResults(path: string, format: ResultsFormat = 'gatehouse'): Promise<ExampleResult[]> {
  return (await readResultsEvidence(path, format)).content;
}

/** readExampleResults with the digest of exactly the bytes judged. */
export async function readResultsEvidence(source: EvidenceSource, format: ResultsFormat = 'gatehouse'): Promise<EvidenceFile<ExampleResult[]>> {
  const path = evidenceName(source);
  const { text, digest } = await readEvidenceFile(source);
  const results = format === 'mlflow' ? fromTable(text, path) : fromLines(text, path, format);
  if (results.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no results in file', path });
  refuseDuplicates(results, path);
  return { source: path, digest, content: results };
}

/** Reads run-level figures ({throughput, peak_memory_bytes}, numbers or one per run). */
export async function readRunFigures(path: string): Promise<RunFigures> {
  return (await readRunEvidence(path)).content;
}

/** readRunFigures with the digest of exactly the bytes judged. */
export async function readRunEvidence(source: EvidenceSource): Promise<EvidenceFile<RunFigures>> {
  const path = evidenceName(source);
  const bytes = await readEvidenceBytes(source);
  const json = parseJSON(bytes, path);
  runValidator.assert(json, path, 'run figures file');
  const list = (value: number | number[]) => (Array.isArray(value) ? value : [value]);
  return { source: path, digest: `sha256:${sha256Hex(bytes)}`, content: { throughput: list(json.throughput), peakMemoryBytes: list(json.peak_memory_bytes) } };
}

function refuseDuplicates(rows: ReadonlyArray<{ id: string }>, path: string): void {
  const seen = new Map<string, number>();
  rows.forEach((row, index) => {
    const previous = seen.get(row.id);
    if (previous !== undefined) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: duplicate id ${JSON.stringify(row.id)} (first at row ${previous})`, path });
    }
    seen.set(row.id, index + 1);
  });
}

function tagsOf(line: { capability?: string; slices?: string[] }): string[] {
  return [...(line.capability === undefined ? [] : [`capability:${line.capability}`]), ...(line.slices ?? []).map((slice) => `slice:${slice}`)];
}

function fromLines(text: string, path: string, format: 'gatehouse' | 'lm-eval'): ExampleResult[] {
  const results: ExampleResult[] = [];
  for (const { line, json } of parseJSONLines(text, path)) results.push(format === 'gatehouse' ? fromGatehouseLine(json, path, line) : fromLmEvalLine(json, path, line));
  return results;
}

function fromGatehouseLine(json: unknown, path: string, row: number): ExampleResult {
  const problem = lineValidator.problem(json);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${row}: ${problem}`, path });
  const line = json as GatehouseLine;
  return {
    id: String(line.id),
    metrics: line.metrics,
    tags: tagsOf(line),
    ...(line.latency_ms === undefined ? {} : { latencyMs: line.latency_ms }),
  };
}

function fromLmEvalLine(json: unknown, path: string, row: number): ExampleResult {
  const problem = lmEvalValidator.problem(json);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${row}: not an lm-evaluation-harness sample: ${problem}`, path });
  const sample = json as { doc_id: number | string; metrics: string[]; filter?: unknown } & Record<string, unknown>;
  const metrics: Record<string, number> = {};
  for (const name of sample.metrics) {
    const value = sample[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${row}: metric ${name} is listed but has no numeric value`, path });
    }
    metrics[name] = value;
  }
  const filter = typeof sample.filter === 'string' && sample.filter !== 'none' ? `/${sample.filter}` : '';
  return { id: `${sample.doc_id}${filter}`, metrics, tags: [] };
}

function fromTable(text: string, path: string): ExampleResult[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InputError({ code: 'JSON_INVALID', message: `not valid JSON (${describeThrown(cause)})`, path, cause });
  }
  tableValidator.assert(json, path, 'MLflow evaluation table');
  const idColumn = json.columns.indexOf('id');
  if (idColumn === -1) throw new InputError({ code: 'SCHEMA_INVALID', message: 'the table has no "id" column', path });
  const latencyColumn = json.columns.indexOf('latency_ms');
  return json.data.map((values, index) => {
    if (values.length !== json.columns.length) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: ${values.length} values for ${json.columns.length} columns`, path });
    }
    const metrics: Record<string, number> = {};
    json.columns.forEach((column, c) => {
      const value = values[c];
      if (c === idColumn || c === latencyColumn) return;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: ${column} is not finite`, path });
        metrics[column] = value;
      }
    });
    // The id and latency hold what the gatehouse format allows them: an id is a string or a whole number, a latency a number of at least 0.
    const id = values[idColumn];
    if (!(typeof id === 'string' || Number.isSafeInteger(id))) throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: id is ${JSON.stringify(id)}, not a string or a whole number`, path });
    const latency = latencyColumn === -1 ? undefined : values[latencyColumn];
    if (latency !== undefined && !(typeof latency === 'number' && latency >= 0)) throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: latency_ms is not a number of at least 0`, path });
    return { id: String(id), metrics, tags: [], ...(latency === undefined ? {} : { latencyMs: latency }) };
  });
}
