import { describe, expect, it } from 'vitest';
import { parseJSONLines } from '../../src/io/jsonl.ts';

describe('parseJSONLines', () => {
  it('yields every non-blank line parsed, numbered as the file numbers its lines', () => {
    expect([...parseJSONLines('{"a": 1}\n\n  \r\n{"b": [2]}\r\n{}', 'f.jsonl')]).toEqual([
      { line: 1, json: { a: 1 } },
      { line: 4, json: { b: [2] } },
      { line: 5, json: {} },
    ]);
    expect([...parseJSONLines('', 'f.jsonl')]).toEqual([]);
  });

  it('refuses the file at the first line that is not JSON, naming the file and the line', () => {
    const lines = parseJSONLines('{"a": 1}\n\n{"a": \n{"a": 3}\n', 'f.jsonl');
    expect(lines.next().value).toEqual({ line: 1, json: { a: 1 } });
    let thrown: unknown;
    try {
      lines.next();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'JSON_INVALID', path: 'f.jsonl', message: expect.stringMatching(/^line 3: not valid JSON \(.+\)$/) });
    expect(String(thrown)).toMatch(/^f\.jsonl: line 3: not valid JSON/);
  });

  it('refuses a line that is JSON but no object (every JSONL format gatehouse reads is an object per line)', () => {
    for (const [text, what] of [['null', 'null'], ['[1]', 'an array'], ['3', 'number'], ['"x"', 'string']] as const) {
      expect(() => [...parseJSONLines(`{"a": 1}\n${text}\n`, 'f.jsonl')], text).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', message: `line 2: expected a JSON object, got ${what}` }));
    }
  });
});
