import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/canonical/json.ts';

describe('canonicalize', () => {
  it('sorts members by UTF-16 code units and drops whitespace (RFC 8785 3.2.3 example)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('serialises numbers as ECMAScript does (RFC 8785 appendix B)', () => {
    expect(canonicalize([333333333.33333329, 1e30, 4.5, 2e-3, 0.000001, 1e-7, -0, 1e21, 9007199254740992])).toBe(
      '[333333333.3333333,1e+30,4.5,0.002,0.000001,1e-7,0,1e+21,9007199254740992]',
    );
  });

  it('escapes strings minimally', () => {
    expect(canonicalize({ s: '\u0000\u001f"\\/\u2028é' })).toBe('{"s":"\\u0000\\u001f\\"\\\\/\u2028é"}');
  });

  it('nests and omits undefined members', () => {
    expect(canonicalize({ b: [true, null, { d: 1, c: undefined }], a: {} })).toBe('{"a":{},"b":[true,null,{"d":1}]}');
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => canonicalize({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalize({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalize(10n)).toThrow(TypeError);
  });
});
