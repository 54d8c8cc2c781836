import { Option, type Command } from 'commander';
import { InputError } from '../../src/error.ts';
import { formatDecision, formatDecisionMarkdown } from '../../src/decide/format.ts';
import { REPORT_FORMATS, decisionReport, decisionSummary, parseReportRequest } from '../../src/decide/reports.ts';
import { parseDigest } from '../../src/digest/artifact.ts';
import { prepareOutputFile, writeFileAtomic } from '../../src/io/atomic.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addStoreOption, collect, parseTime, resolveSubject, storeFrom, type StoreFlags } from '../options.ts';
import { appendStepSummary, printJSON, type Output } from '../output.ts';
import { demoKeysWarning } from '../../src/policy/demo-keys.ts';

interface VerifyFlags extends StoreFlags {
  subject: string;
  policy: string;
  policyKey: string;
  stage: string;
  deployed?: string;
  at?: string;
  decisionOut?: string;
  decisionKey?: string;
  output?: string[];
  json?: boolean;
}

export function registerVerify(program: Command, output: Output): void {
  addStoreOption(
    program
      .command('verify')
      .description('decide whether an artifact may be promoted to a stage, from its signed attestations and a signed policy bundle')
      .requiredOption('--subject <path|sha256:hex>', 'the artifact: a file or model directory (hashed now), or its digest'),
    'the attestation store the evidence is read from',
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .requiredOption('--stage <name>', 'the stage to promote to')
    .option('--deployed <sha256:hex>', 'the model deployed now (the regression baseline must be this one)')
    .option('--at <rfc3339>', 'evaluation time (default: now)')
    .option('--decision-out <file>', 'write a signed decision record here')
    .option('--decision-key <file.key>', 'key that signs the decision record')
    .option('--json', 'print the decision as JSON')
    .addOption(new Option('--output <format=file>', `also write the decision as a report, FORMAT one of ${REPORT_FORMATS.join(', ')}; repeatable`).argParser(collect))
    .action(async (flags: VerifyFlags) => {
      const reports = (flags.output ?? []).map(parseReportRequest);
      if ((flags.decisionOut === undefined) !== (flags.decisionKey === undefined)) {
        throw new InputError({ code: 'USAGE', message: '--decision-out and --decision-key go together' });
      }
      // Every file this command will write is checked before deciding, so a bad path cannot leave some written.
      for (const path of [...reports.map((report) => report.path), ...(flags.decisionOut === undefined ? [] : [flags.decisionOut])]) await prepareOutputFile(path);
      const evaluationTime = flags.at === undefined ? new Date() : parseTime(flags.at, '--at');
      const deployed = flags.deployed === undefined ? null : parseDigest(flags.deployed, '--deployed');
      const [{ readPolicyBundle, readPolicyKey }, { DecisionEngine }, { storeEntries }, store] = await Promise.all([
        import('../../src/policy/bundle.ts'),
        import('../../src/decide/decide.ts'),
        import('../../src/store/store.ts'),
        storeFrom(flags),
      ]);
      // Signing material is read before deciding, so a bad key cannot leave a decision unrecorded.
      const signing = flags.decisionKey === undefined ? undefined : await decisionSigning(flags.decisionKey);
      const policyKey = await readPolicyKey(flags.policyKey);
      const bundle = await readPolicyBundle(flags.policy, policyKey);
      const demo = demoKeysWarning(policyKey, (bundle.data['gatehouse'] ?? {}) as Parameters<typeof demoKeysWarning>[1]);
      if (demo !== undefined) output.err(`gatehouse: ${demo}`);
      const engine = await DecisionEngine.create(bundle);
      // A record signed by a key the policy does not trust for records could never be replayed.
      if (signing !== undefined && !engine.signers.mayRecordDecisions(signing.identity)) {
        throw new InputError({ code: 'KEY_INVALID', message: `${signing.identity.keyId} is not one of the policy's decision_signers (${(engine.data.decision_signers ?? []).join(', ') || 'none'}); its records could not be replayed`, path: flags.decisionKey! });
      }
      const subject = await resolveSubject(flags.subject);
      const decision = await engine.decide({
        artifact: subject.digest,
        stage: flags.stage,
        deployed,
        evaluationTime,
        evaluationTimeSource: flags.at === undefined ? 'clock' : 'requested',
        bundles: storeEntries(store, subject.digest),
      });
      let recordPath: string | undefined;
      if (signing !== undefined && flags.decisionOut !== undefined) {
        const { signDecision } = await import('../../src/decide/record.ts');
        const record = await signDecision(decision, signing, subject.name);
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

async function decisionSigning(keyPath: string) {
  const [{ KeySigner }, { readPrivateKey, keyAlgorithm, keyFingerprint }, { createPublicKey }] = await Promise.all([
    import('../../src/sign/key/key-signer.ts'),
    import('../../src/keys/keys.ts'),
    import('node:crypto'),
  ]);
  const key = await readPrivateKey(keyPath);
  const publicKey = createPublicKey(key);
  return { signer: new KeySigner(key), identity: { kind: 'key' as const, keyId: keyFingerprint(publicKey), algorithm: keyAlgorithm(publicKey) } };
}
