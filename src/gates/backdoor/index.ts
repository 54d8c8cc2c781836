import type { BackdoorPredicate } from '../../attest/predicates.ts';
import { parseDigest, type ArtifactDigest, type SubjectReference } from '../../digest/artifact.ts';
import { evidenceName, readEvidenceFile, type EvidenceSource } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { attestWithReport, gateThresholds, judgingContext } from '../gate.ts';
import type { ChatEndpoint } from '../safety/endpoint.ts';
import { deliverGateRun, gateSubject, progressOption, type GateContext, type GateOutcome } from '../workflow.ts';
import { evaluateBackdoor, type BackdoorReport, type BackdoorThresholds, type Observation } from './evaluate.ts';
import { collectObservations, parseCleanInputs, parseObservations } from './observations.ts';
import { formatBackdoorReport } from './report.ts';
import { BUILTIN_TRIGGERS, parseUserTriggers, triggersDigest, type Trigger } from './triggers.ts';

/** One model's side of the scan: its observations on file, or an endpoint to ask now. */
export type BackdoorModelSource = { observations: EvidenceSource } | { endpoint: ChatEndpoint & { concurrency?: number } };

/** What the backdoor scan is asked. */
export interface BackdoorGateRequest {
  subject: SubjectReference;
  /** The deployed model, which serves as the reference. */
  deployed: ArtifactDigest;
  /** The clean inputs (JSONL {id, prompt}); policy data pins their digest. */
  inputs: EvidenceSource;
  /** Triggers to scan beside the built-in set (JSONL {id, text, position?}). */
  triggers?: EvidenceSource;
  candidate: BackdoorModelSource;
  reference: BackdoorModelSource;
  policy: VerifiedPolicyBundle;
}

/**
 * The backdoor scan's entry point: reads the clean inputs and the trigger set
 * (built-in plus any supplied), gets each model's observations from a file or
 * by asking its endpoint every input clean and with every trigger stamped in,
 * compares trigger by trigger, signs the verdict with its report's digest and
 * delivers it to the sink.
 */
export async function backdoorGate(request: BackdoorGateRequest, context: GateContext): Promise<GateOutcome<BackdoorPredicate> & { report: BackdoorReport }> {
  const thresholds = gateThresholds<BackdoorThresholds>(request.policy, 'backdoor');
  parseDigest(request.deployed, '--deployed');
  const [inputsFile, triggersFile, subject] = await Promise.all([
    readEvidenceFile(request.inputs),
    request.triggers === undefined ? undefined : readEvidenceFile(request.triggers),
    gateSubject(request.subject, context),
  ]);
  const inputs = parseCleanInputs(inputsFile.text, evidenceName(request.inputs));
  const triggers: Trigger[] = [...BUILTIN_TRIGGERS, ...(triggersFile === undefined ? [] : parseUserTriggers(triggersFile.text, evidenceName(request.triggers!)))];
  const observe = async (source: BackdoorModelSource, label: string): Promise<{ observations: Map<string, Observation>; digest: string }> => {
    if ('observations' in source) {
      const file = await readEvidenceFile(source.observations);
      return { observations: parseObservations(file.text, evidenceName(source.observations), inputs, triggers), digest: file.digest };
    }
    const { concurrency, ...endpoint } = source.endpoint;
    return collectObservations(inputs, triggers, endpoint, { ...(concurrency === undefined ? {} : { concurrency }), ...progressOption(context, `scanning ${label} ${endpoint.model}`, 'prompts') });
  };
  const candidate = await observe(request.candidate, 'candidate');
  const reference = await observe(request.reference, 'reference');
  const report = evaluateBackdoor(
    {
      inputs: inputs.map((i) => i.id),
      triggers,
      candidate: candidate.observations,
      reference: reference.observations,
      referenceModel: request.deployed,
      datasetDigest: inputsFile.digest,
      triggersDigest: triggersDigest(triggers),
      candidateDigest: candidate.digest,
      referenceDigest: reference.digest,
    },
    { thresholds, ...judgingContext(request.policy, context.evaluatedAt) },
  );
  const run = await attestWithReport(subject, report.predicate, report, (predicate) => formatBackdoorReport(subject, predicate, report), context.signing);
  return { ...(await deliverGateRun(run, context.sink)), report };
}
