import { InputError, describeThrown } from '../error.ts';

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
