import { Command, Option } from 'commander';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import { join } from 'node:path';
import { InputError } from '../../src/error.ts';
import { parseDigest } from '../../src/digest/artifact.ts';
import type { GateRun } from '../../src/gates/gate.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { readEvidenceFile } from '../../src/io/read.ts';
import { DEFAULT_STORE_DIRECTORY, FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addSigningOptions, collect, parseTime, resolveSubject, signingFrom, type SigningFlags } from '../options.ts';
import { appendStepSummary, printJSON, type Output } from '../output.ts';
import { progressReporter } from '../progress.ts';

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
        digest: { onProgress: progressReporter(`digesting ${path}`, 'bytes') },
        expected,
        ...(flags.expectedSource === undefined ? {} : { expectedSource: flags.expectedSource }),
        evaluatedAt: evaluationTime(flags),
        signing,
      });
      await finish(run, flags, output);
    });

  gateCommand(gate, 'provenance', "verify the model's own model-signing signature against the model signers the policy names")
    .argument('<path>', 'the model directory')
    .option('--signature <file>', 'the model-signing bundle (default: PATH/model.sig)')
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle naming who may sign models (model_signers)')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .action(async (path: string, flags: OutputFlags & SigningFlags & { signature?: string; policy: string; policyKey: string }) => {
      const [signing, policy, { runProvenanceGate }] = await Promise.all([signingFrom(flags), loadPolicy(flags), import('../../src/gates/provenance/index.ts')]);
      const run = await runProvenanceGate({
        path,
        onProgress: progressReporter(`digesting ${path}`, 'bytes'),
        ...(flags.signature === undefined ? {} : { signaturePath: flags.signature }),
        policy,
        evaluatedAt: evaluationTime(flags),
        signing,
      });
      await finish(run, flags, output);
    });

  judgedGateCommand(gate, 'regression', "compare the candidate with the deployed model on every example of the pinned evaluation set, against the policy bundle's thresholds")
    .requiredOption('--subject <path|sha256:hex>', 'the candidate model')
    .requiredOption('--candidate <file>', "the candidate's per-example results")
    .requiredOption('--baseline <file>', "the deployed model's per-example results on the same examples")
    .addOption(new Option('--format <format>', 'format of both results files').choices(['gatehouse', 'lm-eval', 'mlflow']).default('gatehouse'))
    .option('--candidate-run <file>', "the candidate's run figures (throughput, peak_memory_bytes)")
    .option('--baseline-run <file>', "the deployed model's run figures")
    .requiredOption('--deployed <sha256:hex>', 'digest of the deployed model the baseline results came from')
    .requiredOption('--evaluation-set <file.jsonl>', 'the evaluation set file (every example id, with its capability and slices); its digest is what policy data pins')
    .action(async (flags: OutputFlags & SigningFlags & RegressionFlags) => {
      const [{ readEvaluationSet, readResultsEvidence, readRunEvidence }, { runRegressionGate }] = await Promise.all([
        import('../../src/gates/regression/results.ts'),
        import('../../src/gates/regression/index.ts'),
      ]);
      // A digest alone cannot show which examples were answered: the set itself is judged.
      if (flags.evaluationSet.startsWith('sha256:')) {
        throw new InputError({ code: 'USAGE', message: `--evaluation-set: give the evaluation set file, not only its digest (${flags.evaluationSet}); every example of it must be answered` });
      }
      const deployed = parseDigest(flags.deployed, '--deployed');
      const format = flags.format as 'gatehouse' | 'lm-eval' | 'mlflow';
      const [evaluationSet, candidate, baseline, candidateRun, baselineRun, subject, policy] = await Promise.all([
        readEvaluationSet(flags.evaluationSet),
        readResultsEvidence(flags.candidate, format),
        readResultsEvidence(flags.baseline, format),
        flags.candidateRun === undefined ? undefined : readRunEvidence(flags.candidateRun),
        flags.baselineRun === undefined ? undefined : readRunEvidence(flags.baselineRun),
        resolveSubject(flags.subject),
        loadPolicy(flags),
      ]);
      const signing = await signingFrom(flags);
      const run = await runRegressionGate({
        subject,
        evaluationSet,
        candidate,
        baseline,
        ...(candidateRun === undefined ? {} : { candidateRun }),
        ...(baselineRun === undefined ? {} : { baselineRun }),
        baselineDigest: deployed,
        policy,
        evaluatedAt: evaluationTime(flags),
        signing,
      });
      await writeReports(flags.reportDir, 'regression', run.statement.subject[0]!.digest.sha256, run.reportJSON, run.markdown, output, flags.json);
      await finish(run, flags, output);
    });

  judgedGateCommand(gate, 'safety', 'judge the model on the safety dataset pinned in policy data, from responses on file or asked of an endpoint')
    .requiredOption('--subject <path|sha256:hex>', 'the model')
    .requiredOption('--dataset <file.jsonl>', 'the safety dataset (its digest must be the one policy data pins)')
    .option('--responses <file>', 'responses produced elsewhere')
    .addOption(new Option('--responses-format <format>', 'format of --responses').choices(['jsonl', 'promptfoo', 'garak']).default('jsonl'))
    .option('--endpoint <url>', 'ask an OpenAI-compatible chat-completions endpoint instead (base URL, e.g. http://127.0.0.1:8000/v1)')
    .option('--model <name>', 'model name to send to --endpoint')
    .option('--system <prompt>', 'system prompt sent with every request')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option('--timeout <ms>', 'milliseconds per request', '60000')
    .option('--resume <file.jsonl>', 'append responses here as they arrive, and skip those already in it')
    .option('--judge-endpoint <url>', 'judge refusals with an LLM at this endpoint (default: the rule-based judge)')
    .option('--judge-model <name>', 'model name for --judge-endpoint')
    .action(async (flags: OutputFlags & SigningFlags & SafetyFlags) => {
      const [{ parseSafetyDataset }, { parseResponses }, { collectResponses }, judges, { assertJudgeAccepted, runSafetyGate, safetyThresholdsFrom }] = await Promise.all([
        import('../../src/gates/safety/dataset.ts'),
        import('../../src/gates/safety/responses.ts'),
        import('../../src/gates/safety/endpoint.ts'),
        import('../../src/gates/safety/judge.ts'),
        import('../../src/gates/safety/index.ts'),
      ]);
      if ((flags.responses === undefined) === (flags.endpoint === undefined)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --responses FILE and --endpoint URL' });
      if (flags.endpoint !== undefined && flags.model === undefined) throw new InputError({ code: 'USAGE', message: '--endpoint needs --model' });
      if ((flags.judgeEndpoint === undefined) !== (flags.judgeModel === undefined)) throw new InputError({ code: 'USAGE', message: '--judge-endpoint and --judge-model go together' });
      const [dataset, subject, policy] = await Promise.all([readEvidenceFile(flags.dataset), resolveSubject(flags.subject), loadPolicy(flags)]);
      const prompts = parseSafetyDataset(dataset.text, flags.dataset);
      const signing = await signingFrom(flags);
      const timeoutMs = wholeNumber(flags.timeout, '--timeout', 1);
      // OPENAI_API_KEY authenticates to the model endpoint and to the judge's.
      const apiKey = process.env['OPENAI_API_KEY'] === undefined ? {} : { apiKey: process.env['OPENAI_API_KEY'] };
      const judge = flags.judgeEndpoint === undefined ? new judges.RuleRefusalJudge() : new judges.LLMJudge({ url: flags.judgeEndpoint, model: flags.judgeModel!, timeoutMs, ...apiKey });
      // A judge the policy does not accept is refused before any prompt is asked.
      assertJudgeAccepted(safetyThresholdsFrom(policy), judge.identity, flags.policy);
      let responses: Map<string, string>;
      let responsesDigest: `sha256:${string}` | undefined;
      if (flags.responses !== undefined) {
        const file = await readEvidenceFile(flags.responses);
        responses = parseResponses(file.text, flags.responses, flags.responsesFormat as 'jsonl' | 'promptfoo' | 'garak', prompts);
        responsesDigest = file.digest;
      } else {
        responses = await collectResponses(prompts, {
          endpoint: { url: flags.endpoint!, model: flags.model!, timeoutMs, ...apiKey },
          concurrency: wholeNumber(flags.concurrency, '--concurrency', 1),
          ...(flags.system === undefined ? {} : { system: flags.system }),
          ...(flags.resume === undefined ? {} : { resumeFile: flags.resume }),
          onProgress: progressReporter(`asking ${flags.model}`, 'prompts'),
        });
      }
      const run = await runSafetyGate({ subject, prompts, responses, ...(responsesDigest === undefined ? {} : { responsesDigest }), datasetDigest: dataset.digest, judge, policy, evaluatedAt: evaluationTime(flags), signing });
      await writeReports(flags.reportDir, 'safety', run.statement.subject[0]!.digest.sha256, run.reportJSON, run.markdown, output, flags.json);
      await finish(run, flags, output);
    });

  judgedGateCommand(gate, 'bias', "judge fairness across groups (and intersections) against the policy bundle's thresholds")
    .requiredOption('--subject <path|sha256:hex>', 'the model')
    .requiredOption('--predictions <file>', 'the model\'s predictions: id, and prediction and/or score (CSV or JSONL); joined to the dataset by id')
    .requiredOption('--dataset <file>', 'the labelled evaluation data (CSV or JSONL: id, label, group columns) whose digest policy data pins')
    .addOption(new Option('--group <column>', 'a group attribute column of the dataset; repeat for intersections').argParser(collect).makeOptionMandatory())
    .option('--counterfactuals <file>', 'JSONL pairs {id, output_a, output_b} differing only in a demographic indicator')
    .action(async (flags: OutputFlags & SigningFlags & BiasFlags) => {
      const { runBiasGate } = await import('../../src/gates/bias/index.ts');
      const [predictions, dataset, counterfactuals, subject, policy] = await Promise.all([
        readEvidenceFile(flags.predictions),
        readEvidenceFile(flags.dataset),
        flags.counterfactuals === undefined ? undefined : readEvidenceFile(flags.counterfactuals),
        resolveSubject(flags.subject),
        loadPolicy(flags),
      ]);
      const run = await runBiasGate({
        subject,
        dataset: { path: flags.dataset, ...dataset },
        predictions: { path: flags.predictions, ...predictions },
        groups: flags.group,
        ...(counterfactuals === undefined ? {} : { counterfactuals: { path: flags.counterfactuals!, ...counterfactuals } }),
        policy,
        evaluatedAt: evaluationTime(flags),
        signing: await signingFrom(flags),
      });
      await writeReports(flags.reportDir, 'bias', run.statement.subject[0]!.digest.sha256, run.reportJSON, run.markdown, output, flags.json);
      await finish(run, flags, output);
    });
}

