import type { GatePredicateBase } from '../attest/predicates.ts';
import { junitXML, sarifLog, type ReportFormat } from '../io/report-formats.ts';
import type { GateOutcome } from './workflow.ts';

/** A gate verdict as `gate … --json` summarises it: what was judged, the verdict and why, where the attestation and report went. */
export function gateSummary(outcome: GateOutcome<GatePredicateBase>): Record<string, unknown> {
  const predicate = outcome.statement.predicate!;
  return {
    gate: predicate.gate,
    verdict: predicate.verdict,
    subject: outcome.subject,
    predicateType: outcome.statement.predicateType,
    evaluatedAt: predicate.evaluatedAt,
    policy: predicate.policy,
    reasons: predicate.reasons,
    attestation: outcome.attestation,
    ...(outcome.reportFiles === undefined ? {} : { report: outcome.reportFiles }),
  };
}

/**
 * A gate verdict in one report format: JUnit has one test case, the gate,
 * failing on any verdict but pass with its reasons; SARIF has one result per
 * reason, its rule the verdict.
 */
export async function gateReport(outcome: GateOutcome<GatePredicateBase>, format: ReportFormat): Promise<string> {
  const predicate = outcome.statement.predicate!;
  const passed = predicate.verdict === 'pass';
  switch (format) {
    case 'json':
      return `${JSON.stringify(gateSummary(outcome), null, 2)}\n`;
    case 'yaml': {
      const { stringify } = await import('yaml');
      return stringify(gateSummary(outcome));
    }
    case 'markdown':
      return outcome.markdown;
    case 'junit':
      return junitXML(`gatehouse gate ${predicate.gate} ${outcome.subject}: ${predicate.verdict.toUpperCase()}`, predicate.evaluatedAt, [
        {
          classname: 'gatehouse.gates',
          name: predicate.gate,
          ...(passed ? {} : { failure: { type: predicate.verdict, message: predicate.reasons[0] ?? predicate.verdict, body: predicate.reasons.join('\n') || predicate.verdict } }),
        },
      ]);
    case 'sarif': {
      const rule = `gate_${predicate.verdict.replaceAll('-', '_')}`;
      return sarifLog(
        predicate.engine,
        passed ? new Map() : new Map([[rule, `${predicate.gate} gate: ${predicate.verdict}`]]),
        { gate: predicate.gate, verdict: predicate.verdict, artifact: outcome.subject, evaluatedAt: predicate.evaluatedAt },
        passed ? [] : (predicate.reasons.length > 0 ? predicate.reasons : [predicate.verdict]).map((reason) => ({ ruleId: rule, message: reason, location: predicate.gate })),
      );
    }
  }
}
