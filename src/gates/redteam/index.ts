import { parse as parseYAML } from 'yaml';
import findingsSchema from '../../attest/schemas/redteam-findings.schema.json' with { type: 'json' };
import type { ArtifactDigest, SubjectReference } from '../../digest/artifact.ts';
import { InputError, describeThrown } from '../../error.ts';
import { parseJSONText, readTextFile } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { attestGate, gateThresholds, judgingContext } from '../gate.ts';
import { deliverGateRun, gateSubject, type GateContext, type GateOutcome } from '../workflow.ts';
import { evaluateRedteam, severityRank, type FindingsFile, type RedteamPredicate, type RedteamThresholds } from './evaluate.ts';
import './definition.ts';

const findingsValidator: SchemaValidator<FindingsFile> = compileSchema<FindingsFile>(findingsSchema);

/** The red-team thresholds a verified policy bundle sets, with block_at on its own scale. */
export function redteamThresholdsFrom(policy: VerifiedPolicyBundle): RedteamThresholds {
  const thresholds = gateThresholds<RedteamThresholds>(policy, 'redteam');
  if (severityRank(thresholds, thresholds.block_at) < 0) {
    throw new InputError({ code: 'SCHEMA_INVALID', message: `redteam thresholds: block_at ${thresholds.block_at} is not on the severity scale (${thresholds.severities.join(', ')})`, path: `${policy.source}:data.json` });
  }
  return thresholds;
}

/**
 * Reads a findings file (JSON, or YAML when it ends in .yaml or .yml) and
 * checks it against its schema and the policy's severity scale: an unknown
 * severity, a finding named twice or an engagement that ends before it starts
 * is refused, naming the file.
 */
export async function readFindings(path: string, thresholds: RedteamThresholds): Promise<{ report: FindingsFile; digest: string }> {
  const text = await readTextFile(path);
  let parsed: unknown;
  if (/\.ya?ml$/i.test(path)) {
    try {
      parsed = parseYAML(text);
    } catch (cause) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `not valid YAML: ${describeThrown(cause).split('\n')[0]}`, path, cause });
    }
  } else {
    parsed = parseJSONText(text, path);
  }
  findingsValidator.assert(parsed, path, 'red-team findings file');
  const report = parsed;
  const refuse = (message: string) => new InputError({ code: 'SCHEMA_INVALID', message, path });
  if (Date.parse(report.engagement.end) < Date.parse(report.engagement.start)) throw refuse(`engagement ${report.engagement.id} ends before it starts`);
  const seen = new Set<string>();
  for (const finding of report.findings) {
    if (seen.has(finding.id)) throw refuse(`finding ${finding.id} is listed twice`);
    seen.add(finding.id);
    if (severityRank(thresholds, finding.severity) < 0) throw refuse(`finding ${finding.id} has severity ${finding.severity}, not on the policy's scale (${thresholds.severities.join(', ')})`);
  }
  return { report, digest: sha256Hex(text) };
}

/** What the red-team gate is asked: does this findings file sign off the model? */
export interface RedteamGateRequest {
  subject: SubjectReference;
  findings: string;
  policy: VerifiedPolicyBundle;
}

/**
 * The red team's report on a model, unsigned: the findings file read and
 * checked, judged against policy data as of `evaluatedAt`. What
 * `gatehouse redteam report` prints and the gate signs.
 */
export async function redteamReport(request: RedteamGateRequest, context: Pick<GateContext, 'evaluatedAt' | 'progress'>): Promise<{ subject: { name: string; digest: ArtifactDigest }; predicate: RedteamPredicate }> {
  const thresholds = redteamThresholdsFrom(request.policy);
  const { report, digest } = await readFindings(request.findings, thresholds);
  const subject = await gateSubject(request.subject, context);
  const { policyDigest, evaluatedAt } = judgingContext(request.policy, context.evaluatedAt);
  return { subject, predicate: evaluateRedteam({ subject: subject.digest, report, reportDigest: digest }, { evaluatedAt, policyDigest, thresholds }) };
}

/** The red-team gate's entry point: read and check the findings, judge them against policy data, sign as the red team, deliver. */
export async function redteamGate(request: RedteamGateRequest, context: GateContext): Promise<GateOutcome<RedteamPredicate>> {
  const { subject, predicate } = await redteamReport(request, context);
  return deliverGateRun(await attestGate(subject, predicate, context.signing), context.sink);
}
