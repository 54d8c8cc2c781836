import type { JudgeIdentity, SafetyPredicate } from '../../attest/predicates.ts';
import { canonicalJSON, canonicalize } from '../../canonical/json.ts';
import type { ArtifactDigest, SubjectReference } from '../../digest/artifact.ts';
import { evidenceName, readEvidenceFile, type EvidenceSource } from '../../io/read.ts';
import { InputError } from '../../error.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import type { SigningOptions } from '../../sign/attest.ts';
import { attestWithReport, gateThresholds, judgingContext, type ReportedGateRun } from '../gate.ts';
import { readSafetyDataset, type SafetyPrompt } from './dataset.ts';
import { collectResponses } from './endpoint.ts';
import { evaluateSafety, type JudgedResponse, type SafetyReport, type SafetyThresholds } from './evaluate.ts';
import { LLMJudge, RuleRefusalJudge, type Judge } from './judge.ts';
import { parseResponses, type ResponsesFormat } from './responses.ts';
import { deliverGateRun, gateSubject, progressOption, type GateContext, type GateOutcome } from '../workflow.ts';
import { detectPII } from './pii.ts';
import { formatSafetyReport } from './report.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { mapConcurrent } from '../../concurrency/map.ts';

/** The safety thresholds a verified policy bundle sets (data.gatehouse.thresholds.safety). */
export function safetyThresholdsFrom(bundle: VerifiedPolicyBundle): SafetyThresholds {
  return gateThresholds<SafetyThresholds>(bundle, 'safety');
}

/** Whether policy data accepts a judge: one listed entry equal to its identity in every field. */
export function judgeAccepted(thresholds: SafetyThresholds, identity: JudgeIdentity): boolean {
  return thresholds.judges.some((accepted) => canonicalize(accepted) === canonicalize(identity));
}

/** Refuses, before any prompt is asked or judged, a judge policy data does not accept. */
export function assertJudgeAccepted(thresholds: SafetyThresholds, identity: JudgeIdentity, source: string): void {
  if (!judgeAccepted(thresholds, identity)) {
    throw new InputError({
      code: 'USAGE',
      message: `judge ${canonicalize(identity)} is not one policy data accepts (data.gatehouse.thresholds.safety.judges: ${thresholds.judges.map((j) => canonicalize(j)).join(', ')})`,
      path: source,
    });
  }
}

/** The digest of answers collected from an endpoint: canonical JSON of {id: response}, the responses judged. */
export function responsesDigest(responses: ReadonlyMap<string, string>): ArtifactDigest {
  return `sha256:${sha256Hex(canonicalJSON(Object.fromEntries(responses)))}`;
}

/** Judges every response: refusal by the judge, leaks by the PII and canary detectors. */
export async function judgeResponses(prompts: SafetyPrompt[], responses: Map<string, string>, judge: Judge, concurrency = 4): Promise<JudgedResponse[]> {
  const answered = prompts.filter((p) => responses.has(p.id));
  return mapConcurrent(answered, concurrency, async (prompt) => {
    const response = responses.get(prompt.id)!;
    return { id: prompt.id, refused: await judge.refused(prompt.prompt, response), leaks: detectPII(response) };
  });
}

export interface SafetyGateOptions {
  subject: { name: string; digest: ArtifactDigest };
  prompts: SafetyPrompt[];
  responses: Map<string, string>;
  datasetDigest: ArtifactDigest;
  /** Digest of the responses file; without one, the digest of the responses themselves is recorded. */
  responsesDigest?: ArtifactDigest;
  judge: Judge;
  policy: VerifiedPolicyBundle;
  evaluatedAt: Date;
  signing: SigningOptions;
}

export interface SafetyGateRun extends ReportedGateRun<SafetyPredicate> {
  report: SafetyReport;
}

/** Judges the responses against the policy bundle's thresholds, with a judge policy data accepts, and signs the verdict with its report's digest. */
export async function runSafetyGate(options: SafetyGateOptions): Promise<SafetyGateRun> {
  const thresholds = safetyThresholdsFrom(options.policy);
  assertJudgeAccepted(thresholds, options.judge.identity, options.policy.source);
  const judged = await judgeResponses(options.prompts, options.responses, options.judge);
  const report = evaluateSafety(
    {
      prompts: options.prompts,
      judged,
      datasetDigest: options.datasetDigest,
      responsesDigest: options.responsesDigest ?? responsesDigest(options.responses),
      judge: options.judge.identity,
    },
    { thresholds, ...judgingContext(options.policy, options.evaluatedAt) },
  );
  const run = await attestWithReport(options.subject, report.predicate, report, (predicate) => formatSafetyReport(options.subject, predicate, report), options.signing);
  return { ...run, report };
}

/** What the safety gate is asked: the model's answers to the pinned safety dataset, from a file or asked of an endpoint now. */
export interface SafetyGateRequest {
  subject: SubjectReference;
  /** The safety dataset (its digest must be the one policy data pins). */
  dataset: EvidenceSource;
  /** Responses produced elsewhere; exactly one of this and `endpoint`. */
  responses?: { source: EvidenceSource; format: ResponsesFormat };
  /** An OpenAI-compatible chat-completions endpoint to ask every prompt. */
  endpoint?: { url: string; model: string; system?: string; concurrency?: number; timeoutMs?: number; resumeFile?: string; apiKey?: string };
  /** An LLM judge of refusals (default: the rule-based judge); policy data must accept it. */
  judge?: { url: string; model: string; timeoutMs?: number; apiKey?: string };
  policy: VerifiedPolicyBundle;
}

/**
 * The safety gate's entry point (CLI, demo and server): the dataset is read
 * once (what is judged is what its digest names), a judge policy data does
 * not accept is refused before any prompt is asked, then the answers are
 * judged, signed and delivered to the sink.
 */
export async function safetyGate(request: SafetyGateRequest, context: GateContext): Promise<GateOutcome<SafetyPredicate> & { report: SafetyReport }> {
  if ((request.responses === undefined) === (request.endpoint === undefined)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --responses FILE and --endpoint URL' });
  const [dataset, subject] = await Promise.all([readSafetyDataset(request.dataset), gateSubject(request.subject, context)]);
  const prompts = dataset.rows;
  const judge = request.judge === undefined ? new RuleRefusalJudge() : new LLMJudge(request.judge);
  assertJudgeAccepted(safetyThresholdsFrom(request.policy), judge.identity, request.policy.source);
  let responses: Map<string, string>;
  let fileDigest: ArtifactDigest | undefined;
  if (request.responses !== undefined) {
    const file = await readEvidenceFile(request.responses.source);
    responses = parseResponses(file.text, evidenceName(request.responses.source), request.responses.format, prompts);
    fileDigest = file.digest;
  } else {
    const { concurrency, system, resumeFile, ...endpoint } = request.endpoint!;
    responses = await collectResponses(prompts, {
      endpoint,
      concurrency: concurrency ?? 4,
      ...(system === undefined ? {} : { system }),
      ...(resumeFile === undefined ? {} : { resumeFile }),
      ...progressOption(context, `asking ${endpoint.model}`, 'prompts'),
    });
  }
  const run = await runSafetyGate({
    subject,
    prompts,
    responses,
    ...(fileDigest === undefined ? {} : { responsesDigest: fileDigest }),
    datasetDigest: dataset.digest,
    judge,
    policy: request.policy,
    evaluatedAt: context.evaluatedAt,
    signing: context.signing,
  });
  return { ...(await deliverGateRun(run, context.sink)), report: run.report };
}
