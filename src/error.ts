/**
 * Base of every error gatehouse raises on purpose. `code` is a literal from the
 * raising area's union so callers branch on it instead of on message text.
 */
export class GatehouseError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(options: { code: Code; message: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

export type InputErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_TOO_LARGE'
  | 'JSON_INVALID'
  | 'SCHEMA_INVALID'
  | 'BUNDLE_MALFORMED'
  | 'KEY_INVALID'
  | 'DIGEST_INVALID'
  | 'ARTIFACT_INVALID'
  | 'USAGE';

/**
 * The input was unusable: a missing or malformed file, a bad flag value. Names
 * the file (when there is one) so a user can fix it; never a verdict on evidence.
 */
export class InputError extends GatehouseError<InputErrorCode> {
  readonly path: string | undefined;

  constructor(options: { code: InputErrorCode; message: string; path?: string; cause?: unknown }) {
    super(options);
    this.path = options.path;
  }

  /** One line for a terminal: "<path>: <problem>". */
  override toString(): string {
    return this.path === undefined ? this.message : `${this.path}: ${this.message}`;
  }
}

/** Message of anything thrown, including the strings and plain objects some SDKs throw. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown);
  } catch {
    return String(thrown);
  }
}
