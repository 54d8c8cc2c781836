import type { GatePredicateBase } from '../../attest/predicates.ts';
import { judgedBase } from '../gate.ts';

/** The engagement a red-team report covers. */
export interface Engagement {
  id: string;
  team?: string;
  scope: string[];
  start: string;
  end: string;
}

/** One finding: its severity on the policy's scale, its status and its evidence by digest. */
export interface Finding {
  id: string;
  title: string;
  severity: string;
  status: 'open' | 'mitigated' | 'accepted';
  /** The signer id (signers.yaml) of the risk owner who must sign its acceptance; required when accepted. */
  riskOwner?: string;
  evidence: string[];
}

/** A findings file as the red team writes it. */
export interface FindingsFile {
  engagement: Engagement;
  /** The model the engagement covered. */
  model: string;
  findings: Finding[];
}

/** The red-team thresholds in policy data (data.gatehouse.thresholds.redteam). */
export interface RedteamThresholds {
  /** Severity names, lowest first. */
  severities: string[];
  /** An open finding at this severity or above blocks. */
  block_at: string;
  /** Signer ids whose signed acceptance of a finding counts. */
  risk_owners: string[];
  max_engagement_age_seconds: number;
}

/** Red-team sign-off predicate. */
export interface RedteamPredicate extends GatePredicateBase<'redteam'> {
  engagement: Engagement;
  model: { digest: string };
  findings: Finding[];
}

export interface RedteamInputs {
  /** The model being judged (the attestation's subject). */
  subject: string;
  report: FindingsFile;
  /** sha256 of the findings file. */
  reportDigest: string;
}

export interface RedteamConfig {
  evaluatedAt: string;
  policyDigest: string;
  thresholds: RedteamThresholds;
}

/** Rank of a severity on the scale, -1 when it is not on it. */
export function severityRank(thresholds: RedteamThresholds, severity: string): number {
  return thresholds.severities.indexOf(severity);
}

/**
 * Judges a red-team report: pass exactly when it covers this model, the
 * engagement has ended and not too long ago, and no finding at or above the
 * blocking severity is open. Accepted findings need a risk owner's signed
 * acceptance, which the policy checks (it may be signed after this report).
 */
export function evaluateRedteam(inputs: RedteamInputs, config: RedteamConfig): RedteamPredicate {
  const { report, subject } = inputs;
  const { thresholds } = config;
  const reasons: string[] = [];
  if (report.model !== subject) reasons.push(`the report covers model ${report.model}, not ${subject}`);
  const evaluated = Date.parse(config.evaluatedAt);
  const end = Date.parse(report.engagement.end);
  if (end > evaluated) reasons.push(`engagement ${report.engagement.id} ends ${report.engagement.end}, after the evaluation time`);
  else if (evaluated - end > thresholds.max_engagement_age_seconds * 1000) {
    reasons.push(`engagement ${report.engagement.id} ended ${report.engagement.end}, more than ${thresholds.max_engagement_age_seconds} s before the evaluation`);
  }
  const blocking = severityRank(thresholds, thresholds.block_at);
  for (const finding of report.findings) {
    if (finding.status === 'open' && severityRank(thresholds, finding.severity) >= blocking) {
      reasons.push(`finding ${finding.id} (${finding.severity}) is open; open findings at or above ${thresholds.block_at} block`);
    }
  }
  const verdict = reasons.length === 0 ? 'pass' : 'fail';
  return {
    ...judgedBase('redteam', verdict, reasons, { evaluatedAt: config.evaluatedAt, policyDigest: config.policyDigest, thresholds }),
    evidence: [
      { role: 'findings', digest: `sha256:${inputs.reportDigest}` },
      ...report.findings.flatMap((finding) => finding.evidence.map((digest) => ({ role: 'finding-evidence', digest, name: finding.id }))),
    ],
    engagement: report.engagement,
    model: { digest: report.model },
    findings: report.findings,
  };
}
