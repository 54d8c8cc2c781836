import { InputError } from '../../error.ts';
import { readTextFile } from '../../io/read.ts';

/** One model prediction with its true label, optional score and group attributes. */
export interface Prediction {
  id: string;
  label: 0 | 1;
  prediction: 0 | 1;
  /** Predicted probability of the positive class, for calibration; absent when the model gives none. */
  score?: number;
  groups: Record<string, string>;
}

/** A counterfactual pair: two inputs that differ only in a demographic indicator, with both outputs. */
export interface CounterfactualPair {
  id: string;
  outputA: string;
  outputB: string;
}

export interface PredictionColumns {
  /** Group attribute columns (gender, age band, …). */
  groups: string[];
  /** Decision threshold applied to scores when no prediction column exists (default 0.5). */
  threshold?: number;
}


/**
 * Reads predictions from CSV (header row; id, label, and prediction and/or
 * score, plus the group columns) or JSONL (the same fields per object). Every
 * row is checked; the first bad one fails the file with its row number.
 */
export async function readPredictions(path: string, columns: PredictionColumns): Promise<Prediction[]> {
  return parsePredictions(await readTextFile(path), path, columns);
}

/** Parses predictions already read from `path` (CSV, or JSONL by its extension). */
export function parsePredictions(text: string, path: string, columns: PredictionColumns): Prediction[] {
  if (columns.groups.length === 0) throw new InputError({ code: 'USAGE', message: 'name at least one group column', path });
  const rows = path.endsWith('.jsonl') || path.endsWith('.ndjson') ? jsonlRows(text, path) : csvRows(text, path);
  if (rows.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no predictions in file', path });
  const seen = new Set<string>();
  return rows.map(({ row, values }) => {
    const fail = (message: string): never => {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${row}: ${message}`, path });
    };
    const id = values['id'];
    if (id === undefined || id === '') fail('missing id');
    if (seen.has(id!)) fail(`duplicate id ${JSON.stringify(id)}`);
    seen.add(id!);
    const label = binary(values['label']) ?? fail(`label must be 0 or 1, got ${JSON.stringify(values['label'])}`);
    const score = values['score'] === undefined || values['score'] === '' ? undefined : Number(values['score']);
    if (score !== undefined && !(Number.isFinite(score) && score >= 0 && score <= 1)) fail(`score must be a number in [0, 1], got ${JSON.stringify(values['score'])}`);
    let prediction = binary(values['prediction']);
    if (prediction === undefined) {
      if (values['prediction'] !== undefined && values['prediction'] !== '') fail(`prediction must be 0 or 1, got ${JSON.stringify(values['prediction'])}`);
      if (score === undefined) fail('needs a prediction or a score');
      prediction = score! >= (columns.threshold ?? 0.5) ? 1 : 0;
    }
    const groups: Record<string, string> = {};
    for (const column of columns.groups) {
      const value = values[column];
      if (value === undefined || value === '') fail(`missing group column ${column}`);
      groups[column] = value!;
    }
    return { id: id!, label: label!, prediction: prediction!, ...(score === undefined ? {} : { score }), groups };
  });
}

/** Reads counterfactual pairs: JSONL with id, output_a, output_b. */
export async function readCounterfactuals(path: string): Promise<CounterfactualPair[]> {
  const rows = jsonlRows(await readTextFile(path), path);
  if (rows.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no counterfactual pairs in file', path });
  return rows.map(({ row, values }) => {
    const { id, output_a: outputA, output_b: outputB } = values;
    if (id === undefined || outputA === undefined || outputB === undefined) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${row}: needs id, output_a and output_b`, path });
    }
    return { id, outputA, outputB };
  });
}

function binary(value: string | undefined): 0 | 1 | undefined {
  if (value === '0' || value === 'false') return 0;
  if (value === '1' || value === 'true') return 1;
  return undefined;
}

function jsonlRows(text: string, path: string): Array<{ row: number; values: Record<string, string> }> {
  const rows: Array<{ row: number; values: Record<string, string> }> = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new InputError({ code: 'JSON_INVALID', message: `row ${index + 1}: not valid JSON`, path });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: not an object`, path });
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(json)) {
      if (value === null || typeof value === 'object') throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 1}: ${key} must be a string, number or boolean`, path });
      values[key] = String(value);
    }
    rows.push({ row: index + 1, values });
  });
  return rows;
}

// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.
function csvRows(text: string, path: string): Array<{ row: number; values: Record<string, string> }> {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (quoted) throw new InputError({ code: 'SCHEMA_INVALID', message: 'unterminated quoted field', path });
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header, ...body] = records.filter((r) => !(r.length === 1 && r[0] === ''));
  if (header === undefined) return [];
  return body.map((values, index) => {
    if (values.length !== header.length) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${index + 2}: ${values.length} fields for ${header.length} columns`, path });
    }
    return { row: index + 2, values: Object.fromEntries(header.map((column, c) => [column, values[c]!])) };
  });
}
