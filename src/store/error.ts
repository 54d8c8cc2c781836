import { GatehouseError } from '../error.ts';

export type StoreErrorCode = 'UNAVAILABLE';

/**
 * The store's backend could not be reached or did not answer: an environment
 * failure (exit 3, HTTP 503), kept apart from bad input and from verdicts.
 */
export class StoreError extends GatehouseError<StoreErrorCode> {
  readonly uri: string;

  constructor(options: { code: StoreErrorCode; message: string; uri: string; cause?: unknown }) {
    super(options);
    this.uri = options.uri;
  }

  override toString(): string {
    return `${this.uri}: ${this.message}`;
  }
}
