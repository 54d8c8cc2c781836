import { isatty } from 'node:tty';
import type { ExitCode } from './exit.ts';

/**
 * Runs the CLI as a process does, after the entry point has set the process
 * up: asks for key passwords on a terminal, survives a reader that closes
 * stdout, and returns the exit code for the entry point to set.
 */
export async function runProcess(argv: string[]): Promise<ExitCode> {
  // On a terminal, an encrypted key without a password in the environment is asked for.
  // (isatty, not process.stdin.isTTY: merely touching process.stdin sets up a stream, a tenth of a cold start.)
  if (isatty(0) && isatty(2)) {
    const [{ setPasswordPrompt }, { askPassword }] = await Promise.all([import('../src/keys/password.ts'), import('./prompt.ts')]);
    setPasswordPrompt(askPassword);
  }

  // A reader that stops early (`gatehouse verify … | head -1`) closes stdout: what
  // is left to print has nowhere to go, and the command still ends with its own
  // exit code rather than an EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      stream.write = () => true;
    });
  }

  const { main } = await import('./index.ts');
  return main(argv);
}
