import { GatehouseError } from '../error.ts';

export type EndpointErrorCode = 'REQUEST_FAILED' | 'BAD_RESPONSE';

/**
 * A remote service (a model endpoint, an LLM judge) did not answer after every
 * retry, refused the request, or answered something unusable: an environment
 * failure, never a verdict on the evidence.
 */
export class EndpointError extends GatehouseError<EndpointErrorCode> {}
