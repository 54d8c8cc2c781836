import { CommanderError } from 'commander';
import { InputError, describeThrown } from '../src/error.ts';
import { EndpointError } from '../src/io/error.ts';
import { PolicyError } from '../src/policy/error.ts';
import { SigningError } from '../src/sign/error.ts';
import { VerificationError } from '../src/verify/error.ts';

/** Exit codes every command shares. */
export const EXIT = {
  ok: 0,
  /** Verification failed, a gate failed, or a decision denied. */
  failed: 1,
  /** Bad usage or bad input: one line on stderr names the file and the problem. */
  badInput: 2,
  /** A bug or an unexpected environment failure. */
  internal: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command already told the user what happened; exit with this code and print nothing more. */
export class ExitError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}

/** Maps anything a command threw to an exit code and the one line to print (none for ExitError). */
export function toExit(error: unknown): { code: ExitCode; line?: string } {
  if (error instanceof ExitError) return { code: error.exitCode };
  if (error instanceof CommanderError) {
    // Commander printed its own message already (help, version, usage errors).
    return { code: error.exitCode === 0 ? EXIT.ok : EXIT.badInput };
  }
  if (error instanceof InputError) return { code: EXIT.badInput, line: error.toString() };
  if (error instanceof VerificationError) return { code: EXIT.failed, line: `verification failed: ${error.message}` };
  if (error instanceof PolicyError) {
    if (error.code === 'BUILD_FAILED') return { code: EXIT.badInput, line: error.message };
    if (error.code === 'TESTS_FAILED') return { code: EXIT.failed, line: `policy build: ${error.message}` };
    if (error.code === 'EVALUATION_FAILED') return { code: EXIT.internal, line: error.message };
    return { code: EXIT.failed, line: `policy bundle refused: ${error.message}` };
  }
  // An evaluation endpoint that does not answer is an environment failure, not a verdict.
  if (error instanceof EndpointError) return { code: EXIT.internal, line: error.message };
  if (error instanceof SigningError) {
    return { code: error.code === 'IDENTITY_TOKEN_MISSING' ? EXIT.badInput : EXIT.internal, line: error.message };
  }
  return { code: EXIT.internal, line: `internal error: ${describeThrown(error)}` };
}
