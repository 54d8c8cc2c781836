import { describe, expect, it } from 'vitest';
import * as gatehouse from '../src/index.ts';

describe('the public surface', () => {
  it('loads on its own and names the library entry points', () => {
    for (const name of ['AttestationVerifier', 'KeySigner', 'signStatement', 'toStatement', 'digestArtifact', 'hashModelDirectory', 'FileSystemAttestationStore', 'runIntegrityGate', 'runProvenanceGate', 'keylessSigning']) {
      expect(typeof (gatehouse as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
