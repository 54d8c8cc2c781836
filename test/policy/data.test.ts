import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import { policyDataOf } from '../../src/policy/data.ts';
import { readTarGz } from '../../src/policy/tar.ts';
import { ROOT } from '../helpers.ts';
import { refusal } from '../support/refusal.ts';

// The committed bundle's data, as a starting point each test changes in one place.
function committedData(): Record<string, any> {
  const files = readTarGz(readFileSync(join(ROOT, 'bundles', 'gatehouse.tar.gz')), 'gatehouse.tar.gz');
  return JSON.parse(files.get('data.json')!.toString('utf8'));
}

describe('policyDataOf', () => {
  it('accepts the committed data', () => {
    expect(Object.keys(policyDataOf(committedData(), 'b').gates)).toContain('provenance');
  });

  describe('when two gates share a predicate type', () => {
    it('refuses the data as bad input, naming both gates', () => {
      const data = committedData();
      data.gatehouse.gates.canary.predicate_type = data.gatehouse.gates.approval.predicate_type;
      const error = refusal(() => policyDataOf(data, 'b'), InputError);
      expect(error.code).toBe('SCHEMA_INVALID');
      expect(error.message).toBe('gates approval and canary share the predicate type https://gatehouse.dev/attestations/approval/v2');
    });
  });

  describe('when a signer list names an undefined signer', () => {
    for (const [where, change] of [
      ['a gate', (d: Record<string, any>) => d.gatehouse.gates.bias.signers.push('ghost')],
      ['model_signers', (d: Record<string, any>) => d.gatehouse.model_signers.push('ghost')],
      ['decision_signers', (d: Record<string, any>) => d.gatehouse.decision_signers.push('ghost')],
    ] as const) {
      it(`refuses ${where} naming it`, () => {
        const data = committedData();
        change(data);
        expect(refusal(() => policyDataOf(data, 'b'), InputError).message).toMatch(/names signer ghost, which signers does not define/);
      });
    }
  });
});
