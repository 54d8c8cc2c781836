import { markdownText } from '../../io/text.ts';
import { figure } from '../gate.ts';
import type { BiasPredicate } from '../../attest/predicates.ts';
import { FAIRNESS_METRICS, type BiasReport, type GroupFigures } from './evaluate.ts';

/** What each bias verdict requires at a confidence level, for readers of the report. */
export function biasVerdictRules(level: number): string[] {
  return [
    `- **pass**: every metric policy data sets has its whole ${figure(level * 100)}% interval on the fair side of its limit (at or below a maximum, at or above the parity ratio's minimum), every group has at least the minimum size, and every dataset row has a prediction.`,
    '- **fail**: some metric\'s whole interval lies beyond its limit, judged on the groups of at least the minimum size: the evidence shows the gap.',
    '- **insufficient evidence**: anything else: an interval that straddles a limit, a group below the minimum size, an unanswered dataset row, a metric that cannot be computed (no scores, no counterfactual pairs, a rate undefined in a group).',
    '',
    "Intervals hold for all groups at once: pairwise Newcombe (differences) or Koopman (ratios) intervals with Bonferroni across pairs, and for calibration a bound on each group's binned-ECE sampling error with Šidák across groups.",
  ];
}

/** A Markdown summary of a bias verdict, with the figures of every group. */
export function formatBiasReport(subject: { name: string; digest: string }, predicate: BiasPredicate, report: BiasReport): string {
  const table = (groups: GroupFigures[]) => [
    '| group | n | selection rate | TPR | FPR | ECE | Brier |',
    '|---|---|---|---|---|---|---|',
    ...groups.map((g) => `| ${markdownText(g.name)} | ${g.n}${g.n < predicate.minGroupSize ? ' (too small: not judged)' : ''} | ${figure(g.selectionRate)} | ${figure(g.truePositiveRate)} | ${figure(g.falsePositiveRate)} | ${figure(g.calibrationError)} | ${figure(g.brier)} |`),
  ];
  const limits = (predicate.thresholds as { metrics?: Record<string, number> }).metrics ?? {};
  const lines = [
    `# Bias gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Model \`${markdownText(subject.name)}\` (${subject.digest}) on evaluation data ${predicate.dataset.digest}: ${predicate.answered} of ${predicate.dataset.rows} rows answered; operating point ${predicate.scoreThreshold}; policy bundle ${predicate.policy?.digest ?? '(none)'}; minimum group size ${predicate.minGroupSize}.`,
    '',
    `| metric | value | ${figure((predicate.metrics[0]?.ci.level ?? 0.95) * 100)}% simultaneous interval | limit | verdict | method |`,
    '|---|---|---|---|---|---|',
    ...predicate.metrics.map((m) => `| ${markdownText(m.name)} | ${figure(m.value)} | ${figure(m.ci.low)} to ${figure(m.ci.high)} | ${FAIRNESS_METRICS[m.name]?.limit === 'minimum' ? 'at least' : 'at most'} ${limits[m.name] ?? '-'} | ${m.verdict} | ${m.method}${m.undefinedGroups > 0 ? `; undefined in ${m.undefinedGroups} group(s)` : ''} |`),
    '',
    ...biasVerdictRules(predicate.metrics[0]?.ci.level ?? 0.95),
    '',
    '## Intersectional groups',
    '',
    ...table(report.groups.intersectional),
  ];
  for (const [attribute, groups] of Object.entries(report.groups.byAttribute)) lines.push('', `## By ${markdownText(attribute)}`, '', ...table(groups));
  if (predicate.counterfactual !== undefined) lines.push('', `Counterfactual pairs: ${predicate.counterfactual.pairs}, outputs changed in ${predicate.counterfactual.flips} (${figure(predicate.counterfactual.flipRate * 100)}%).`);
  if (report.unanswered.length > 0) lines.push('', `Rows without a prediction (${predicate.dataset.rows - predicate.answered}; first ${Math.min(20, report.unanswered.length)}): ${report.unanswered.slice(0, 20).map((id) => markdownText(id)).join(', ')}`);
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${markdownText(reason)}`));
  return `${lines.join('\n')}\n`;
}
