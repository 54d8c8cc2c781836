import { GatehouseError } from '../error.ts';

export type SigningErrorCode = 'SIGNING_FAILED' | 'IDENTITY_TOKEN_MISSING';

/** Producing a signature failed: a key problem or a signing service (Fulcio, Rekor, TSA) refusing. */
export class SigningError extends GatehouseError<SigningErrorCode> {}
