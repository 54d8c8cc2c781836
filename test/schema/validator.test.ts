import { describe, expect, it } from 'vitest';
import { addSchema, compileSchema, schemaDigest } from '../../src/schema/validator.ts';

describe('schemaDigest', () => {
  it('covers the schemas a schema references, so precompiled code is never matched to other definitions than it was made from', () => {
    const referrer = { $id: 'https://example.com/test/referrer.json', type: 'object', properties: { a: { $ref: 'shared.json#/$defs/positive' } } };
    const before = schemaDigest(referrer);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    addSchema({ $id: 'https://example.com/test/shared.json', $defs: { positive: { type: 'number', minimum: 0 } } });
    const withShared = schemaDigest(referrer);
    expect(withShared).not.toBe(before);
    expect(schemaDigest(referrer)).toBe(withShared);
    expect(schemaDigest({ ...referrer, properties: { a: { $ref: '#/$defs/local' } }, $defs: { local: { type: 'string' } } })).not.toBe(withShared);
    // The referenced definition is really used: a validator made from the referrer refuses what it refuses.
    const validator = compileSchema<{ a: number }>(referrer);
    expect(validator.problem({ a: -1 })).toMatch(/must be >= 0/);
    expect(validator.problem({ a: 1 })).toBeUndefined();
  });
});
