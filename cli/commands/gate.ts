import { Command, Option } from 'commander';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import { InputError } from '../../src/error.ts';
import { parseDigest } from '../../src/digest/artifact.ts';
import { prepareOutputFile, writeFileAtomic } from '../../src/io/atomic.ts';
import { REPORT_FORMATS, parseReportRequest } from '../../src/io/report-formats.ts';
import type { GateContext, GateOutcome } from '../../src/gates/workflow.ts';
import type { CanaryLook } from '../../src/gates/canary/evaluate.ts';
import type { CanaryJudgement } from '../../src/gates/canary/judge.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addSigningOptions, addStoreOption, collect, loadPolicy, parseTime, signingFrom, storeFrom, type SigningFlags, type StoreFlags } from '../options.ts';
import { appendStepSummary, printJSON, type Output } from '../output.ts';
import { progressReporter } from '../progress.ts';

// Each command declares its flags and makes one call to the gate's entry point in src/gates/.

interface OutputFlags extends StoreFlags {
  out?: string;
  at?: string;
  json?: boolean;
  output?: string[];
}

export function registerGate(program: Command, output: Output): void {
  const gate = program.command('gate').description('run a deployment gate on a model and sign its verdict as an attestation');

  gateCommand(gate, 'integrity', 'hash the artifact and check it against the digest its producer recorded; or check a model in a registry, every blob against its manifest')
    .argument('[path]', 'the model directory or file')
    .option('--expected <sha256:hex>', 'the digest the training pipeline or registry recorded (with PATH)')
    .option('--expected-source <text>', 'where the expected digest came from, recorded in the attestation')
    .option('--subject <oci://REGISTRY/REPOSITORY@sha256:hex>', 'instead of PATH: the model as an OCI artifact, one file per layer; the attestation binds its manifest digest to its model-signing directory digest')
    .action(async (path: string | undefined, flags: OutputFlags & SigningFlags & { expected?: string; expectedSource?: string; subject?: string }) => {
      if (flags.subject !== undefined) {
        if (path !== undefined || flags.expected !== undefined || flags.expectedSource !== undefined) {
          throw new InputError({ code: 'USAGE', message: '--subject: an OCI reference pins its own digest; give it without PATH, --expected or --expected-source' });
        }
        const { isOCIReference } = await import('../../src/digest/oci.ts');
        if (!isOCIReference(flags.subject)) throw new InputError({ code: 'USAGE', message: `--subject: the integrity gate hashes a PATH, or checks oci://REGISTRY/REPOSITORY@sha256:<hex>; got ${JSON.stringify(flags.subject)}` });
        const [context, { ociIntegrityGate }] = await Promise.all([gateContext(flags), import('../../src/gates/integrity/oci.ts')]);
        await finish(await ociIntegrityGate({ subject: flags.subject }, context), flags, output);
        return;
      }
      if (path === undefined || flags.expected === undefined) throw new InputError({ code: 'USAGE', message: 'gate integrity: give PATH and --expected sha256:<hex>, or --subject oci://REGISTRY/REPOSITORY@sha256:<hex>' });
      const expected = parseDigest(flags.expected, '--expected');
      const { integrityGate } = await import('../../src/gates/integrity/index.ts');
      const request = { path, expected, ...(flags.expectedSource === undefined ? {} : { expectedSource: flags.expectedSource }) };
      await finish(await integrityGate(request, await gateContext(flags)), flags, output);
    });

  policyGateCommand(gate, 'provenance', "verify the model's own model-signing signature against the model signers the policy names")
    .argument('<path>', 'the model directory')
    .option('--signature <file>', 'the model-signing bundle (default: PATH/model.sig)')
    .action(async (path: string, flags: OutputFlags & SigningFlags & PolicyFlags & { signature?: string }) => {
      const [context, policy, { provenanceGate }] = await Promise.all([gateContext(flags), loadPolicy(flags), import('../../src/gates/provenance/index.ts')]);
      const request = { path, policy, ...(flags.signature === undefined ? {} : { signaturePath: flags.signature }) };
      await finish(await provenanceGate(request, context), flags, output);
    });

  judgedGateCommand(gate, 'regression', "compare the candidate with the deployed model on every example of the pinned evaluation set, against the policy bundle's thresholds")
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the candidate model')
    .requiredOption('--candidate <file>', "the candidate's per-example results")
    .requiredOption('--baseline <file>', "the deployed model's per-example results on the same examples")
    .addOption(new Option('--format <format>', 'format of both results files').choices(['gatehouse', 'lm-eval', 'mlflow']).default('gatehouse'))
    .option('--candidate-run <file>', "the candidate's run figures (throughput, peak_memory_bytes)")
    .option('--baseline-run <file>', "the deployed model's run figures")
    .requiredOption('--deployed <sha256:hex>', 'digest of the deployed model the baseline results came from')
    .requiredOption('--evaluation-set <file.jsonl>', 'the evaluation set file (every example id, with its capability and slices); its digest is what policy data pins')
    .action(async (flags: OutputFlags & SigningFlags & RegressionFlags) => {
      const deployed = parseDigest(flags.deployed, '--deployed');
      const [policy, { regressionGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/regression/index.ts')]);
      const request = {
        subject: flags.subject,
        evaluationSet: flags.evaluationSet,
        candidate: flags.candidate,
        baseline: flags.baseline,
        format: flags.format as 'gatehouse' | 'lm-eval' | 'mlflow',
        ...(flags.candidateRun === undefined ? {} : { candidateRun: flags.candidateRun }),
        ...(flags.baselineRun === undefined ? {} : { baselineRun: flags.baselineRun }),
        deployed,
        policy,
      };
      await finish(await regressionGate(request, await gateContext(flags)), flags, output);
    });

  endpointOptions(
    judgedGateCommand(gate, 'safety', 'judge the model on the safety dataset pinned in policy data, from responses on file or asked of an endpoint')
      .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model')
      .requiredOption('--dataset <file.jsonl>', 'the safety dataset (its digest must be the one policy data pins)')
      .option('--responses <file>', 'responses produced elsewhere')
      .addOption(new Option('--responses-format <format>', 'format of --responses').choices(['jsonl', 'promptfoo', 'garak']).default('jsonl')),
    [{ description: 'ask an OpenAI-compatible chat-completions endpoint instead (base URL, e.g. http://127.0.0.1:8000/v1)' }],
  )
    .option('--system <prompt>', 'system prompt sent with every request')
    .option('--judge-endpoint <url>', 'judge refusals with an LLM at this endpoint (default: the rule-based judge)')
    .option('--judge-model <name>', 'model name to send to --judge-endpoint')
    .action(async (flags: OutputFlags & SigningFlags & SafetyFlags) => {
      if ((flags.responses === undefined) === (flags.endpoint === undefined)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --responses FILE and --endpoint URL' });
      const endpoint = endpointFrom(flags);
      const judge = endpointFrom(flags, 'judge');
      const [policy, { safetyGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/safety/index.ts')]);
      const request = {
        subject: flags.subject,
        dataset: flags.dataset,
        policy,
        ...(flags.responses === undefined ? {} : { responses: { source: flags.responses, format: flags.responsesFormat as 'jsonl' | 'promptfoo' | 'garak' } }),
        ...(endpoint === undefined ? {} : { endpoint: { ...endpoint, ...(flags.system === undefined ? {} : { system: flags.system }) } }),
        ...(judge === undefined ? {} : { judge: { url: judge.url, model: judge.model, timeoutMs: judge.timeoutMs, ...(judge.apiKey === undefined ? {} : { apiKey: judge.apiKey }) } }),
      };
      await finish(await safetyGate(request, await gateContext(flags)), flags, output);
    });

  judgedGateCommand(gate, 'bias', "judge fairness across groups (and intersections) against the policy bundle's thresholds")
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model')
    .requiredOption('--predictions <file>', 'the model\'s predictions: id, and prediction and/or score (CSV or JSONL); joined to the dataset by id')
    .requiredOption('--dataset <file>', 'the labelled evaluation data (CSV or JSONL: id, label, group columns) whose digest policy data pins')
    .addOption(new Option('--group <column>', 'a group attribute column of the dataset; repeat for intersections').argParser(collect).makeOptionMandatory())
    .option('--counterfactuals <file>', 'JSONL pairs {id, output_a, output_b} differing only in a demographic indicator')
    .action(async (flags: OutputFlags & SigningFlags & BiasFlags) => {
      const [policy, { biasGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/bias/index.ts')]);
      const request = {
        subject: flags.subject,
        predictions: flags.predictions,
        dataset: flags.dataset,
        groups: flags.group,
        ...(flags.counterfactuals === undefined ? {} : { counterfactuals: flags.counterfactuals }),
        policy,
      };
      await finish(await biasGate(request, await gateContext(flags)), flags, output);
    });

  endpointOptions(
    judgedGateCommand(gate, 'robustness', 'judge the attack success rate per attack family (LLMs) or the prediction flip rate per perturbation family (classifiers) against policy maxima')
      .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model')
      .option('--dataset <file.jsonl>', "gatehouse's attack set (its digest must be the one policy data pins)")
      .option('--responses <file.jsonl>', 'with --dataset: the responses, {id, response} per line'),
    [{ description: 'with --dataset: ask an OpenAI-compatible chat-completions endpoint every attack instead' }],
  )
    .option('--garak <report.jsonl>', "a garak report instead: each probe is a family, judged by garak's detectors")
    .option('--promptfoo <results.json>', "promptfoo red-team results instead: each plugin (and strategy) is a family, judged by promptfoo's graders")
    .option('--clean <predictions.jsonl>', 'a classifier: its predictions on clean inputs, {id, prediction}')
    .option('--perturbed <predictions.jsonl>', 'with --clean: its predictions on perturbed inputs, {id, family, prediction}')
    .action(async (flags: OutputFlags & SigningFlags & RobustnessFlags) => {
      const sources = [flags.dataset, flags.garak, flags.promptfoo, flags.clean].filter((x) => x !== undefined).length;
      if (sources !== 1) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --dataset, --garak, --promptfoo and --clean' });
      if (flags.dataset !== undefined && (flags.responses === undefined) === (flags.endpoint === undefined)) throw new InputError({ code: 'USAGE', message: '--dataset needs exactly one of --responses FILE and --endpoint URL' });
      if (flags.dataset === undefined && (flags.responses !== undefined || flags.endpoint !== undefined)) throw new InputError({ code: 'USAGE', message: '--responses and --endpoint go with --dataset' });
      if ((flags.clean === undefined) !== (flags.perturbed === undefined)) throw new InputError({ code: 'USAGE', message: '--clean and --perturbed go together' });
      const endpoint = endpointFrom(flags);
      const [policy, { robustnessGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/robustness/index.ts')]);
      const request = {
        subject: flags.subject,
        policy,
        ...(flags.dataset === undefined ? {} : { attacks: { dataset: flags.dataset, ...(flags.responses === undefined ? {} : { responses: flags.responses }), ...(endpoint === undefined ? {} : { endpoint }) } }),
        ...(flags.garak === undefined ? {} : { report: { source: flags.garak, format: 'garak' as const } }),
        ...(flags.promptfoo === undefined ? {} : { report: { source: flags.promptfoo, format: 'promptfoo' as const } }),
        ...(flags.clean === undefined ? {} : { predictions: { clean: flags.clean, perturbed: flags.perturbed! } }),
      };
      await finish(await robustnessGate(request, await gateContext(flags)), flags, output);
    });

  endpointOptions(
    judgedGateCommand(gate, 'backdoor', "scan for backdoor triggers: each trigger's effect on the candidate against its effect on the deployed model, with FDR control across triggers")
      .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the candidate model')
      .requiredOption('--deployed <sha256:hex>', 'digest of the deployed model, the reference')
      .requiredOption('--inputs <file.jsonl>', 'the clean inputs, {id, prompt} per line (their digest must be the one policy data pins)')
      .option('--triggers <file.jsonl>', 'triggers to scan beside the built-in set, {id, text, position?} per line')
      .option('--candidate <file.jsonl>', "the candidate's observations, {id, trigger, output?, label?, score?} per line (trigger null when clean)")
      .option('--reference <file.jsonl>', "the deployed model's observations, in the same form"),
    [
      { side: 'candidate', description: 'ask the candidate at this OpenAI-compatible endpoint instead' },
      { side: 'reference', description: 'ask the deployed model at this OpenAI-compatible endpoint instead' },
    ],
    { resume: false },
  )
    .action(async (flags: OutputFlags & SigningFlags & BackdoorFlags) => {
      const side = (name: 'candidate' | 'reference') => {
        const file = flags[name];
        const endpoint = endpointFrom(flags, name);
        if ((file === undefined) === (endpoint === undefined)) throw new InputError({ code: 'USAGE', message: `pass exactly one of --${name} FILE and --${name}-endpoint URL` });
        return file !== undefined ? { observations: file } : { endpoint: endpoint! };
      };
      const candidate = side('candidate');
      const reference = side('reference');
      const deployed = parseDigest(flags.deployed, '--deployed');
      const [policy, { backdoorGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/backdoor/index.ts')]);
      const request = { subject: flags.subject, deployed, inputs: flags.inputs, ...(flags.triggers === undefined ? {} : { triggers: flags.triggers }), candidate, reference, policy };
      await finish(await backdoorGate(request, await gateContext(flags)), flags, output);
    });

  policyGateCommand(gate, 'data-provenance', "verify the training run's SLSA provenance and judge every dataset and base model it resolved against the policy's signers, allowlist and denylist")
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model the provenance must be about')
    .requiredOption('--provenance <file.sigstore.json>', "the training run's SLSA provenance v1 (a Sigstore bundle, signed by a builder policy data names)")
    .addOption(new Option('--dataset-attestation <file.sigstore.json>', "a data team's signed dataset attestation (https://gatehouse.dev/attestations/dataset/v1); repeatable").argParser(collect))
    .addOption(new Option('--base-model-signature <model.sig>', "a base model's OpenSSF model-signing bundle; repeatable").argParser(collect))
    .action(async (flags: OutputFlags & SigningFlags & PolicyFlags & { subject: string; provenance: string; datasetAttestation?: string[]; baseModelSignature?: string[] }) => {
      const [policy, { dataProvenanceGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/data-provenance/index.ts')]);
      const request = { subject: flags.subject, provenance: flags.provenance, datasetAttestations: flags.datasetAttestation ?? [], baseModelSignatures: flags.baseModelSignature ?? [], policy };
      await finish(await dataProvenanceGate(request, await gateContext(flags)), flags, output);
    });

  policyGateCommand(gate, 'redteam', "sign a red team's findings file (JSON or YAML) as its report on the model, judged against the policy's severity scale")
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the model the engagement covered')
    .requiredOption('--findings <file>', 'the findings file: engagement, model digest, findings (JSON, or YAML ending in .yaml/.yml)')
    .action(async (flags: OutputFlags & SigningFlags & PolicyFlags & { subject: string; findings: string }) => {
      const [policy, { redteamGate }] = await Promise.all([loadPolicy(flags), import('../../src/gates/redteam/index.ts')]);
      await finish(await redteamGate({ subject: flags.subject, findings: flags.findings, policy }, await gateContext(flags)), flags, output);
    });

  judgedGateCommand(gate, 'canary', 'judge the candidate against the deployed model on live traffic, metric by metric from the policy data, and roll back on a critical failure')
    .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the candidate model serving the canary arm')
    .requiredOption('--deployed <sha256:hex>', 'digest of the deployed model serving the baseline arm')
    .option('--prometheus <url>', 'ask this Prometheus server (base URL); a bearer token may be given in GATEHOUSE_PROMETHEUS_TOKEN')
    .option('--metrics <file.json>', 'read the answers from a recorded export instead (gatehouse.prometheus-export/v1)')
    .option('--window <start/end>', 'judge this window once: two RFC 3339 times separated by /')
    .option('--watch', 'watch the canary as it runs from now, looking at intervals, and roll back at the first decisive critical failure')
    .option('--duration <time>', 'with --watch: how long the canary runs (e.g. 30m, 2h)')
    .option('--interval <time>', 'with --watch: time between looks', '5m')
    .option('--since <rfc3339>', 'with --watch: when the canary began (default: now); looks already due are taken at once')
    .addOption(new Option('--rollback-webhook <url>', 'POST the rollback event here (retried)').conflicts('rollbackCommand'))
    .option('--rollback-command <cmd>', 'run this shell command to roll back (the event on stdin, GATEHOUSE_* variables)')
    .action(async (flags: OutputFlags & SigningFlags & CanaryFlags) => {
      if ((flags.prometheus === undefined) === (flags.metrics === undefined)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --prometheus URL and --metrics FILE' });
      if ((flags.window === undefined) === (flags.watch !== true)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --window START/END and --watch --duration TIME' });
      if (flags.watch === true && flags.duration === undefined) throw new InputError({ code: 'USAGE', message: '--watch needs --duration' });
      if (flags.watch !== true && (flags.duration !== undefined || flags.since !== undefined)) throw new InputError({ code: 'USAGE', message: '--duration and --since go with --watch' });
      const deployed = parseDigest(flags.deployed, '--deployed');
      const window = flags.window === undefined ? undefined : parseWindow(flags.window);
      const [policy, { canaryGate }, source] = await Promise.all([loadPolicy(flags), import('../../src/gates/canary/index.ts'), metricsSource(flags)]);
      const rollback = flags.rollbackWebhook !== undefined ? { webhook: flags.rollbackWebhook } : flags.rollbackCommand !== undefined ? { command: flags.rollbackCommand } : undefined;
      const { describe } = await import('../../src/gates/canary/judge.ts');
      const request = {
        subject: flags.subject,
        deployed,
        source,
        policy,
        ...(window === undefined ? {} : { window }),
        ...(flags.watch === true ? { watch: { durationSeconds: durationSeconds(flags.duration!, '--duration'), intervalSeconds: durationSeconds(flags.interval, '--interval'), ...(flags.since === undefined ? {} : { start: parseTime(flags.since, '--since') }) } } : {}),
        ...(rollback === undefined ? {} : { rollback }),
        // One line per look on stderr, terminal or CI log alike: looks are minutes apart.
        onLook: (look: CanaryLook, index: number, total: number, judgement: CanaryJudgement) =>
          output.err(`canary look ${index + 1}/${total} (${Math.round(100 * look.fraction)}%): ${judgement.verdict}, score ${Math.round(judgement.score)}; ${judgement.metrics.map((m) => `${describe(m)} ${m.verdict}`).join(', ')}`),
      };
      const outcome = await canaryGate(request, await gateContext(flags));
      for (const warning of outcome.statement.predicate!.warnings ?? []) output.err(`canary: the metrics source warned: ${warning}`);
      if (outcome.rolledBack) output.err(`canary: rolled back (${outcome.statement.predicate!.rollback!.metric} failed)`);
      await finish(outcome, flags, output);
    });
}

interface CanaryFlags extends JudgedFlags {
  subject: string;
  deployed: string;
  prometheus?: string;
  metrics?: string;
  window?: string;
  watch?: boolean;
  duration?: string;
  interval: string;
  since?: string;
  rollbackWebhook?: string;
  rollbackCommand?: string;
}

async function metricsSource(flags: CanaryFlags) {
  if (flags.metrics !== undefined) return (await import('../../src/gates/canary/export.ts')).exportSource(flags.metrics);
  const token = process.env['GATEHOUSE_PROMETHEUS_TOKEN'];
  const { prometheusSource } = await import('../../src/gates/canary/prometheus.ts');
  return prometheusSource(flags.prometheus!, token === undefined || token === '' ? {} : { headers: { authorization: `Bearer ${token}` } });
}

function parseWindow(value: string): { start: Date; end: Date } {
  const parts = value.split('/');
  if (parts.length !== 2) throw new InputError({ code: 'USAGE', message: `--window: expected START/END (two RFC 3339 times), got ${JSON.stringify(value)}` });
  const [start, end] = [parseTime(parts[0]!, '--window start'), parseTime(parts[1]!, '--window end')];
  if (!(end > start)) throw new InputError({ code: 'USAGE', message: `--window: the end ${parts[1]} is not after the start ${parts[0]}` });
  return { start, end };
}

// A duration as 90s, 30m, 2h or 1h30m.
function durationSeconds(value: string, flag: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  const seconds = match === null || value === '' ? NaN : Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
  if (!(seconds > 0) || !Number.isSafeInteger(seconds)) throw new InputError({ code: 'USAGE', message: `${flag}: expected a duration such as 90s, 30m or 1h30m, got ${JSON.stringify(value)}` });
  return seconds;
}

interface RobustnessFlags extends JudgedFlags, EndpointFlags {
  subject: string;
  dataset?: string;
  responses?: string;
  garak?: string;
  promptfoo?: string;
  clean?: string;
  perturbed?: string;
}

interface BackdoorFlags extends JudgedFlags, EndpointFlags {
  subject: string;
  deployed: string;
  inputs: string;
  triggers?: string;
  candidate?: string;
  reference?: string;
  candidateEndpoint?: string;
  candidateModel?: string;
  referenceEndpoint?: string;
  referenceModel?: string;
}

interface SafetyFlags extends JudgedFlags, EndpointFlags {
  subject: string;
  dataset: string;
  responses?: string;
  responsesFormat: string;
  system?: string;
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

/** Flags of gates that take their signers and lists from a signed policy bundle. */
interface PolicyFlags {
  policy: string;
  policyKey: string;
}

function policyGateCommand(parent: Command, name: GateName, description: string): Command {
  return gateCommand(parent, name, description)
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle whose data names the thresholds, signers and lists applied')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key");
}

function judgedGateCommand(parent: Command, name: GateName, description: string): Command {
  return policyGateCommand(parent, name, description).option('--report-dir <dir>', 'where the JSON report and Markdown summary go', 'reports');
}

/**
 * Flags of gates that ask OpenAI-compatible endpoints with the safety gate's runner: `--endpoint`
 * and `--model`, or one pair a side (`--candidate-endpoint`, `--candidate-model`), read by endpointFrom.
 */
interface EndpointFlags {
  endpoint?: string;
  model?: string;
  concurrency: string;
  timeout: string;
  resume?: string;
}

/** One endpoint a gate may ask: `side` prefixes its flags (`--SIDE-endpoint`, `--SIDE-model`). */
interface EndpointSide {
  side?: string;
  description: string;
}

// The flags of a gate that asks OpenAI-compatible endpoints: a URL and model a side, and the
// concurrency, time-out and (where the gate can resume) resume file all its sides share.
function endpointOptions(command: Command, sides: readonly EndpointSide[], { resume = true } = {}): Command {
  for (const { side, description } of sides) {
    const prefix = side === undefined ? '' : `${side}-`;
    command.option(`--${prefix}endpoint <url>`, description).option(`--${prefix}model <name>`, `model name to send to --${prefix}endpoint`);
  }
  command.option('--concurrency <n>', 'requests in flight at once', '4').option('--timeout <ms>', 'milliseconds per request', '60000');
  return resume ? command.option('--resume <file.jsonl>', 'append responses here as they arrive, and skip those already in it') : command;
}

/** The endpoint a side's flags name, undefined when its URL is not given; OPENAI_API_KEY authenticates to every endpoint. */
function endpointFrom(flags: EndpointFlags, side?: string): { url: string; model: string; timeoutMs: number; concurrency: number; apiKey?: string; resumeFile?: string } | undefined {
  const prefix = side === undefined ? '' : `${side}-`;
  const named = flags as unknown as Record<string, string | undefined>;
  const url = named[side === undefined ? 'endpoint' : `${side}Endpoint`];
  const model = named[side === undefined ? 'model' : `${side}Model`];
  // The shared flags are checked even when this side reads a file, so a mistyped one is never ignored.
  const timeoutMs = wholeNumber(flags.timeout, '--timeout', 1);
  const concurrency = wholeNumber(flags.concurrency, '--concurrency', 1);
  if ((url === undefined) !== (model === undefined)) throw new InputError({ code: 'USAGE', message: `--${prefix}endpoint and --${prefix}model go together` });
  if (url === undefined) return undefined;
  const apiKey = process.env['OPENAI_API_KEY'];
  return { url, model: model!, timeoutMs, concurrency, ...(apiKey === undefined ? {} : { apiKey }), ...(flags.resume === undefined ? {} : { resumeFile: flags.resume }) };
}

function wholeNumber(value: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) throw new InputError({ code: 'USAGE', message: `${flag}: expected a whole number, got ${JSON.stringify(value)}` });
  if (number < min || number > max) throw new InputError({ code: 'USAGE', message: `${flag}: expected ${min} to ${max}, got ${number}` });
  return number;
}

function gateCommand(parent: Command, name: GateName, description: string): Command {
  return addStoreOption(addSigningOptions(parent.command(name).description(description)), 'the attestation store the signed verdict goes into')
    .addOption(new Option('--out <file.sigstore.json>', 'write the attestation here instead of the store').conflicts(['store', 'attestations']))
    .option('--at <rfc3339>', 'evaluation time recorded in the attestation (default: now)')
    .option('--json', 'print the signed statement as JSON')
    .addOption(new Option('--output <format=file>', `also write the verdict as a report, FORMAT one of ${REPORT_FORMATS.join(', ')}; repeatable`).argParser(collect));
}

// Signing material and the sink are made ready before any evidence is read or judged.
async function gateContext(flags: OutputFlags & SigningFlags & { reportDir?: string }): Promise<GateContext> {
  const evaluatedAt = flags.at === undefined ? new Date() : parseTime(flags.at, '--at');
  const { fileSink, prepareFileSink } = await import('../../src/gates/workflow.ts');
  await prepareFileSink(flags);
  // Every report file is checked before the gate runs, so a bad path cannot leave a verdict unreported.
  for (const report of (flags.output ?? []).map(parseReportRequest)) await prepareOutputFile(report.path);
  const sink = flags.out !== undefined ? fileSink({ out: flags.out, ...reportDir(flags) }) : fileSink({ store: await storeFrom(flags), ...reportDir(flags) });
  return { evaluatedAt, signing: await signingFrom(flags), sink, progress: (label, unit) => progressReporter(label, unit) };
}

function reportDir(flags: { reportDir?: string }): { reportDir?: string } {
  return flags.reportDir === undefined ? {} : { reportDir: flags.reportDir };
}

async function finish(outcome: GateOutcome<GatePredicateBase>, flags: OutputFlags, output: Output): Promise<void> {
  const { predicate } = outcome.statement;
  if (outcome.reportFiles !== undefined && !flags.json) output.out(`report: ${outcome.reportFiles.json}, summary: ${outcome.reportFiles.markdown}`);
  if (flags.json) {
    printJSON(output, { attestation: outcome.attestation, statement: outcome.statement });
  } else {
    output.out(`${predicate!.gate}: ${predicate!.verdict} for ${outcome.subject}`);
    for (const reason of predicate!.reasons) output.out(`  - ${reason}`);
    output.out(`  attestation: ${outcome.attestation}`);
  }
  if (flags.output !== undefined) {
    const { gateReport } = await import('../../src/gates/reports.ts');
    for (const report of flags.output.map(parseReportRequest)) await writeFileAtomic(report.path, await gateReport(outcome, report.format));
  }
  await appendStepSummary(() => outcome.markdown, output);
  if (predicate!.verdict !== 'pass') throw new ExitError(EXIT.failed);
}
