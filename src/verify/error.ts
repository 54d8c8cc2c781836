import { GatehouseError } from '../error.ts';

export type VerificationErrorCode =
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED_KEY'
  | 'UNTRUSTED_IDENTITY'
  | 'CERTIFICATE_INVALID'
  | 'TLOG_INVALID'
  | 'TIMESTAMP_INVALID'
  | 'NO_TRUST_MATERIAL'
  | 'PAYLOAD_TYPE_UNSUPPORTED'
  | 'STATEMENT_INVALID';

/**
 * A well-formed bundle that is not evidence: its signature, certificate, log
 * entry or signer fails the check, or what it signs is not an in-toto statement.
 * Kept apart from InputError (malformed input) and from a policy's "no".
 */
export class VerificationError extends GatehouseError<VerificationErrorCode> {}
