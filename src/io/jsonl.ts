import { InputError, describeThrown } from '../error.ts';
import { evidenceName, readEvidenceFile, type EvidenceSource } from './read.ts';

/** One non-blank line of a JSON Lines file: its 1-based line number and its parsed object. */
export interface JSONLine {
  line: number;
  json: Record<string, unknown>;
}

/**
 * Parses JSON Lines text read from `path`, one non-blank line at a time and in
 * file order, so a caller can refuse a row the moment it reads it. Every
 * reader of JSONL evidence goes through here, so a line that is not JSON is
 * refused the same way everywhere: "<path>: line N: not valid JSON (…)". Every
 * JSONL format gatehouse reads is an object per line, so any other value
 * (null, a number, an array) is refused here too, never left to crash a reader.
 * Bounding the file's size is the read's job (readTextFile, readEvidenceFile).
 */
export function* parseJSONLines(text: string, path: string): Generator<JSONLine> {
  let line = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const content = text.slice(start, end);
    start = end + 1;
    line++;
    if (content.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (cause) {
      throw new InputError({ code: 'JSON_INVALID', message: `line ${line}: not valid JSON (${describeThrown(cause)})`, path, cause });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: expected a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`, path });
    }
    yield { line, json: json as Record<string, unknown> };
  }
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

/** A dataset as a gate read it: its rows, and the digest of exactly the bytes they were parsed from. */
export interface PinnedDataset<T> {
  rows: T[];
  /** What the gate records and policy data pins. */
  digest: `sha256:${string}`;
}

/**
 * Reads a JSONL dataset whose digest policy data pins (a gate's prompts or
 * attacks): once, so what is judged is what the digest names, each row with
 * `parse`, and a bad row refused in one line naming the file and the line.
 */
export async function readPinnedDataset<T extends { id: string }>(source: EvidenceSource, parse: (json: unknown, line: number) => T): Promise<PinnedDataset<T>> {
  const { text, digest } = await readEvidenceFile(source);
  return { rows: parseUniqueJSONLines(text, evidenceName(source), parse), digest };
}
