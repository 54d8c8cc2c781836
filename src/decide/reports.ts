import { InputError } from '../error.ts';
import { compareCodeUnits } from '../canonical/compare.ts';
import type { Decision } from './decide.ts';
import { formatDecisionMarkdown, rejectedBundles } from './format.ts';

/** The report formats a decision can be written in (Conforma's `--output FORMAT=FILE` convention). */
export const REPORT_FORMATS = ['json', 'yaml', 'junit', 'sarif', 'markdown'] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One `--output FORMAT=FILE` request. */
export interface ReportRequest {
  format: ReportFormat;
  path: string;
}

/** Parses `FORMAT=FILE`; anything else is bad input naming the flag and the formats. */
export function parseReportRequest(value: string): ReportRequest {
  const at = value.indexOf('=');
  const format = at === -1 ? value : value.slice(0, at);
  const path = at === -1 ? '' : value.slice(at + 1);
  if (!(REPORT_FORMATS as readonly string[]).includes(format) || path === '') {
    throw new InputError({ code: 'USAGE', message: `--output: expected FORMAT=FILE with FORMAT one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(value)}` });
  }
  return { format: format as ReportFormat, path };
}

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
      return `${JSON.stringify(sarifReport(decision), null, 2)}\n`;
  }
}

/**
 * JUnit XML: one test case per gate the stage requires (failing when the gate
 * is not present or a violation names it) and one failing test case per
 * violation, so a CI system lists what blocked the promotion.
 */
function junitReport(decision: Decision): string {
  const { result } = decision;
  let failingGates = 0;
  const gates = Object.entries(result.gates).map(([gate, report]) => {
    const against = result.violations.filter((violation) => violation.gate === gate);
    const fails = report.status !== 'present' || against.length > 0;
    if (fails) failingGates++;
    const failure =
      fails
        ? `\n      <failure type="${xml(against[0]?.code ?? report.status)}" message="${xml(against[0]?.msg ?? `${gate} is ${report.status}`)}">${xml(against.map((v) => `[${v.code}] ${v.msg}`).join('\n') || `${gate} is ${report.status}`)}</failure>\n    `
        : '';
    return `    <testcase classname="gatehouse.gates" name="${xml(gate)}">${failure}</testcase>`;
  });
  const violations = result.violations.map(
    (violation) => `    <testcase classname="gatehouse.violations.${xml(violation.gate || 'policy')}" name="${xml(`[${violation.code}] ${violation.msg}`)}">\n      <failure type="${xml(violation.code)}" message="${xml(violation.msg)}">${xml(violation.title)}</failure>\n    </testcase>`,
  );
  const failures = failingGates + violations.length;
  const tests = gates.length + violations.length;
  const name = `gatehouse verify ${result.artifact} to ${result.stage}: ${result.allowed ? 'ALLOWED' : 'DENIED'}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gatehouse" tests="${tests}" failures="${failures}">`,
    `  <testsuite name="${xml(name)}" tests="${tests}" failures="${failures}" timestamp="${xml(decision.input.evaluation_time)}">`,
    ...gates,
    ...violations,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** SARIF 2.1.0: one result per violation, its rule the violation's code; the run says whether promotion was allowed. */
function sarifReport(decision: Decision): Record<string, unknown> {
  const { result } = decision;
  const codes = [...new Map(result.violations.map((violation) => [violation.code, violation.title])).entries()].sort(([a], [b]) => compareCodeUnits(a, b));
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: decision.engine.name,
            version: decision.engine.version,
            rules: codes.map(([code, title]) => ({ id: code, shortDescription: { text: title } })),
          },
        },
        invocations: [{ executionSuccessful: true, properties: { allowed: result.allowed, artifact: result.artifact, stage: result.stage, policy: `sha256:${decision.policy.digest}`, evaluationTime: decision.input.evaluation_time } }],
        results: result.violations.map((violation) => ({
          ruleId: violation.code,
          level: 'error',
          message: { text: sarifText(violation.msg) },
          locations: [{ logicalLocations: [{ name: violation.gate || 'policy', kind: 'module' }] }],
        })),
      },
    ],
  };
}

// SARIF message text reads [text](target) as a link: brackets and backslashes escaped are shown as written.
function sarifText(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

// XML text and attribute content: markup characters, and the line breaks and tabs attribute
// values would lose, as character references; characters XML 1.0 cannot hold at all as \uXXXX.
function xml(text: string): string {
  return text
    .replace(/[&<>"'\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[c]!)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
