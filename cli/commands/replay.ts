import { Option, type Command } from 'commander';
import { ExitError, EXIT } from '../exit.ts';
import { addStoreOption, collect, loadPolicy, storeFrom, type StoreFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

interface ReplayFlags extends StoreFlags {
  policy: string;
  policyKey: string;
  decisionKey?: string[];
  tufCacheDir?: string;
  json?: boolean;
}

export function registerReplay(program: Command, output: Output): void {
  addStoreOption(
    program
      .command('replay')
      .description('verify a signed decision record and re-evaluate it offline; exit 0 when the result is identical')
      .argument('<decision>', 'the signed decision record'),
    'the attestation store holding the recorded bundles',
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle the decision used')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .addOption(new Option('--decision-key <file.pub>', "key trusted to sign decision records; repeatable (default: the policy's decision_signers)").argParser(collect))
    .option('--tuf-cache-dir <dir>', 'cache of TUF metadata and of the trusted roots records pin (default: $XDG_CACHE_HOME/gatehouse/tuf)')
    .option('--json', 'print the outcome as JSON')
    .action(async (recordPath: string, flags: ReplayFlags) => {
      const [{ replayRecord }, { readBoundedFile }, { readTrustedKeys }] = await Promise.all([
        import('../../src/decide/workflow.ts'),
        import('../../src/io/read.ts'),
        import('../../src/verify/trust.ts'),
      ]);
      const policy = await loadPolicy(flags, output);
      const outcome = await replayRecord({
        record: await readBoundedFile(recordPath),
        source: recordPath,
        store: await storeFrom(flags),
        policy,
        ...(flags.decisionKey === undefined ? {} : { recordSigners: { keys: await readTrustedKeys(flags.decisionKey) } }),
        ...(flags.tufCacheDir === undefined ? {} : { tufCacheDirectory: flags.tufCacheDir }),
      });
      const { record } = outcome;
      if (flags.json) {
        printJSON(output, { identical: outcome.identical, differences: outcome.differences, allowed: outcome.replayed.result.allowed, recordedAllowed: record.predicate.gatehouse.result.allowed });
      } else if (outcome.identical) {
        const when = record.predicate.gatehouse.evaluationTimeSource === 'requested' ? ' (a requested time, not when it was decided)' : '';
        output.out(`identical: ${record.artifact} to ${record.predicate.gatehouse.stage} was ${record.predicate.verificationResult === 'PASSED' ? 'allowed' : 'denied'} at ${record.predicate.gatehouse.evaluationTime}${when}, and is again`);
      } else {
        output.out('DIFFERENT:');
        for (const difference of outcome.differences) output.out(`  ${difference}`);
      }
      if (!outcome.identical) throw new ExitError(EXIT.failed);
    });
}
