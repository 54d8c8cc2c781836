import { markdownText } from '../../io/text.ts';
import { figure } from '../gate.ts';
import type { RegressionPredicate } from '../../attest/predicates.ts';
import type { RegressionReport } from './evaluate.ts';

const METHODS: Record<string, string> = {
  'tango-score': "Tango's score interval for paired proportions",
  'pseudo-pair-t': 't-interval with two pseudo-pairs at the ends of the range',
  'paired-bootstrap-percentile': 'paired bootstrap, percentile',
  'welch-log-t': "Welch's t on log run figures",
};

/** A Markdown summary of a regression verdict, for the people who approve promotions. */
export function formatRegressionReport(subject: { name: string; digest: string }, predicate: RegressionPredicate, report: RegressionReport): string {
  const level = predicate.metrics[0]?.ci.level ?? 0.95;
  const percent = `${figure(level * 100)}%`;
  const lines = [
    `# Regression gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Candidate \`${markdownText(subject.name)}\` (${subject.digest}) against the deployed baseline ${predicate.baseline.digest},`,
    `on the ${predicate.evaluationSet.examples} examples of evaluation set ${predicate.evaluationSet.digest}.`,
    `Policy bundle ${predicate.policy?.digest ?? '(none)'}; ${percent} confidence; bootstrap seed ${predicate.seed} (derived from the subject, baseline and evaluation set), ${predicate.resamples} resamples.`,
    '',
    'Each metric is a non-inferiority test on the interval of (candidate - baseline): **pass** when the whole interval lies on the better side of the tolerance,',
    '**fail** when the whole interval lies beyond it, **insufficient evidence** when it straddles the tolerance (too little data is never a pass).',
    '',
    `| metric | baseline | candidate | change | ${percent} CI | tolerance | n | method | verdict |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...predicate.metrics.map(
      (m) =>
        `| ${markdownText(m.name)} | ${figure(m.baseline)} | ${figure(m.candidate)} | ${figure(m.delta)}${m.scale === 'relative' ? ' (relative)' : ''} | ${figure(m.ci.low)} to ${figure(m.ci.high)} | ${m.tolerance ?? '-'} | ${m.runs === undefined ? m.n : `${m.runs.candidate} + ${m.runs.baseline} runs`} | ${METHODS[m.method] ?? m.method} | ${m.verdict} |`,
    ),
  ];
  const effects = Object.entries(report.effectSizes);
  if (effects.length > 0) lines.push('', `Effect sizes (Cohen's d_z of the paired differences): ${effects.map(([name, value]) => `${markdownText(name)} ${typeof value === 'number' ? figure(value) : value === null ? 'undefined (no difference anywhere)' : `${value} (every difference equal)`}`).join(', ')}.`);
  const missing = predicate.missing ?? { candidate: 0, baseline: 0 };
  if (missing.candidate + missing.baseline > 0) {
    lines.push('', `Examples of the set without a result, scored against the candidate (its worst value, the baseline's best): ${missing.candidate} candidate, ${missing.baseline} baseline (ids in the JSON report).`);
  }
  if (predicate.timing !== undefined && predicate.timing.untimed > 0) lines.push('', `Latency judged on ${predicate.timing.timed} timed pairs; ${predicate.timing.untimed} examples lacked a latency for one model or both.`);
  const judged = (predicate.slices ?? []).filter((s) => s.ci !== undefined);
  if (judged.length > 0) {
    const sliceLevel = figure(judged[0]!.ci!.level! * 100);
    lines.push(
      '',
      '## Capabilities and slices',
      '',
      `Judged like the metrics, against the slice tolerance, on simultaneous intervals: each at ${sliceLevel}% so that all ${judged.length} slice tests hold together at ${percent} (Bonferroni).`,
      'q is the one-sided p-value of "inferior by the tolerance" multiplied by the number of slice tests; a slice passes only when q is below ' + `${figure((1 - level) / 2)}.`,
      '',
      `| slice | metric | n | change | ${sliceLevel}% CI | tolerance | p | q | verdict |`,
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of judged) lines.push(`| ${markdownText(s.name)} | ${markdownText(s.metric)} | ${s.n} | ${figure(s.delta)} | ${figure(s.ci!.low)} to ${figure(s.ci!.high)} | ${s.tolerance} | ${figure(s.pValue)} | ${figure(s.qValue)} | ${s.verdict} |`);
  }
  if (report.smallSlices.length > 0) lines.push('', `Slices below the minimum size, not judged (no interval): ${report.smallSlices.map((s) => `${markdownText(s.name)} (n = ${s.n})`).join(', ')}.`);
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${markdownText(reason)}`));
  return `${lines.join('\n')}\n`;
}
