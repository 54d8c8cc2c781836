/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a JSON value: object members
 * sorted by UTF-16 code units, no whitespace, ECMAScript number and string
 * serialisation. Everything gatehouse digests or signs goes through here, so
 * the same value always yields the same bytes.
 */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    const kept = frozenTexts.get(value);
    if (kept !== undefined) return kept;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalize(item))).join(',')}]`;
  }
  if (typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return canonicalize((value as { toJSON: () => unknown }).toJSON());
    }
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalize(record[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`cannot canonicalize a ${typeof value}`);
}

/** Canonical JSON as UTF-8 bytes. */
export function canonicalJSON(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

// The canonical text of values freezeCanonical froze whole: they cannot change, so it is made once.
const frozenTexts = new WeakMap<object, string>();

/**
 * Freezes a JSON value deeply (objects and arrays) and keeps its canonical
 * text, which canonicalize then reuses wherever the value appears: for values
 * kept and digested again and again, such as a server's verified evidence.
 */
export function freezeCanonical<T extends object>(value: T): T {
  freezeDeeply(value);
  frozenTexts.set(value, canonicalize(value));
  return value;
}

function freezeDeeply(value: object): void {
  for (const member of Object.values(value)) if (typeof member === 'object' && member !== null) freezeDeeply(member as object);
  Object.freeze(value);
}
