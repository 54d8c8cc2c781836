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

export type TrustRootErrorCode = 'TUF_UNREACHABLE' | 'TUF_EXPIRED' | 'TUF_REFUSED' | 'TRUSTED_ROOT_UNPINNED';

/**
 * The Sigstore trusted root could not be established: its TUF repository did
 * not answer and no cached metadata is still valid (TUF_UNREACHABLE), every
 * copy of its metadata has expired (TUF_EXPIRED), the repository served
 * metadata or a target that does not verify: a bad signature, a rollback to
 * an older version, a tampered target (TUF_REFUSED), or a decision record pins
 * a trusted root that is neither cached nor the current one (TRUSTED_ROOT_UNPINNED).
 * Nothing is verified without one.
 */
export class TrustRootError extends GatehouseError<TrustRootErrorCode> {}
