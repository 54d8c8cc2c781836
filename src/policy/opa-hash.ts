import { createHash, type Hash } from 'node:crypto';
import { compareCodePoints } from '../canonical/compare.ts';

/**
 * The digest OPA records for a bundle file in .signatures.json. Structured
 * files (data.json, .manifest) are hashed over their JSON content with object
 * keys sorted and primitives encoded as Go's encoding/json writes them
 * (numbers exactly as written), so formatting does not change the hash;
 * every other file over its bytes. Mirrors OPA's bundle/hash.go.
 */
export function opaFileHash(name: string, content: Buffer): string {
  const hash = createHash('sha256');
  if (isStructured(name)) walk(new JSONReader(content.toString('utf8')).document(), hash);
  else hash.update(content);
  return hash.digest('hex');
}

/** Files OPA treats as structured documents (IsStructuredDoc). */
export function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === '.signatures.json' || base === '.manifest';
}

type Value =
  | { kind: 'object'; members: Array<[string, Value]> }
  | { kind: 'array'; items: Value[] }
  | { kind: 'string'; value: string }
  | { kind: 'literal'; text: string };

function walk(value: Value, hash: Hash): void {
  switch (value.kind) {
    case 'object': {
      hash.update('{');
      // Go sorts map keys as byte strings: UTF-8 order, which is code point order.
      const members = [...value.members].sort(([a], [b]) => compareCodePoints(a, b));
      members.forEach(([key, member], i) => {
        if (i > 0) hash.update(',');
        hash.update(goString(key));
        hash.update(':');
        walk(member, hash);
      });
      hash.update('}');
      return;
    }
    case 'array':
      hash.update('[');
      value.items.forEach((item, i) => {
        if (i > 0) hash.update(',');
        walk(item, hash);
      });
      hash.update(']');
      return;
    case 'string':
      hash.update(goString(value.value));
      return;
    case 'literal':
      hash.update(value.text);
  }
}

// encoding/json with SetEscapeHTML(false): quotes, backslash and control
// characters escaped, U+2028 and U+2029 escaped, everything else verbatim. Go
// writes a lone surrogate as U+FFFD; so does hash.update, encoding to UTF-8.
function goString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (code < 0x20 || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

function sticky(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** A JSON reader that keeps each number's text, which JSON.parse would lose. */
class JSONReader {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  document(): Value {
    const value = this.#value();
    this.#space();
    if (this.#at !== this.#text.length) this.#fail('trailing characters');
    return value;
  }

  #value(): Value {
    this.#space();
    const char = this.#text[this.#at];
    if (char === '{') return this.#object();
    if (char === '[') return this.#array();
    if (char === '"') return { kind: 'string', value: this.#string() };
    const match = sticky(LITERAL, this.#text, this.#at);
    if (match === null) this.#fail('unexpected character');
    this.#at += match![0].length;
    return { kind: 'literal', text: match![0] };
  }

  #object(): Value {
    this.#at++;
    const members: Array<[string, Value]> = [];
    this.#space();
    if (this.#text[this.#at] === '}') {
      this.#at++;
      return { kind: 'object', members };
    }
    for (;;) {
      this.#space();
      if (this.#text[this.#at] !== '"') this.#fail('expected a key');
      const key = this.#string();
      this.#space();
      if (this.#text[this.#at] !== ':') this.#fail('expected :');
      this.#at++;
      members.push([key, this.#value()]);
      this.#space();
      const next = this.#text[this.#at];
      if (next !== ',' && next !== '}') this.#fail('expected , or }');
      this.#at++;
      if (next === '}') return { kind: 'object', members };
    }
  }

  #array(): Value {
    this.#at++;
    const items: Value[] = [];
    this.#space();
    if (this.#text[this.#at] === ']') {
      this.#at++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.#value());
      this.#space();
      const next = this.#text[this.#at];
      if (next !== ',' && next !== ']') this.#fail('expected , or ]');
      this.#at++;
      if (next === ']') return { kind: 'array', items };
    }
  }

  #string(): string {
    const match = sticky(STRING, this.#text, this.#at);
    if (match === null) this.#fail('bad string');
    this.#at += match![0].length;
    return JSON.parse(match![0]) as string;
  }

  #space(): void {
    while (this.#at < this.#text.length && ' \t\n\r'.includes(this.#text[this.#at]!)) this.#at++;
  }

  #fail(problem: string): never {
    throw new SyntaxError(`${problem} at position ${this.#at}`);
  }
}
