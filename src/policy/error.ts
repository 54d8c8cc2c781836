import { GatehouseError } from '../error.ts';

export type PolicyErrorCode =
  | 'BUNDLE_UNSIGNED'
  | 'SIGNATURE_INVALID'
  | 'FILE_NOT_SIGNED'
  | 'FILE_MISSING'
  | 'DIGEST_MISMATCH'
  | 'EVALUATION_FAILED'
  | 'BUILD_FAILED'
  | 'TESTS_FAILED';

/**
 * A policy bundle that must not be used (unsigned, signed by another key,
 * tampered with), or a policy that could not be evaluated. Refused before any
 * decision; never confused with a decision that says no.
 */
export class PolicyError extends GatehouseError<PolicyErrorCode> {}
