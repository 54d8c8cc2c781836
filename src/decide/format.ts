import { gateRegistry } from '../gates/registry.ts';
import { compareCodeUnits } from '../canonical/compare.ts';
import type { Decision } from './decide.ts';
import { markdownText } from '../io/text.ts';

/** Bundles that went into the policy as rejected, with where they were found and why. */
export function rejectedBundles(decision: Decision): Array<{ id: string; location: string; reason: string }> {
  return decision.input.attestations.flatMap((record) => (record.verified ? [] : [{ id: record.id, location: decision.locations.get(record.id) ?? record.id, reason: record.reason }]));
}

/**
 * A decision as people read it: the verdict, a table of the stage's required
 * gates in chain order (status, signer with its policy ids, verdict), every
 * violation, and every bundle that was evidence of nothing.
 */
export function formatDecision(decision: Decision): string[] {
  const { result } = decision;
  const lines = [`${result.allowed ? 'ALLOWED' : 'DENIED'}: ${result.artifact} to ${result.stage}`, policyLine(decision), ...breakGlassLines(decision), ''];
  const table = [GATE_COLUMNS, ...gateRows(decision)];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) lines.push(`  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`);
  if (result.violations.length > 0) {
    lines.push('', 'violations:');
    for (const violation of result.violations) lines.push(`  [${violation.code}] ${violation.msg}`);
  }
  const rejected = rejectedBundles(decision);
  if (rejected.length > 0) {
    lines.push('', 'bundles that are evidence of nothing:');
    for (const record of rejected) lines.push(`  ${record.location}: ${record.reason}`);
  }
  return lines;
}

/** A line per break-glass override the decision rests on: an emergency is never shown as an ordinary allow. */
export function breakGlassLines(decision: Decision): string[] {
  return (decision.result.break_glass ?? []).map((override) => `BREAK-GLASS: ${override.signer} overrode the approval gate at ${override.at}: ${override.reason} (${override.attestation})`);
}

/**
 * The same decision as a Markdown summary (a CI job's step summary). Every
 * piece of text is escaped (markdownText): signer names, messages and file
 * names can come from whoever wrote a bundle into the store.
 */
export function formatDecisionMarkdown(decision: Decision): string {
  const { result } = decision;
  const row = (cells: readonly string[]) => `| ${cells.map(markdownText).join(' | ')} |`;
  const lines = [
    `### ${result.allowed ? 'ALLOWED' : 'DENIED'}: ${markdownText(result.artifact)} to ${markdownText(result.stage)}`,
    '',
    markdownText(policyLine(decision)),
    '',
    ...breakGlassLines(decision).flatMap((line) => [`**${markdownText(line)}**`, '']),
    row(GATE_COLUMNS),
    `|${GATE_COLUMNS.map(() => '---|').join('')}`,
    ...gateRows(decision).map(row),
  ];
  if (result.violations.length > 0) {
    lines.push('', '**Violations**', '');
    for (const violation of result.violations) lines.push(`- ${markdownText(`[${violation.code}] ${violation.msg}`)}`);
  }
  const rejected = rejectedBundles(decision);
  if (rejected.length > 0) {
    lines.push('', '**Bundles that are evidence of nothing**', '');
    // A store can hold any number of them; the summary keeps within what a CI page shows.
    for (const record of rejected.slice(0, MARKDOWN_REJECTED)) lines.push(`- ${markdownText(`${record.location}: ${record.reason}`)}`);
    if (rejected.length > MARKDOWN_REJECTED) lines.push(`- … and ${rejected.length - MARKDOWN_REJECTED} more (every one is in the JSON report)`);
  }
  return `${lines.join('\n')}\n`;
}

const GATE_COLUMNS = ['gate', 'status', 'signer', 'verdict'] as const;

// Rejected bundles a Markdown summary lists by name.
const MARKDOWN_REJECTED = 50;

function policyLine(decision: Decision): string {
  return `policy sha256:${decision.policy.digest.slice(0, 16)}… (revision ${decision.policy.revision.slice(0, 23)}…), evaluated at ${decision.input.evaluation_time}`;
}

// One row per gate the decision reports, in chain order: gate, status, signers with their policy ids, verdicts.
function gateRows(decision: Decision): string[][] {
  const { result, input } = decision;
  const ids = new Map(input.attestations.flatMap((record) => (record.verified ? [[record.signer.name, record.signer.ids] as const] : [])));
  const order = (gate: string) => {
    const names = gateRegistry.all().map((known) => known.name);
    const index = names.indexOf(gate);
    return index === -1 ? names.length : index;
  };
  return Object.entries(result.gates)
    .sort(([a], [b]) => order(a) - order(b) || compareCodeUnits(a, b))
    .map(([gate, report]) => [
      gate,
      report.status,
      report.signers.map((name) => `${shorten(name)}${(ids.get(name) ?? []).length > 0 ? ` (${ids.get(name)!.join(', ')})` : ''}`).join('; ') || '-',
      report.verdicts.join(', ') || '-',
    ]);
}

function shorten(name: string): string {
  return name.length > 36 ? `${name.slice(0, 35)}…` : name;
}
