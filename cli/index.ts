import { Command, CommanderError } from 'commander';
import { GatehouseError, InputError } from '../src/error.ts';
import { ENGINE } from '../src/version.ts';
import { registerApproval } from './commands/approval.ts';
import { registerAttest } from './commands/attest.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDigest } from './commands/digest.ts';
import { registerGate } from './commands/gate.ts';
import { registerKeygen } from './commands/keygen.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerReplay } from './commands/replay.ts';
import { registerStore } from './commands/store.ts';
import { registerSignModel } from './commands/sign-model.ts';
import { registerVerify } from './commands/verify.ts';
import { registerVerifyAttestation } from './commands/verify-attestation.ts';
import { toExit, type ExitCode } from './exit.ts';
import { printJSON, printLines, processOutput, safeOutput, type Output } from './output.ts';

/** The gatehouse command line; every command is a thin layer over src/. */
export function buildProgram(output: Output = processOutput): Command {
  const program = new Command('gatehouse')
    .description('Promotion gates for ML models: signed in-toto attestations, policy decisions, replayable records.')
    .version(ENGINE.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => printLines(output.out, s), writeErr: (s) => printLines(output.err, s) })
    .exitOverride();
  registerKeygen(program, output);
  registerDigest(program, output);
  registerSignModel(program, output);
  registerAttest(program, output);
  registerVerifyAttestation(program, output);
  registerGate(program, output);
  registerPolicy(program, output);
  registerVerify(program, output);
  registerReplay(program, output);
  registerApproval(program, output);
  registerStore(program, output);
  registerDemo(program, output);
  return program;
}

/** Runs the CLI and returns its exit code; the caller exits. */
export async function main(argv: string[], destination: Output = processOutput): Promise<ExitCode> {
  const output = safeOutput(destination);
  try {
    await buildProgram(output).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const exit = toExit(error);
    if (exit.line !== undefined) output.err(`gatehouse: ${exit.line}`);
    // With --json, a failure the command did not report itself is also a JSON object on stdout.
    const unreported = exit.line !== undefined || (error instanceof CommanderError && exit.code !== 0);
    if (unreported && wantsJSON(argv)) {
      const code = error instanceof GatehouseError || error instanceof CommanderError ? error.code : 'INTERNAL';
      const path = error instanceof InputError ? error.path : undefined;
      printJSON(output, { error: { exitCode: exit.code, code, message: exit.line ?? (error as Error).message, ...(path === undefined ? {} : { path }) } });
    }
    return exit.code;
  }
}

// Whether --json was given as an option (not as an argument after `--`).
function wantsJSON(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}
