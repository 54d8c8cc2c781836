import { describe, expect, it } from 'vitest';
import { parseJSONLines } from '../../src/io/jsonl.ts';

describe('parseJSONLines', () => {
  it('yields every non-blank line parsed, numbered as the file numbers its lines', () => {
    expect([...parseJSONLines('{"a": 1}\n\n  \r\n[2]\r\n"x"', 'f.jsonl')]).toEqual([
      { line: 1, json: { a: 1 } },
      { line: 4, json: [2] },
      { line: 5, json: 'x' },
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
});
