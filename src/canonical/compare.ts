// The two orders in which gatehouse sorts strings for output that must not
// depend on the machine or its locale. Which one a sort uses is part of what
// it produces (a digest, a signed predicate), so each sort names its order.

/**
 * Orders strings by Unicode code point, which is UTF-8 byte order: how Go
 * sorts map keys (OPA's file hashes) and Python sorts paths (model-signing's
 * manifest). It differs from JavaScript's default order only where a
 * character above U+FFFF meets one from U+E000 to U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    // The strings first differ here. When the unit before is a high surrogate
    // (the same in both) that pairs with this one in either string, the
    // character that differs began there.
    const paired = i > 0 && isSurrogate(a.charCodeAt(i - 1), 0xd800) && (isSurrogate(a.charCodeAt(i), 0xdc00) || isSurrogate(b.charCodeAt(i), 0xdc00));
    const start = paired ? i - 1 : i;
    return a.codePointAt(start)! - b.codePointAt(start)!;
  }
  return a.length - b.length;
}

// Whether a UTF-16 unit is a high (from 0xd800) or low (from 0xdc00) surrogate.
function isSurrogate(unit: number, from: 0xd800 | 0xdc00): boolean {
  return unit >= from && unit < from + 0x400;
}

/**
 * Orders strings by UTF-16 code unit, as `Array.prototype.sort()` does without
 * a comparator and RFC 8785 sorts object keys: the order of gatehouse's own
 * reports and predicates.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
