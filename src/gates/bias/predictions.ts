import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from '../../error.ts';
import { parseJSONLines } from '../../io/jsonl.ts';
import { readTextFile } from '../../io/read.ts';

/** One model prediction joined with its dataset row: the label and group attributes come from the dataset. */
export interface Prediction {
  id: string;
  label: 0 | 1;
  prediction: 0 | 1;
  /** Predicted probability of the positive class, for calibration; absent when the model gives none. */
  score?: number;
  groups: Record<string, string>;
}

/** One labelled row of the evaluation dataset the policy pins. */
export interface DatasetRow {
  id: string;
  label: 0 | 1;
  groups: Record<string, string>;
}

/** A counterfactual pair: two inputs that differ only in a demographic indicator, with both outputs. */
export interface CounterfactualPair {
  id: string;
  outputA: string;
  outputB: string;
}

/** The dataset's rows with the model's predictions joined to them by id. */
export interface JoinedPredictions {
  /** Answered rows, in dataset order. */
  predictions: Prediction[];
  /** Ids of dataset rows the predictions file does not answer, in dataset order. */
  unanswered: string[];
}

/**
 * Parses the labelled evaluation dataset (CSV with a header row, or JSONL):
 * id, label and the named group columns on every row; ids unique. This is the
 * file policy data pins, so the labels and groups judged come from here. Rows
 * of one group share one `groups` object.
 */
export function parseBiasDataset(text: string, path: string, groupColumns: readonly string[]): DatasetRow[] {
  if (groupColumns.length === 0) throw new InputError({ code: 'USAGE', message: 'name at least one group column', path });
  const table = readTable(text, path);
  const id = table.column('id');
  const label = table.column('label');
  const groups = groupColumns.map((name) => ({ name, index: table.column(name) }));
  // One groups object per combination of values, found through one map per attribute.
  const interned = new Map<string, unknown>();
  const rows: DatasetRow[] = [];
  table.forEach((values, r) => {
    const key = present(values[id]) ?? table.fail(r, 'missing id');
    let level = interned;
    let attributes: Record<string, string> | undefined;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const value = present(values[group.index]) ?? table.fail(r, `missing group column ${group.name}`);
      let next = level.get(value);
      if (next === undefined) {
        next = g === groups.length - 1 ? Object.fromEntries(groups.map((column) => [column.name, values[column.index]!])) : new Map<string, unknown>();
        level.set(value, next);
      }
      if (g === groups.length - 1) attributes = next as Record<string, string>;
      else level = next as Map<string, unknown>;
    }
    rows.push({ id: key, label: binary(values[label]) ?? table.fail(r, `label must be 0 or 1, got ${JSON.stringify(values[label])}`), groups: attributes! });
  });
  if (rows.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no rows in dataset', path });
  const duplicate = new IdIndex(rows.map((row) => row.id)).firstDuplicate;
  if (duplicate !== -1) table.fail(duplicate, `duplicate id ${JSON.stringify(rows[duplicate]!.id)}`);
  return rows;
}

/**
 * Joins a model's predictions (CSV or JSONL: id, and prediction and/or score)
 * to the dataset rows by id. Each row's decision is its prediction column, or
 * its score at `scoreThreshold` (the operating point policy data sets) when the
 * file gives none. A prediction for an id the dataset lacks, a duplicate id, or
 * a label or group column that disagrees with the dataset is refused: the file
 * may not relabel what the pinned dataset says. Dataset rows without a
 * prediction are returned as unanswered, never dropped silently.
 */
