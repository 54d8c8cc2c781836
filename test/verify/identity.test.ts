// Signer names are what the policy compares (an approver must not be the
// author): two different signers must never share one, and the same signer
// must always get the same one.
import { describe, expect, it } from 'vitest';
import { signerName } from '../../src/verify/identity.ts';

describe('signerName', () => {
  it('names a key by its fingerprint and a keyless signer by issuer and subject', () => {
    expect(signerName({ kind: 'key', keyId: 'SHA256:abc', algorithm: 'ed25519' })).toBe('key:SHA256:abc');
    expect(signerName({ kind: 'keyless', issuer: 'https://issuer.example', subject: 'ci@example.com' })).toBe('keyless:https://issuer.example|ci@example.com');
  });

  it('gives different keys, issuers and subjects different names', () => {
    const names = [
      signerName({ kind: 'key', keyId: 'SHA256:abc', algorithm: 'ed25519' }),
      signerName({ kind: 'key', keyId: 'SHA256:abd', algorithm: 'ed25519' }),
      signerName({ kind: 'keyless', issuer: 'https://a.example', subject: 'ci@example.com' }),
      signerName({ kind: 'keyless', issuer: 'https://b.example', subject: 'ci@example.com' }),
      signerName({ kind: 'keyless', issuer: 'https://a.example', subject: 'release@example.com' }),
    ];
    expect(new Set(names).size).toBe(names.length);
  });
});
