import { Option, type Command } from 'commander';
import { InputError } from '../../src/error.ts';
import { formatDecision, formatDecisionMarkdown } from '../../src/decide/format.ts';
import { REPORT_FORMATS, decisionReport, decisionSummary, parseReportRequest } from '../../src/decide/reports.ts';
import { parseDigest } from '../../src/digest/artifact.ts';
import { prepareOutputFile, writeFileAtomic } from '../../src/io/atomic.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addStoreOption, collect, loadPolicy, parseTime, storeFrom, type StoreFlags } from '../options.ts';
import { progressReporter } from '../progress.ts';
import { appendStepSummary, printJSON, type Output } from '../output.ts';

interface VerifyFlags extends StoreFlags {
  subject: string;
  policy: string;
  policyKey: string;
  stage: string;
  deployed?: string;
  at?: string;
  decisionOut?: string;
  signingKey?: string;
  /** The old name of --signing-key, still accepted. */
  decisionKey?: string;
  output?: string[];
  tufCacheDir?: string;
  json?: boolean;
}

export function registerVerify(program: Command, output: Output): void {
  addStoreOption(
    program
      .command('verify')
      .description('decide whether an artifact may be promoted to a stage, from its signed attestations and a signed policy bundle')
      .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the artifact: a file or model directory (hashed now), or its digest'),
    'the attestation store the evidence is read from',
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .requiredOption('--stage <name>', 'the stage to promote to')
    .option('--deployed <sha256:hex>', 'the model deployed now (the regression baseline must be this one)')
    .option('--at <rfc3339>', 'evaluation time (default: now)')
    .option('--decision-out <file>', 'also write the signed decision record here (the store keeps it in any case)')
    .option('--signing-key <file.key>', 'sign a decision record with this key (one of the policy\'s decision_signers); the store keeps it')
    .addOption(new Option('--decision-key <file.key>', 'the old name of --signing-key').hideHelp().conflicts('signingKey'))
    .option('--tuf-cache-dir <dir>', "cache of TUF metadata and trusted roots, for the policy's keyless signers (default: $XDG_CACHE_HOME/gatehouse/tuf)")
    .option('--json', 'print the decision as JSON')
    .addOption(new Option('--output <format=file>', `also write the decision as a report, FORMAT one of ${REPORT_FORMATS.join(', ')}; repeatable`).argParser(collect))
    .action(async (flags: VerifyFlags) => {
      const reports = (flags.output ?? []).map(parseReportRequest);
      const signingKey = flags.signingKey ?? flags.decisionKey;
      if (flags.decisionOut !== undefined && signingKey === undefined) {
        throw new InputError({ code: 'USAGE', message: '--decision-out needs --signing-key, the key that signs the record' });
      }
      // Every file this command will write is checked before deciding, so a bad path cannot leave some written.
      for (const path of [...reports.map((report) => report.path), ...(flags.decisionOut === undefined ? [] : [flags.decisionOut])]) await prepareOutputFile(path);
      const evaluationTime = flags.at === undefined ? undefined : parseTime(flags.at, '--at');
      const deployed = flags.deployed === undefined ? null : parseDigest(flags.deployed, '--deployed');
      const [{ decidePromotion }, store] = await Promise.all([import('../../src/decide/workflow.ts'), storeFrom(flags)]);
      // Signing material is read before deciding, so a bad key cannot leave a decision unrecorded.
      const recordSigner = signingKey === undefined ? undefined : { signer: await (await import('../../src/sign/key/key-signer.ts')).readKeySigner(signingKey), source: signingKey };
      const policy = await loadPolicy(flags, output);
      const { decision, record, recordLocation } = await decidePromotion({
        subject: flags.subject,
        stage: flags.stage,
        deployed,
        ...(evaluationTime === undefined ? {} : { evaluationTime }),
        store,
        policy,
        ...(recordSigner === undefined ? {} : { recordSigner }),
        ...(flags.tufCacheDir === undefined ? {} : { tufCacheDirectory: flags.tufCacheDir }),
        ...(flags.subject.startsWith('sha256:') ? {} : { onProgress: progressReporter(`digesting ${flags.subject}`, 'bytes') }),
      });
      // A signed record is always kept by the store; --decision-out also writes it to a file.
      let recordPath = recordLocation;
      if (record !== undefined && flags.decisionOut !== undefined) {
        const { serializeBundle } = await import('../../src/store/serialize.ts');
        await writeFileAtomic(flags.decisionOut, serializeBundle(record));
        recordPath = flags.decisionOut;
      }
      for (const report of reports) await writeFileAtomic(report.path, await decisionReport(decision, report.format, recordPath ?? null));
      if (flags.json) {
        printJSON(output, decisionSummary(decision, recordPath ?? null));
      } else {
        for (const line of formatDecision(decision)) output.out(line);
        if (recordPath !== undefined) {
          output.out('');
          output.out(`decision record: ${recordPath}`);
        }
      }
      await appendStepSummary(() => formatDecisionMarkdown(decision), output);
      if (!decision.result.allowed) throw new ExitError(EXIT.failed);
    });
}