export function joinPredictions(dataset: readonly DatasetRow[], text: string, path: string, scoreThreshold: number): JoinedPredictions {
  // Predictions usually come in dataset order: the row at the same position is
  // tried first, and the index by id is built only when one is out of place.
  let byId: IdIndex | undefined;
  const indexOf = (id: string, position: number): number | undefined => {
    if (dataset[position]?.id === id) return position;
    byId ??= new IdIndex(dataset.map((row) => row.id));
    return byId.get(id);
  };
  const joined: Array<Prediction | undefined> = new Array<Prediction | undefined>(dataset.length).fill(undefined);
  const table = readTable(text, path);
  const idColumn = table.column('id');
  const labelColumn = table.column('label');
  const scoreColumn = table.column('score');
  const predictionColumn = table.column('prediction');
  const groupColumns = Object.keys(dataset[0]?.groups ?? {}).map((name) => ({ name, index: table.column(name) }));
  const count = table.forEach((values, r) => {
    const id = present(values[idColumn]) ?? table.fail(r, 'missing id');
    const index = indexOf(id, r) ?? table.fail(r, `id ${JSON.stringify(id)} is not in the dataset`);
    if (joined[index] !== undefined) table.fail(r, `duplicate id ${JSON.stringify(id)}`);
    const truth = dataset[index]!;
    const label = present(values[labelColumn]);
    if (label !== undefined && binary(label) !== truth.label) table.fail(r, `label ${JSON.stringify(label)} differs from the dataset's ${truth.label} for id ${JSON.stringify(id)}`);
    for (const group of groupColumns) {
      const value = values[group.index];
      if (value !== undefined && value !== truth.groups[group.name]) table.fail(r, `${group.name} ${JSON.stringify(value)} differs from the dataset's ${JSON.stringify(truth.groups[group.name])} for id ${JSON.stringify(id)}`);
    }
    const scoreText = present(values[scoreColumn]);
    const score = scoreText === undefined ? undefined : Number(scoreText);
    if (score !== undefined && !(Number.isFinite(score) && score >= 0 && score <= 1)) table.fail(r, `score must be a number in [0, 1], got ${JSON.stringify(scoreText)}`);
    const predictionText = present(values[predictionColumn]);
    let prediction: 0 | 1;
    if (predictionText !== undefined) prediction = binary(predictionText) ?? table.fail(r, `prediction must be 0 or 1, got ${JSON.stringify(predictionText)}`);
    else if (score !== undefined) prediction = score >= scoreThreshold ? 1 : 0;
    else return table.fail(r, 'needs a prediction or a score');
    joined[index] = score === undefined ? { id, label: truth.label, prediction, groups: truth.groups } : { id, label: truth.label, prediction, score, groups: truth.groups };
  });
  if (count === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no predictions in file', path });
  const predictions: Prediction[] = [];
  const unanswered: string[] = [];
  joined.forEach((prediction, index) => {
    if (prediction === undefined) unanswered.push(dataset[index]!.id);
    else predictions.push(prediction);
  });
  return { predictions, unanswered };
}

/** Parses counterfactual pairs read from `path`: JSONL with id, output_a, output_b; ids unique. */
export function parseCounterfactuals(text: string, path: string): CounterfactualPair[] {
  const table = jsonlTable(text, path);
  const [id, outputA, outputB] = [table.column('id'), table.column('output_a'), table.column('output_b')];
  const seen = new Set<string>();
  const pairs: CounterfactualPair[] = [];
  table.forEach((values, r) => {
    const pair = { id: values[id], outputA: values[outputA], outputB: values[outputB] };
    if (pair.id === undefined || pair.outputA === undefined || pair.outputB === undefined) return table.fail(r, 'needs id, output_a and output_b');
    if (seen.has(pair.id)) table.fail(r, `duplicate id ${JSON.stringify(pair.id)}`);
    seen.add(pair.id);
    pairs.push(pair as CounterfactualPair);
  });
  if (pairs.length === 0) throw new InputError({ code: 'SCHEMA_INVALID', message: 'no counterfactual pairs in file', path });
  return pairs;
}

/** Reads counterfactual pairs from a JSONL file. */
export async function readCounterfactuals(path: string): Promise<CounterfactualPair[]> {
  return parseCounterfactuals(await readTextFile(path), path);
}

/**
 * Positions of ids in an open-addressing table of their 32-bit FNV-1a hashes:
 * no allocation per id, so a million ids index in tens of milliseconds where
 * a Set or Map of strings takes seconds.
 */
class IdIndex {
  readonly #ids: readonly string[];
  readonly #slots: Int32Array;
  readonly #mask: number;
  /** The first position whose id an earlier position already has; -1 when ids are unique. */
  readonly firstDuplicate: number = -1;

  constructor(ids: readonly string[]) {
    this.#ids = ids;
    let size = 16;
    while (size < ids.length * 2) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (let position = 0; position < ids.length; position++) {
      const slot = this.#slot(ids[position]!);
      if (this.#slots[slot] === -1) this.#slots[slot] = position;
      else if (this.firstDuplicate === -1) this.firstDuplicate = position;
    }
  }

  /** The position of `id`, or undefined. */
  get(id: string): number | undefined {
    const position = this.#slots[this.#slot(id)]!;
    return position === -1 ? undefined : position;
  }

  // The slot holding `id`, or the empty slot where it would go (linear probing).
  #slot(id: string): number {
    let hash = 0x811c9dc5;
    for (let c = 0; c < id.length; c++) hash = Math.imul(hash ^ id.charCodeAt(c), 0x01000193);
    let slot = hash & this.#mask;
    for (;;) {
      const position = this.#slots[slot]!;
      if (position === -1 || this.#ids[position] === id) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }
}

// Rows of a CSV or JSONL file, by column index: a column a row lacks is undefined.
interface Table {
  /** A column's index; an index no row has when the file has no such column. */
  column(name: string): number;
  /** Visits every record in file order (r counts from 0); returns how many there were. */
  forEach(visit: (values: Array<string | undefined>, r: number) => void): number;
  /** Refuses the file at the line record `r` starts on. */
  fail(r: number, message: string): never;
}

// CSV, or JSONL by the file's extension.
function readTable(text: string, path: string): Table {
  return path.endsWith('.jsonl') || path.endsWith('.ndjson') ? jsonlTable(text, path) : csvTable(text, path);
}

function table(columns: string[], forEach: Table['forEach'], lineOf: (r: number) => number, path: string): Table {
  const indices = new Map(columns.map((name, index) => [name, index]));
  return {
    forEach,
    column: (name) => indices.get(name) ?? columns.length,
    fail: (r, message) => {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${lineOf(r)}: ${message}`, path });
    },
  };
}

function present(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function binary(value: string | undefined): 0 | 1 | undefined {
  if (value === '0' || value === 'false') return 0;
  if (value === '1' || value === 'true') return 1;
  return undefined;
}

function jsonlTable(text: string, path: string): Table {
  const columns: string[] = [];
  const indices = new Map<string, number>();
  const records: Array<Array<string | undefined>> = [];
  const lines: number[] = [];
  // parseJSONLines refuses a line that is no object.
  for (const { line, json } of parseJSONLines(text, path)) {
    const record: Array<string | undefined> = [];
    for (const [key, value] of Object.entries(json)) {
      if (value === null || typeof value === 'object') throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: ${key} must be a string, number or boolean`, path });
      let column = indices.get(key);
      if (column === undefined) {
        column = columns.push(key) - 1;
        indices.set(key, column);
      }
      record[column] = String(value);
    }
    records.push(record);
    lines.push(line);
  }
  const forEach: Table['forEach'] = (visit) => {
    records.forEach(visit);
    return records.length;
  };
  return table(columns, forEach, (r) => lines[r]!, path);
}

// CSV as RFC 4180 writes it, read by csv-parse: quoted fields may hold commas,
// quotes ("") and line breaks; a quote anywhere else (`a"b`, `"a"b`), a quoted
// field never closed, a duplicate column name or a row with the wrong number
// of fields refuses the file. Errors name the line the record at fault starts
// on, counted as an editor counts lines (blank lines and line breaks inside
// quoted fields included). Records are visited as they are read, never all
// held at once.
function csvTable(text: string, path: string): Table {
  const afterHeader = new LineCounter();
  let header: string[] = [];
  let headerLine = 1;
  parseCSV(text, path, afterHeader, { to: 1 }, (values, line) => {
    header = [...values];
    headerLine = line;
  });
  const first = new Map<string, number>();
  header.forEach((name, index) => {
    if (first.has(name)) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${headerLine}: column ${JSON.stringify(name)} appears twice (columns ${first.get(name)! + 1} and ${index + 1})`, path });
    first.set(name, index);
  });
  let starts = new Int32Array(1024);
  const forEach: Table['forEach'] = (visit) => {
    let r = 0;
    parseCSV(text, path, afterHeader.copy(), { from: 2 }, (values, line) => {
      if (r === starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[r] = line;
      if (values.length !== header.length) throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: ${values.length} fields for ${header.length} columns`, path });
      visit(values, r++);
    });
    return r;
  };
  return table(header, forEach, (r) => starts[r]!, path);
}

