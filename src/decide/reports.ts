import { junitXML, sarifLog, type JUnitCase, type ReportFormat } from '../io/report-formats.ts';
import type { Decision } from './decide.ts';
import { formatDecisionMarkdown, rejectedBundles } from './format.ts';

/** The report formats and their parser, re-exported where decision reports live. */
export { REPORT_FORMATS, parseReportRequest, type ReportFormat, type ReportRequest } from '../io/report-formats.ts';

/** The decision as `verify --json` prints it: the result, what it was judged under, and the bundles that were evidence of nothing. */
export function decisionSummary(decision: Decision, decisionRecord: string | null): Record<string, unknown> {
  return {
    ...decision.result,
    policy: { digest: `sha256:${decision.policy.digest}`, revision: decision.policy.revision },
    evaluationTime: decision.input.evaluation_time,
    evaluationTimeSource: decision.evaluationTimeSource,
    inputDigest: `sha256:${decision.inputDigest}`,
    rejected: rejectedBundles(decision),
    decisionRecord,
  };
}

/** A decision written in one report format. */
export async function decisionReport(decision: Decision, format: ReportFormat, decisionRecord: string | null): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(decisionSummary(decision, decisionRecord), null, 2)}\n`;
    case 'yaml': {
      // Loaded only for a YAML report, not with every command.
      const { stringify } = await import('yaml');
      return stringify(decisionSummary(decision, decisionRecord));
    }
    case 'markdown':
      return formatDecisionMarkdown(decision);
    case 'junit':
      return junitReport(decision);
    case 'sarif':
      return sarifReport(decision);
  }
}

/**
 * JUnit XML: one test case per gate the stage requires (failing when the gate
 * is not present or a violation names it) and one failing test case per
 * violation, so a CI system lists what blocked the promotion.
 */
function junitReport(decision: Decision): string {
  const { result } = decision;
  const gates = Object.entries(result.gates).map(([gate, report]): JUnitCase => {
    const against = result.violations.filter((violation) => violation.gate === gate);
    const fails = report.status !== 'present' || against.length > 0;
    return {
      classname: 'gatehouse.gates',
      name: gate,
      ...(fails
        ? { failure: { type: against[0]?.code ?? report.status, message: against[0]?.msg ?? `${gate} is ${report.status}`, body: against.map((v) => `[${v.code}] ${v.msg}`).join('\n') || `${gate} is ${report.status}` } }
        : {}),
    };
  });
  const violations = result.violations.map((violation): JUnitCase => ({
    classname: `gatehouse.violations.${violation.gate || 'policy'}`,
    name: `[${violation.code}] ${violation.msg}`,
    failure: { type: violation.code, message: violation.msg, body: violation.title },
  }));
  return junitXML(`gatehouse verify ${result.artifact} to ${result.stage}: ${result.allowed ? 'ALLOWED' : 'DENIED'}`, decision.input.evaluation_time, [...gates, ...violations]);
}

/** SARIF 2.1.0: one result per violation, its rule the violation's code; the run says whether promotion was allowed. */
function sarifReport(decision: Decision): string {
  const { result } = decision;
  return sarifLog(
    decision.engine,
    new Map(result.violations.map((violation) => [violation.code, violation.title])),
    { allowed: result.allowed, artifact: result.artifact, stage: result.stage, policy: `sha256:${decision.policy.digest}`, evaluationTime: decision.input.evaluation_time },
    result.violations.map((violation) => ({ ruleId: violation.code, message: violation.msg, location: violation.gate || 'policy' })),
  );
}