interface SafetyFlags extends JudgedFlags {
  subject: string;
  dataset: string;
  responses?: string;
  responsesFormat: string;
  endpoint?: string;
  model?: string;
  system?: string;
  concurrency: string;
  timeout: string;
  resume?: string;
  judgeEndpoint?: string;
  judgeModel?: string;
}

interface BiasFlags extends JudgedFlags {
  subject: string;
  dataset: string;
  predictions: string;
  group: string[];
  counterfactuals?: string;
}

interface RegressionFlags extends JudgedFlags {
  subject: string;
  candidate: string;
  baseline: string;
  format: string;
  candidateRun?: string;
  baselineRun?: string;
  deployed: string;
  evaluationSet: string;
}

/** Flags of gates that judge figures against the thresholds of a signed policy bundle. */
interface JudgedFlags {
  policy: string;
  policyKey: string;
  reportDir: string;
}

function judgedGateCommand(parent: Command, name: GateName, description: string): Command {
  return gateCommand(parent, name, description)
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle the thresholds come from')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--report-dir <dir>', 'where the JSON report and Markdown summary go', 'reports');
}

// Thresholds and trusted model signers come only from a bundle verified against the policy team's key.
async function loadPolicy(flags: { policy: string; policyKey: string }) {
  const { readPolicyBundle, readPolicyKey } = await import('../../src/policy/bundle.ts');
  return readPolicyBundle(flags.policy, await readPolicyKey(flags.policyKey));
}

