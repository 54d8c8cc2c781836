import { GatehouseError } from '../error.ts';

/**
 * Why the server answered without a decision: no verified policy is loaded
 * yet, the internal deadline passed, the request body is too large, or the
 * server is shutting down. Each is an answer of its own (503 or 413), never
 * an allow.
 */
export type ServeErrorCode = 'NO_POLICY' | 'DEADLINE' | 'BODY_TOO_LARGE' | 'SHUTTING_DOWN';

/** A request the server could not decide for a reason of its own (see ServeErrorCode). */
export class ServeError extends GatehouseError<ServeErrorCode> {
  /** The HTTP status this answers with. */
  get httpStatus(): number {
    return this.code === 'BODY_TOO_LARGE' ? 413 : 503;
  }
}
