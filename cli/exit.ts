import { CommanderError } from 'commander';
import { EXIT, classifyError, type ExitCode } from '../src/error-classification.ts';

export { EXIT, type ExitCode };

/** The command already told the user what happened; exit with this code and print nothing more. */
export class ExitError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}

/**
 * Maps anything a command threw to an exit code and the one line to print
 * (none for ExitError); what is not the CLI's own goes through the
 * classification a server shares.
 */
export function toExit(error: unknown): { code: ExitCode; line?: string } {
  if (error instanceof ExitError) return { code: error.exitCode };
  if (error instanceof CommanderError) {
    // Commander printed its own message already (help, version, usage errors).
    return { code: error.exitCode === 0 ? EXIT.ok : EXIT.badInput };
  }
  const { exitCode, line } = classifyError(error);
  return { code: exitCode, line };
}
