import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { statementValidator, toStatement } from '../../src/attest/statement.ts';

const digest = { sha256: 'ab'.repeat(32) };

describe('toStatement', () => {
  it('builds an in-toto v1 statement', () => {
    const statement = toStatement({ subjects: [{ name: 'm', digest }], predicateType: 'https://gatehouse.dev/attestations/integrity/v1', predicate: { a: 1 } });
    expect(statement).toEqual({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'm', digest }], predicateType: 'https://gatehouse.dev/attestations/integrity/v1', predicate: { a: 1 } });
  });

  it('refuses a statement without subjects', () => {
    expect(() => toStatement({ subjects: [], predicateType: 'https://e.com/p', predicate: {} })).toThrow(InputError);
  });

  it('refuses a predicate type that is not a URI', () => {
    expect(() => toStatement({ subjects: [{ digest }], predicateType: 'integrity', predicate: {} })).toThrow(/predicateType/);
  });
});

describe('statementValidator', () => {
  const valid = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest }], predicateType: 'https://e.com/p/v1', predicate: {} };

  it('accepts a minimal statement and unknown fields, as the spec requires', () => {
    expect(statementValidator.is(valid)).toBe(true);
    expect(statementValidator.is({ ...valid, extra: 1 })).toBe(true);
  });

  it.each([
    ['an unknown _type', { ...valid, _type: 'https://in-toto.io/Statement/v2' }],
    ['a subject without sha256', { ...valid, subject: [{ digest: { sha512: 'ab'.repeat(64) } }] }],
    ['an upper-case digest', { ...valid, subject: [{ digest: { sha256: 'AB'.repeat(32) } }] }],
    ['a short digest', { ...valid, subject: [{ digest: { sha256: 'ab' } }] }],
    ['a predicate that is not an object', { ...valid, predicate: [1] }],
  ])('rejects %s', (_, statement) => {
    expect(statementValidator.problem(statement)).toBeDefined();
  });
});
