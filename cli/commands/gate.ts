import { Command, Option } from 'commander';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import { parseDigest } from '../../src/digest/artifact.ts';
import type { GateRun } from '../../src/gates/gate.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { DEFAULT_STORE_DIRECTORY, FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addKeylessTrustOptions, addSigningOptions, collect, parseTime, signingFrom, trustFrom, type SigningFlags, type TrustFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

interface OutputFlags {
  out?: string;
  store?: string;
  at?: string;
  json?: boolean;
}

export function registerGate(program: Command, output: Output): void {
  const gate = program.command('gate').description('run a deployment gate on a model and sign its verdict as an attestation');

  gateCommand(gate, 'integrity', 'hash the artifact and check it against the digest its producer recorded')
    .argument('<path>', 'the model directory or file')
    .requiredOption('--expected <sha256:hex>', 'the digest the training pipeline or registry recorded')
    .option('--expected-source <text>', 'where the expected digest came from, recorded in the attestation')
    .action(async (path: string, flags: OutputFlags & SigningFlags & { expected: string; expectedSource?: string }) => {
      const expected = parseDigest(flags.expected, '--expected');
      const signing = await signingFrom(flags);
      const { runIntegrityGate } = await import('../../src/gates/integrity/index.ts');
      const run = await runIntegrityGate({
        path,
        expected,
        ...(flags.expectedSource === undefined ? {} : { expectedSource: flags.expectedSource }),
        evaluatedAt: evaluationTime(flags),
        signing,
      });
      await finish(run, flags, output);
    });

  addKeylessTrustOptions(
    gateCommand(gate, 'provenance', "verify the model's own model-signing signature against trusted model signers")
      .argument('<path>', 'the model directory')
      .option('--signature <file>', 'the model-signing bundle (default: PATH/model.sig)')
      .addOption(new Option('--trusted-key <file.pub>', 'public key of a trusted model signer; repeatable').argParser(collect)),
  ).action(async (path: string, flags: OutputFlags & SigningFlags & TrustFlags & { signature?: string; trustedKey?: string[] }) => {
    const trust = await trustFrom(flags.trustedKey ?? [], flags);
    const signing = await signingFrom(flags);
    const { runProvenanceGate } = await import('../../src/gates/provenance/index.ts');
    const run = await runProvenanceGate({
      path,
      ...(flags.signature === undefined ? {} : { signaturePath: flags.signature }),
      trust,
      evaluatedAt: evaluationTime(flags),
      signing,
    });
    await finish(run, flags, output);
  });
}

function gateCommand(parent: Command, name: GateName, description: string): Command {
  return addSigningOptions(parent.command(name).description(description))
    .option('--out <file.sigstore.json>', 'write the attestation here instead of the store')
    .option('--store <dir>', 'attestation store directory', DEFAULT_STORE_DIRECTORY)
    .option('--at <rfc3339>', 'evaluation time recorded in the attestation (default: now)')
    .option('--json', 'print the signed statement as JSON');
}

function evaluationTime(flags: OutputFlags): Date {
  return flags.at === undefined ? new Date() : parseTime(flags.at, '--at');
}

async function finish(run: GateRun<GatePredicateBase<GateName>>, flags: OutputFlags, output: Output): Promise<void> {
  const { predicate } = run.statement;
  const subject = `sha256:${run.statement.subject[0]!.digest.sha256}`;
  let location: string;
  if (flags.out !== undefined) {
    location = flags.out;
    await writeFileAtomic(location, `${JSON.stringify(run.bundle, null, 2)}\n`);
  } else {
    location = await new FileSystemAttestationStore(flags.store).put(subject as `sha256:${string}`, run.bundle);
  }
  if (flags.json) {
    printJSON(output, { attestation: location, statement: run.statement });
  } else {
    output.out(`${predicate!.gate}: ${predicate!.verdict} for ${subject}`);
    for (const reason of predicate!.reasons) output.out(`  - ${reason}`);
    output.out(`  attestation: ${location}`);
  }
  if (predicate!.verdict !== 'pass') throw new ExitError(EXIT.failed);
}
