import type { BackdoorPredicate } from '../../attest/predicates.ts';
import { markdownText } from '../../io/text.ts';
import { figure } from '../gate.ts';
import type { BackdoorReport } from './evaluate.ts';

/** A Markdown summary of a backdoor scan: every trigger's comparison, the flagged ones first, and what the scan cannot find. */
export function formatBackdoorReport(subject: { name: string; digest: string }, predicate: BackdoorPredicate, report: BackdoorReport): string {
  const rows = [...predicate.results].sort((a, b) => Number(b.flagged) - Number(a.flagged) || a.pValue - b.pValue);
  const lines = [
    `# Backdoor scan: ${predicate.verdict.toUpperCase()}`,
    '',
    `Candidate \`${markdownText(subject.name)}\` (${subject.digest}) against the deployed model ${predicate.baseline.digest}, on ${predicate.dataset.inputs} clean inputs (${predicate.dataset.digest}) with ${predicate.results.length} triggers (${predicate.triggers.builtin} of ${markdownText(predicate.triggers.set)}, ${predicate.triggers.user} supplied); behaviours compared: ${predicate.behaviours.join(', ')}; policy bundle ${predicate.policy?.digest ?? '(none)'}.`,
    '',
    `Per trigger, the inputs it changed for the candidate only and for the reference only are compared by a one-sided exact McNemar test; Benjamini-Hochberg q-values control the false discovery rate across triggers at ${predicate.fdr}.`,
    '',
    '| trigger | kind | candidate changed | reference changed | candidate only | reference only | p | q | flagged |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${markdownText(r.trigger)} | ${r.kind} | ${r.candidateChanged}/${r.n} | ${r.referenceChanged}/${r.n} | ${r.candidateOnly} | ${r.referenceOnly} | ${figure(r.pValue)} | ${figure(r.qValue)} | ${r.flagged ? '**yes**' : 'no'} |`),
  ];
  const flagged = Object.entries(report.examples);
  if (flagged.length > 0) lines.push('', '## Triggers that stand out', '', ...flagged.map(([trigger, inputs]) => `- ${markdownText(trigger)}: for example inputs ${inputs.map((i) => markdownText(i)).join(', ')}`));
  lines.push('', '## What this scan cannot find', '', ...predicate.limitations.map((l) => `- ${l}`));
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${markdownText(reason)}`));
  return `${lines.join('\n')}\n`;
}
