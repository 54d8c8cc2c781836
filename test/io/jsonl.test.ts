import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRobustnessDataset } from '../../src/gates/robustness/dataset.ts';
import { readSafetyDataset } from '../../src/gates/safety/dataset.ts';
import { parseJSONLines, readPinnedDataset } from '../../src/io/jsonl.ts';
import { temporaryDirectory } from '../helpers.ts';

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

describe('readPinnedDataset', () => {
  const row = (json: unknown) => json as { id: string };
  // The line the CLI prints for a refusal: the file, then the problem.
  const refusal = (read: Promise<unknown>) => read.then(() => 'read', (error: unknown) => String(error));

  it('reads the rows once, with the digest of exactly the bytes they were parsed from', async () => {
    const path = join(await temporaryDirectory(), 'd.jsonl');
    const text = '{"id": "a"}\n\n{"id": "b", "x": 1}\n';
    writeFileSync(path, text);
    const read = await readPinnedDataset(path, row);
    expect(read.rows).toEqual([{ id: 'a' }, { id: 'b', x: 1 }]);
    expect(read.digest).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    // Bytes in hand (an upload) read the same, named as given.
    expect(await readPinnedDataset({ name: 'upload.jsonl', bytes: Buffer.from(text) }, row)).toEqual(read);
  });

  it('refuses a bad line, a duplicate id and an empty file in one line naming the file (and the line)', async () => {
    const bytes = (text: string) => ({ name: 'pinned.jsonl', bytes: Buffer.from(text) });
    expect(await refusal(readPinnedDataset(bytes('{"id": "a"}\n{"id": \n'), row))).toMatch(/^pinned\.jsonl: line 2: not valid JSON/);
    expect(await refusal(readPinnedDataset(bytes('{"id": "a"}\n\n{"id": "a"}\n'), row))).toMatch(/^pinned\.jsonl: line 3: duplicate id "a" \(first at line 1\)$/);
    expect(await refusal(readPinnedDataset(bytes('\n'), row))).toMatch(/^pinned\.jsonl: empty file$/);
  });

  it('is how the safety and robustness gates read their datasets: a row their schema refuses is named by file and line', async () => {
    const bytes = { name: 'pinned.jsonl', bytes: Buffer.from('{"id": "a"}\n') };
    expect(await refusal(readSafetyDataset(bytes))).toMatch(/^pinned\.jsonl: line 1: .*'category'$/);
    expect(await refusal(readRobustnessDataset(bytes))).toMatch(/^pinned\.jsonl: line 1: .*'family'$/);
  });
});
