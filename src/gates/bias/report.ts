import type { BiasPredicate } from '../../attest/predicates.ts';
import type { BiasReport, GroupFigures } from './evaluate.ts';

/** A Markdown summary of a bias verdict, with the figures of every group. */
export function formatBiasReport(subject: { name: string; digest: string }, predicate: BiasPredicate, report: BiasReport): string {
  const n = (value: number | null | undefined) => (value === null || value === undefined ? '-' : Number(value.toPrecision(4)).toString());
  const table = (groups: GroupFigures[]) => [
    '| group | n | selection rate | TPR | FPR | ECE | Brier |',
    '|---|---|---|---|---|---|---|',
    ...groups.map((g) => `| ${g.name} | ${g.n}${g.n < (predicate.minGroupSize ?? 0) ? ' (too small)' : ''} | ${n(g.selectionRate)} | ${n(g.truePositiveRate)} | ${n(g.falsePositiveRate)} | ${n(g.calibrationError)} | ${n(g.brier)} |`),
  ];
  const lines = [
    `# Bias gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Model \`${subject.name}\` (${subject.digest}) on evaluation data ${predicate.dataset.digest}; policy bundle ${predicate.policy?.digest ?? '(none)'}; minimum group size ${predicate.minGroupSize}.`,
    '',
    '| metric | value | 95% CI | threshold | verdict |',
    '|---|---|---|---|---|',
    ...predicate.metrics.map((m) => `| ${m.name} | ${n(m.value)} | ${n(m.ci.low)} to ${n(m.ci.high)} | ${(predicate.thresholds as { metrics?: Record<string, number> }).metrics?.[m.name] ?? '-'} | ${m.verdict} |`),
    '',
    '## Intersectional groups',
    '',
    ...table(report.groups.intersectional),
  ];
  for (const [attribute, groups] of Object.entries(report.groups.byAttribute)) lines.push('', `## By ${attribute}`, '', ...table(groups));
  if (predicate.counterfactual !== undefined) lines.push('', `Counterfactual pairs: ${predicate.counterfactual.pairs}, outputs changed in ${n(predicate.counterfactual.flipRate * 100)}%.`);
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${reason}`));
  return `${lines.join('\n')}\n`;
}
