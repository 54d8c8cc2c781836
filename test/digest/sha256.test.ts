import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256HexOfRead } from '../../src/digest/sha256.ts';

// FIPS 180-2, appendix B.1: SHA-256("abc").
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('sha256Hex', () => {
  it('hashes a string as its UTF-8 bytes, and bytes as they are', () => {
    expect(sha256Hex('abc')).toBe(ABC);
    expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(ABC);
  });
});

describe('sha256HexOfRead', () => {
  it('gives sha256Hex of the bytes, computed once per buffer', () => {
    const bytes = new Uint8Array([0x61, 0x62, 0x63]);
    expect(sha256HexOfRead(bytes)).toBe(ABC);
    // The contract is bytes nobody changes: changing them shows the first answer is kept.
    bytes[0] = 0x78;
    expect(sha256HexOfRead(bytes)).toBe(ABC);
    // Another buffer is hashed on its own.
    expect(sha256HexOfRead(bytes.slice())).toBe(sha256Hex('xbc'));
  });
});
