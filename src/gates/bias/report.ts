import { figure } from '../gate.ts';
import type { BiasPredicate } from '../../attest/predicates.ts';
import type { BiasReport, GroupFigures } from './evaluate.ts';

/** A Markdown summary of a bias verdict, with the figures of every group. */
export function formatBiasReport(subject: { name: string; digest: string }, predicate: BiasPredicate, report: BiasReport): string {
  const table = (groups: GroupFigures[]) => [
    '| group | n | selection rate | TPR | FPR | ECE | Brier |',
    '|---|---|---|---|---|---|---|',
    ...groups.map((g) => `| ${g.name} | ${g.n}${g.n < (predicate.minGroupSize ?? 0) ? ' (too small)' : ''} | ${figure(g.selectionRate)} | ${figure(g.truePositiveRate)} | ${figure(g.falsePositiveRate)} | ${figure(g.calibrationError)} | ${figure(g.brier)} |`),
  ];
  const lines = [
    `# Bias gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Model \`${subject.name}\` (${subject.digest}) on evaluation data ${predicate.dataset.digest}; policy bundle ${predicate.policy?.digest ?? '(none)'}; minimum group size ${predicate.minGroupSize}.`,
    '',
    '| metric | value | 95% CI | threshold | verdict |',
    '|---|---|---|---|---|',
    ...predicate.metrics.map((m) => `| ${m.name} | ${figure(m.value)} | ${figure(m.ci.low)} to ${figure(m.ci.high)} | ${(predicate.thresholds as { metrics?: Record<string, number> }).metrics?.[m.name] ?? '-'} | ${m.verdict} |`),
    '',
    '## Intersectional groups',
    '',
    ...table(report.groups.intersectional),
  ];
  for (const [attribute, groups] of Object.entries(report.groups.byAttribute)) lines.push('', `## By ${attribute}`, '', ...table(groups));
  if (predicate.counterfactual !== undefined) lines.push('', `Counterfactual pairs: ${predicate.counterfactual.pairs}, outputs changed in ${figure(predicate.counterfactual.flipRate * 100)}%.`);
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${reason}`));
  return `${lines.join('\n')}\n`;
}
