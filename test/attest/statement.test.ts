import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { statementValidator, subjectDigests, toStatement, writtenStatementValidator } from '../../src/attest/statement.ts';

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

  it('refuses a subject without sha256: what gatehouse signs names its artifact by sha256', () => {
    expect(() => toStatement({ subjects: [{ digest: { sha512: 'ab'.repeat(64) } } as never], predicateType: 'https://e.com/p', predicate: {} })).toThrow(/sha256/);
  });
});

describe('writtenStatementValidator', () => {
  const written = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { ...digest, sha512: 'cd'.repeat(64) } }], predicateType: 'https://e.com/p/v1', predicate: {} };

  it('accepts an in-toto v1 statement whose every subject carries sha256 (and any other digests)', () => {
    expect(writtenStatementValidator.problem(written)).toBeUndefined();
  });

  it.each([
    ['a subject without sha256', { ...written, subject: [{ digest }, { digest: { sha512: 'ab'.repeat(64) } }] }],
    ['an in-toto v0.1 statement', { ...written, _type: 'https://in-toto.io/Statement/v0.1' }],
    ['a statement the reader refuses', { ...written, subject: [] }],
  ])('refuses %s', (_, statement) => {
    expect(statementValidator.problem(written)).toBeUndefined();
    expect(writtenStatementValidator.problem(statement)).toBeDefined();
  });
});

describe('subjectDigests', () => {
  it('lists every digest of every subject as <algorithm>:<digest>, sorted, once', () => {
    const sha512 = 'cd'.repeat(64);
    expect(subjectDigests([{ digest: { sha512, sha256: digest.sha256 } }, { name: 'again', digest: { sha256: digest.sha256 } }])).toEqual([`sha256:${digest.sha256}`, `sha512:${sha512}`]);
  });
});

describe('statementValidator', () => {
  const valid = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest }], predicateType: 'https://e.com/p/v1', predicate: {} };

  it('accepts a minimal statement and unknown fields, as the spec requires', () => {
    expect(statementValidator.is(valid)).toBe(true);
    expect(statementValidator.is({ ...valid, extra: 1 })).toBe(true);
  });

  it('accepts what others write: subjects in any digest algorithm, a null or absent predicate', () => {
    expect(statementValidator.is({ ...valid, subject: [{ name: 'pkg:npm/x@1', digest: { sha512: 'ab'.repeat(64) } }] })).toBe(true);
    expect(statementValidator.is({ ...valid, subject: [{ digest: { gitCommit: 'ab'.repeat(20) } }] })).toBe(true);
    expect(statementValidator.is({ ...valid, predicate: null })).toBe(true);
    const { predicate: _, ...withoutPredicate } = valid;
    expect(statementValidator.is(withoutPredicate)).toBe(true);
  });

  it.each([
    ['an unknown _type', { ...valid, _type: 'https://in-toto.io/Statement/v2' }],
    ['a subject without any digest', { ...valid, subject: [{ digest: {} }] }],
    ['a short sha512 digest', { ...valid, subject: [{ digest: { sha512: 'ab'.repeat(32) } }] }],
    ['an empty digest value', { ...valid, subject: [{ digest: { gitCommit: '' } }] }],
    ['an upper-case digest', { ...valid, subject: [{ digest: { sha256: 'AB'.repeat(32) } }] }],
    ['a short digest', { ...valid, subject: [{ digest: { sha256: 'ab' } }] }],
    ['a predicate that is not an object', { ...valid, predicate: [1] }],
  ])('rejects %s', (_, statement) => {
    expect(statementValidator.problem(statement)).toBeDefined();
  });
});