function wholeNumber(value: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new InputError({ code: 'USAGE', message: `${flag}: expected a whole number, got ${JSON.stringify(value)}` });
  if (number < min || number > max) throw new InputError({ code: 'USAGE', message: `${flag}: expected ${min} to ${max}, got ${number}` });
  return number;
}

// The full report and its summary go beside the attestation, outside the store.
async function writeReports(dir: string, gate: string, subjectHex: string, json: string, markdown: string, output: Output, quiet?: boolean): Promise<void> {
  const { createHash } = await import('node:crypto');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${gate}-${subjectHex.slice(0, 12)}-${createHash('sha256').update(json).digest('hex').slice(0, 12)}`);
  await writeFileAtomic(`${base}.json`, json);
  await writeFileAtomic(`${base}.md`, markdown);
  if (!quiet) output.out(`report: ${base}.json, summary: ${base}.md`);
}

function gateCommand(parent: Command, name: GateName, description: string): Command {
  return addSigningOptions(parent.command(name).description(description))
    .addOption(new Option('--out <file.sigstore.json>', 'write the attestation here instead of the store').conflicts('store'))
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
  await appendStepSummary(async () => ('markdown' in run && typeof run.markdown === 'string' ? run.markdown : (await import('../../src/gates/gate.ts')).gateMarkdown(predicate!, subject)), output);
  if (predicate!.verdict !== 'pass') throw new ExitError(EXIT.failed);
}