// Where records start, counted here because csv-parse counts a CRLF inside a
// quoted field as two lines: a record starts on the line after the last line
// of the record before it (one more per line break inside its quoted fields),
// past the blank lines csv-parse skipped between them.
class LineCounter {
  #next = 1;
  #blankLines = 0;
  #parserLines = 0;

  /** The line a record with `values` starts on, given csv-parse's count of lines and of blank lines skipped so far. */
  next(values: readonly string[], info: { lines: number; empty_lines: number }): number {
    const start = this.start(info.empty_lines);
    let breaks = 0;
    // Only a record csv-parse saw span lines can hold line breaks.
    if (info.lines - this.#parserLines > 1 + info.empty_lines - this.#blankLines) {
      for (const value of values) breaks += value.match(/\r\n|\r|\n/g)?.length ?? 0;
    }
    this.#next = start + breaks + 1;
    this.#blankLines = info.empty_lines;
    this.#parserLines = info.lines;
    return start;
  }

  /** The line the record being read starts on, given the blank lines skipped so far. */
  start(blankLines: number): number {
    return this.#next + (blankLines - this.#blankLines);
  }

  /** A counter that carries on from where this one is. */
  copy(): LineCounter {
    const copy = new LineCounter();
    copy.#next = this.#next;
    copy.#blankLines = this.#blankLines;
    copy.#parserLines = this.#parserLines;
    return copy;
  }
}

// Runs csv-parse over `text`, handing each record and the line it starts on
// to `visit` rather than keeping it, and says what is wrong with malformed
// CSV in one line naming where.
function parseCSV(text: string, path: string, lines: LineCounter, options: { to?: number; from?: number }, visit: (values: string[], line: number) => void): void {
  try {
    parse(text, {
      ...options,
      // Each of CRLF, LF and a bare CR ends a record, mixed in one file as spreadsheets leave them.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], info: { lines: number; empty_lines: number }) => {
        visit(record, lines.next(record, info));
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { empty_lines: blankLines } = error as CsvError & { empty_lines?: number };
    throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${lines.start(blankLines ?? 0)}: ${csvProblem(error)}`, path, cause: error });
  }
}

// What is wrong with malformed CSV, in words that say how to fix it.
function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after the closing quote of a field (inside a quoted field, write a quote as "")';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted field (quote the whole field, and write each quote in it as "")';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'unterminated quoted field';
    default:
      return error.message;
  }
}
