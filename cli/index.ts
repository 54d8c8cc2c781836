import { Command, CommanderError } from 'commander';
import { GatehouseError, InputError } from '../src/error.ts';
import { ENGINE } from '../src/version.ts';
import { toExit, type ExitCode } from './exit.ts';
import { printJSON, printLines, processOutput, safeOutput, type Output } from './output.ts';

type Register = (program: Command, output: Output) => void;

// Each top-level command and where it is declared, in the order help lists them.
// A run loads only the command it names, so a CI step's cold start does not
// pay for every other command's modules; help and unknown names load all.
export const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['keygen', async () => (await import('./commands/keygen.ts')).registerKeygen],
  ['digest', async () => (await import('./commands/digest.ts')).registerDigest],
  ['sign-model', async () => (await import('./commands/sign-model.ts')).registerSignModel],
  ['attest', async () => (await import('./commands/attest.ts')).registerAttest],
  ['verify-attestation', async () => (await import('./commands/verify-attestation.ts')).registerVerifyAttestation],
  ['gate', async () => (await import('./commands/gate.ts')).registerGate],
  ['policy', async () => (await import('./commands/policy.ts')).registerPolicy],
  ['verify', async () => (await import('./commands/verify.ts')).registerVerify],
  ['replay', async () => (await import('./commands/replay.ts')).registerReplay],
  ['approval', async () => (await import('./commands/approval.ts')).registerApproval],
  ['redteam', async () => (await import('./commands/redteam.ts')).registerRedteam],
  ['store', async () => (await import('./commands/store.ts')).registerStore],
  ['serve', async () => (await import('./commands/serve.ts')).registerServe],
  ['demo', async () => (await import('./commands/demo.ts')).registerDemo],
];

/**
 * The gatehouse command line; every command is a thin layer over src/. With
 * `argv`, only the command it names is declared (all when it names none).
 */
export async function buildProgram(output: Output = processOutput, argv?: readonly string[]): Promise<Command> {
  const program = new Command('gatehouse')
    .description('Promotion gates for ML models: signed in-toto attestations, policy decisions, replayable records.')
    .version(ENGINE.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => printLines(output.out, s), writeErr: (s) => printLines(output.err, s) })
    .exitOverride();
  // The program itself takes no option but --version and --help, so the first argument names the command.
  const named = COMMANDS.find(([name]) => name === argv?.[0]);
  const registers = await Promise.all((named === undefined ? COMMANDS : [named]).map(([, load]) => load()));
  for (const register of registers) register(program, output);
  return program;
}

/** Runs the CLI and returns its exit code; the caller exits. */
export async function main(argv: string[], destination: Output = processOutput): Promise<ExitCode> {
  const output = safeOutput(destination);
  try {
    await (await buildProgram(output, argv)).parseAsync(argv, { from: 'user' });
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
