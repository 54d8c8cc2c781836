import { describe, expect, it } from 'vitest';
import { DigestError } from '../src/digest/error.ts';
import { InputError } from '../src/error.ts';
import { classifyError, type ErrorClassification } from '../src/error-classification.ts';
import { EndpointError } from '../src/io/error.ts';
import { PolicyError } from '../src/policy/error.ts';
import { SigningError } from '../src/sign/error.ts';
import { StoreError } from '../src/store/error.ts';
import { TrustRootError, VerificationError } from '../src/verify/error.ts';

const badInput = { kind: 'bad-input', exitCode: 2, httpStatus: 400 } as const;
const refused = { kind: 'refused', exitCode: 1, httpStatus: 422 } as const;
const unavailable = { kind: 'unavailable', exitCode: 3, httpStatus: 503 } as const;
const internal = { kind: 'internal', exitCode: 3, httpStatus: 500 } as const;

describe('classifyError', () => {
  it('gives every failure its kind, exit code, HTTP status and one line', () => {
    const table: Array<[unknown, Omit<ErrorClassification, 'line'>, string]> = [
      [new InputError({ code: 'JSON_INVALID', message: 'not valid JSON', path: 'b.json' }), badInput, 'b.json: not valid JSON'],
      [new InputError({ code: 'USAGE', message: 'pass exactly one of --key FILE and --keyless' }), badInput, 'pass exactly one of --key FILE and --keyless'],
      [new DigestError({ code: 'FILE_NOT_FOUND', message: 'no such file or directory', path: '/m' }), badInput, '/m: no such file or directory'],
      [new VerificationError({ code: 'UNTRUSTED_KEY', message: 'does not verify with any trusted key' }), refused, 'verification failed: does not verify with any trusted key'],
      [new TrustRootError({ code: 'TUF_REFUSED', message: 'rollback' }), refused, 'trusted root refused: rollback'],
      [new TrustRootError({ code: 'TUF_UNREACHABLE', message: 'no answer, no cache' }), unavailable, 'no trusted root: no answer, no cache'],
      [new TrustRootError({ code: 'TUF_EXPIRED', message: 'cache expired' }), unavailable, 'no trusted root: cache expired'],
      [new TrustRootError({ code: 'TRUSTED_ROOT_UNPINNED', message: 'another root' }), unavailable, 'no trusted root: another root'],
      [new PolicyError({ code: 'SIGNATURE_INVALID', message: 'bad signature' }), refused, 'policy bundle refused: bad signature'],
      [new PolicyError({ code: 'DIGEST_MISMATCH', message: 'data.json changed' }), refused, 'policy bundle refused: data.json changed'],
      [new PolicyError({ code: 'TESTS_FAILED', message: '2 tests failed' }), refused, 'policy build: 2 tests failed'],
      [new PolicyError({ code: 'BUILD_FAILED', message: 'rego_parse_error' }), badInput, 'rego_parse_error'],
      [new PolicyError({ code: 'EVALUATION_FAILED', message: 'wasm trap' }), internal, 'wasm trap'],
      [new EndpointError({ code: 'REQUEST_FAILED', message: 'http://m/v1: no answer after 4 attempts (HTTP 503)' }), unavailable, 'http://m/v1: no answer after 4 attempts (HTTP 503)'],
      [new EndpointError({ code: 'BAD_RESPONSE', message: 'http://m/v1: the answer is not a chat completion' }), unavailable, 'http://m/v1: the answer is not a chat completion'],
      [new SigningError({ code: 'IDENTITY_TOKEN_MISSING', message: 'no identity token' }), badInput, 'no identity token'],
      [new SigningError({ code: 'SIGNING_FAILED', message: 'signing failed: Fulcio 502' }), unavailable, 'signing failed: Fulcio 502'],
      [new StoreError({ code: 'UNAVAILABLE', message: 'connection refused', uri: 'postgres://db/gatehouse' }), unavailable, 'postgres://db/gatehouse: connection refused'],
      [new TypeError('x is undefined'), internal, 'internal error: x is undefined'],
      ['a thrown string', internal, 'internal error: a thrown string'],
      [{ status: 'odd' }, internal, 'internal error: {"status":"odd"}'],
    ];
    for (const [error, expected, line] of table) expect(classifyError(error), line).toEqual({ ...expected, line });
  });
});
