import type { RobustnessPredicate } from '../../attest/predicates.ts';
import type { SubjectReference } from '../../digest/artifact.ts';
import { InputError } from '../../error.ts';
import { evidenceName, readEvidenceFile, type EvidenceSource } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { attestWithReport, gateThresholds, judgingContext } from '../gate.ts';
import { responsesDigest } from '../safety/index.ts';
import { collectResponses } from '../safety/endpoint.ts';
import { parseResponses } from '../safety/responses.ts';
import { deliverGateRun, gateSubject, progressOption, type GateContext, type GateOutcome } from '../workflow.ts';
import { readRobustnessDataset } from './dataset.ts';
import { evaluateRobustness, type RobustnessInputs, type RobustnessReport, type RobustnessThresholds } from './evaluate.ts';
import { formatRobustnessReport } from './report.ts';
import { garakTrials, judgeAttacks, predictionTrials, promptfooTrials, type RobustnessSource } from './sources.ts';

/** What the robustness gate is asked: one source of trials. */
export interface RobustnessGateRequest {
  subject: SubjectReference;
  /** gatehouse's attack set (its digest must be the one policy data pins), with the model's responses from a file or asked of an endpoint now. */
  attacks?: {
    dataset: EvidenceSource;
    responses?: EvidenceSource;
    endpoint?: { url: string; model: string; concurrency?: number; timeoutMs?: number; resumeFile?: string; apiKey?: string };
  };
  /** A garak report.jsonl or promptfoo red-team results, judged by their own detectors and graders. */
  report?: { source: EvidenceSource; format: 'garak' | 'promptfoo' };
  /** A classifier's predictions on clean inputs and on perturbed copies. */
  predictions?: { clean: EvidenceSource; perturbed: EvidenceSource };
  policy: VerifiedPolicyBundle;
}

/** Refuses, before anything is asked or judged, a source policy data does not accept. */
function assertSourceAccepted(thresholds: RobustnessThresholds, source: RobustnessSource, policy: string): void {
  if (!thresholds.sources.includes(source)) {
    throw new InputError({ code: 'USAGE', message: `robustness trials from ${source} are not a source policy data accepts (data.gatehouse.thresholds.robustness.sources: ${thresholds.sources.join(', ')})`, path: policy });
  }
}

/**
 * The robustness gate's entry point: reads one source of trials (the pinned
 * attack set answered from a file or an endpoint, a garak report, promptfoo
 * red-team results, or clean and perturbed predictions), judges each family's
 * rate against the policy's maxima, signs the verdict with its report's
 * digest, and delivers it to the sink.
 */
export async function robustnessGate(request: RobustnessGateRequest, context: GateContext): Promise<GateOutcome<RobustnessPredicate> & { report: RobustnessReport }> {
  const given = [request.attacks, request.report, request.predictions].filter((x) => x !== undefined).length;
  if (given !== 1) throw new InputError({ code: 'USAGE', message: 'pass exactly one source: --dataset with --responses or --endpoint, --garak or --promptfoo, or --clean with --perturbed' });
  const thresholds = gateThresholds<RobustnessThresholds>(request.policy, 'robustness');
  const source: RobustnessSource = request.attacks !== undefined ? 'gatehouse' : request.report !== undefined ? request.report.format : 'predictions';
  assertSourceAccepted(thresholds, source, request.policy.source);
  const subject = await gateSubject(request.subject, context);
  let inputs: RobustnessInputs;
  if (request.attacks !== undefined) {
    const { dataset: datasetSource, responses: responsesSource, endpoint } = request.attacks;
    if ((responsesSource === undefined) === (endpoint === undefined)) throw new InputError({ code: 'USAGE', message: 'pass exactly one of --responses FILE and --endpoint URL' });
    const dataset = await readRobustnessDataset(datasetSource);
    const attacks = dataset.rows;
    let responses: Map<string, string>;
    let digest: string;
    if (responsesSource !== undefined) {
      const file = await readEvidenceFile(responsesSource);
      // Responses are matched by id: the attack's conversation is not one prompt text.
      responses = parseResponses(file.text, evidenceName(responsesSource), 'jsonl', attacks.map((a) => ({ id: a.id, prompt: a.id })));
      digest = file.digest;
    } else {
      const { concurrency, resumeFile, ...chat } = endpoint!;
      responses = await collectResponses(
        // Each attack is sent as its whole conversation (messages); prompt only names it.
        attacks.map((a) => ({ id: a.id, prompt: a.id, messages: a.messages })),
        { endpoint: chat, concurrency: concurrency ?? 4, ...(resumeFile === undefined ? {} : { resumeFile }), ...progressOption(context, `attacking ${chat.model}`, 'prompts') },
      );
      digest = responsesDigest(responses);
    }
    inputs = { source, trials: judgeAttacks(attacks, responses), sourceDigest: digest, dataset: { digest: dataset.digest, attacks: attacks.length } };
  } else if (request.report !== undefined) {
    const file = await readEvidenceFile(request.report.source);
    const name = evidenceName(request.report.source);
    inputs = { source, trials: request.report.format === 'garak' ? garakTrials(file.text, name) : promptfooTrials(file.text, name), sourceDigest: file.digest };
  } else {
    const [clean, perturbed] = await Promise.all([readEvidenceFile(request.predictions!.clean), readEvidenceFile(request.predictions!.perturbed)]);
    const trials = predictionTrials({ text: clean.text, path: evidenceName(request.predictions!.clean) }, { text: perturbed.text, path: evidenceName(request.predictions!.perturbed) });
    inputs = { source, trials, sourceDigest: perturbed.digest, cleanDigest: clean.digest };
  }
  const report = evaluateRobustness(inputs, { thresholds, ...judgingContext(request.policy, context.evaluatedAt) });
  const run = await attestWithReport(subject, report.predicate, report, (predicate) => formatRobustnessReport(subject, predicate, report), context.signing);
  return { ...(await deliverGateRun(run, context.sink)), report };
}
