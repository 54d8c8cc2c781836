import { figure } from '../gate.ts';
import type { RegressionPredicate } from '../../attest/predicates.ts';
import type { RegressionReport } from './evaluate.ts';

/** A Markdown summary of a regression verdict, for the people who approve promotions. */
export function formatRegressionReport(subject: { name: string; digest: string }, predicate: RegressionPredicate, report: RegressionReport): string {
  const lines = [
    `# Regression gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Candidate \`${subject.name}\` (${subject.digest}) against the deployed baseline ${predicate.baseline.digest},`,
    `on ${predicate.evaluationSet.examples} paired examples of evaluation set ${predicate.evaluationSet.digest}.`,
    `Policy bundle ${predicate.policy?.digest ?? '(none)'}; ${predicate.metrics[0]?.ci.level ?? 0.95} confidence; bootstrap seed ${predicate.seed}.`,
    '',
    '| metric | baseline | candidate | change | 95% CI | tolerance | verdict |',
    '|---|---|---|---|---|---|---|',
    ...predicate.metrics.map((m) => `| ${m.name} | ${figure(m.baseline)} | ${figure(m.candidate)} | ${figure(m.delta)}${m.scale === 'relative' ? ' (relative)' : ''} | ${figure(m.ci.low)} to ${figure(m.ci.high)} | ${m.tolerance ?? '-'} | ${m.verdict} |`),
  ];
  const slices = predicate.slices ?? [];
  if (slices.length > 0) {
    lines.push('', '## Slices', '', '| slice | metric | n | change | 95% CI | q | verdict |', '|---|---|---|---|---|---|---|');
    for (const s of slices) lines.push(`| ${s.name} | ${s.metric} | ${s.n} | ${figure(s.delta)} | ${figure(s.ci.low)} to ${figure(s.ci.high)} | ${figure(s.qValue)} | ${s.verdict} |`);
  }
  if (report.smallSlices.length > 0) lines.push('', `Slices below the minimum size, not judged: ${report.smallSlices.map((s) => `${s.name} (n = ${s.n})`).join(', ')}.`);
  const unmatched = report.unmatchedIds.candidate.length + report.unmatchedIds.baseline.length;
  if (unmatched > 0) lines.push('', `Unpaired examples, not compared: ${report.unmatchedIds.candidate.length} candidate, ${report.unmatchedIds.baseline.length} baseline (ids in the JSON report).`);
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${reason}`));
  return `${lines.join('\n')}\n`;
}
