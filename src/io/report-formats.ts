// The CI report formats gatehouse writes (Conforma's `--output FORMAT=FILE`
// convention), rendered once for decisions and gate verdicts alike.
import { compareCodeUnits } from '../canonical/compare.ts';
import { InputError } from '../error.ts';

/** The report formats a decision or a gate verdict can be written in. */
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

/** One JUnit test case; a failure makes it fail. */
export interface JUnitCase {
  classname: string;
  name: string;
  failure?: { type: string; message: string; body: string };
}

/** JUnit XML: one suite of `cases`, every piece of text escaped. */
export function junitXML(suite: string, timestamp: string, cases: readonly JUnitCase[]): string {
  const failures = cases.filter((test) => test.failure !== undefined).length;
  const rendered = cases.map((test) => {
    const failure = test.failure === undefined ? '' : `\n      <failure type="${xml(test.failure.type)}" message="${xml(test.failure.message)}">${xml(test.failure.body)}</failure>\n    `;
    return `    <testcase classname="${xml(test.classname)}" name="${xml(test.name)}">${failure}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gatehouse" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" timestamp="${xml(timestamp)}">`,
    ...rendered,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** One SARIF result: the rule it breaks, its message, where (a logical location). */
export interface SARIFResult {
  ruleId: string;
  message: string;
  location: string;
}

/** A SARIF 2.1.0 log of one run: the rules the results name (with their titles), what the run was about, the results. */
export function sarifLog(engine: { name: string; version: string }, rules: ReadonlyMap<string, string>, properties: Record<string, unknown>, results: readonly SARIFResult[]): string {
  const sorted = [...rules].sort(([a], [b]) => compareCodeUnits(a, b));
  const log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: engine.name, version: engine.version, rules: sorted.map(([id, title]) => ({ id, shortDescription: { text: title } })) } },
        invocations: [{ executionSuccessful: true, properties }],
        results: results.map((result) => ({
          ruleId: result.ruleId,
          level: 'error',
          message: { text: sarifText(result.message) },
          locations: [{ logicalLocations: [{ name: result.location, kind: 'module' }] }],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
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
