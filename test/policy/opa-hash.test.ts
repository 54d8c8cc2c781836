// The hashes gatehouse checks bundle files against must be the ones OPA
// signs. Each case is signed by the real `opa sign` and its .signatures.json
// read back: structured files (data.json, .manifest) over their JSON content
// as Go writes it, others over their bytes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStructured, opaFileHash } from '../../src/policy/opa-hash.ts';
import { temporaryDirectory } from '../helpers.ts';
import { tool } from '../support/paths.ts';
import { POLICY_KEY } from '../support/policy.ts';

/** The hash opa sign records for each file of a bundle directory holding `files`. */
async function opaSigned(files: Record<string, string | Buffer>): Promise<Map<string, string>> {
  const dir = await temporaryDirectory();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'bundle', name)), { recursive: true });
    writeFileSync(join(dir, 'bundle', name), content);
  }
  const signed = spawnSync(tool('.tools/bin/opa'), ['sign', '--signing-key', POLICY_KEY, '--signing-alg', 'ES256', '--bundle', 'bundle'], { cwd: dir, encoding: 'utf8' });
  expect(signed.status, signed.stderr).toBe(0);
  const jws = (JSON.parse(readFileSync(join(dir, '.signatures.json'), 'utf8')) as { signatures: string[] }).signatures[0]!;
  const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as { files: Array<{ name: string; hash: string }> };
  return new Map(payload.files.map((file) => [file.name.replace(/^bundle\//, ''), file.hash]));
}

// Strings whose escapes Go writes in its own way: backslash, the short escapes,
// other control characters and U+2028/2029 as \u, lone surrogates as U+FFFD,
// and HTML characters and non-ASCII verbatim.
const STRINGS = String.raw`{"backslash": "a\\b", "cr": "\r", "backspace": "\b", "formfeed": "\f", "tab": "\t", "newline": "\n",
  "control": "\u0001\u001f", "separators": "\u2028\u2029", "lone high": "\ud800", "lone low": "\udfff", "pair": "\ud83d\ude00",
  "quote": "\"", "slash": "\/", "html": "<a href='x'>&amp;</a>", "accents": "é😀\uffff", "escaped key \u00e9": 1}`;

describe('opaFileHash', () => {
  it('is the hash opa sign records for data.json, in any folder, whatever its escapes, key order, numbers and spacing', async () => {
    const files = {
      'data.json': STRINGS,
      'sub/data.json': ' \t\n{ "z" : [ 1.0 , 1e5 , -0 , 1E+2 , true , false , null , { } , [ ] ] ,\r\n "😀": {"b": 2, "a": 1}, "\uffff": 3, "é": 4, "": 5 } \n\t ',
      'deep/er/data.json': '[]',
      'x.rego': 'package x\n\nallow := true\n',
      'notes.json': '{"b": 1,   "a": 2}',
      'xdata.json': '{"b": 1,   "a": 2}',
      'data.json.bak': '{"b": 1,   "a": 2}',
    };
    const signed = await opaSigned(files);
    expect([...signed.keys()].sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) expect(opaFileHash(name, Buffer.from(content)), name).toBe(signed.get(name));
    // Only structured files are hashed over their content; the others over their bytes.
    expect(opaFileHash('notes.json', Buffer.from(files['notes.json']))).toBe(opaFileHash('notes.json', Buffer.from('{"b": 1,   "a": 2}')));
    expect(opaFileHash('data.json', Buffer.from('{"b": 1, "a": 2}'))).toBe(opaFileHash('data.json', Buffer.from('{\n"a":2,"b":1}')));
    expect(opaFileHash('notes.json', Buffer.from('{"b": 1, "a": 2}'))).not.toBe(opaFileHash('notes.json', Buffer.from('{\n"a":2,"b":1}')));
  });

  it('hashes each separator of a structured document apart, so content moved between them changes the hash', () => {
    const hash = (text: string) => opaFileHash('data.json', Buffer.from(text));
    const distinct = ['{"a":[1,2]}', '{"a":[12]}', '{"a":[1],"b":2}', '{"a1":2}', '{"a":"1,2"}', '["a",1,2]', '{"a":{"1":2}}', '{"a":[[1],2]}', '[1,2]', '"1,2"', '12'];
    expect(new Set(distinct.map(hash)).size).toBe(distinct.length);
  });

  it('refuses a structured file that is not JSON, saying what and where', () => {
    const refused = (text: string) => {
      try {
        opaFileHash('data.json', Buffer.from(text));
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused('{} x')).toBe('trailing characters at position 3');
    expect(refused('{"a": tru}')).toBe('unexpected character at position 6');
    expect(refused('{1: 2}')).toBe('expected a key at position 1');
    expect(refused('{"a" 1}')).toBe('expected : at position 5');
    expect(refused('{"a": 1 "b": 2}')).toBe('expected , or } at position 8');
    expect(refused('[1 2]')).toBe('expected , or ] at position 3');
    expect(refused('"a\u0001"')).toBe('bad string at position 0');
    expect(refused('"\\x"')).toBe('bad string at position 0');
    expect(refused('')).toBe('unexpected character at position 0');
    expect(refused('{"a": 1')).toBe('expected , or } at position 7');
    expect(refused('[1,')).toBe('unexpected character at position 3');
    expect(refused(' [ 1 , { "a" : 2 } ] ')).toBe('accepted');
    // Only structured files are read as JSON.
    expect(opaFileHash('notes.json', Buffer.from('{} x'))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('isStructured', () => {
  it('names data.json, data.yaml, .signatures.json and .manifest in any folder, and nothing else', () => {
    for (const name of ['data.json', 'a/data.json', '/a/b/data.yaml', '.signatures.json', 'x/.manifest', 'data.yaml']) expect(isStructured(name), name).toBe(true);
    for (const name of ['xdata.json', 'data.json/x', 'a/data.jsonl', 'data.yml', 'manifest', 'a.manifest', 'signatures.json', 'policy.wasm', '']) expect(isStructured(name), name).toBe(false);
  });
});
