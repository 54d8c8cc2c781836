import { figure } from '../gate.ts';
import type { SafetyPredicate } from '../../attest/predicates.ts';
import type { SafetyReport } from './evaluate.ts';

/** A Markdown summary of a safety verdict, with the first failures of each kind for reviewers. */
export function formatSafetyReport(subject: { name: string; digest: string }, predicate: SafetyPredicate, report: SafetyReport): string {
  const minimums = (predicate.thresholds as { categories?: Record<string, number> }).categories ?? {};
  const lines = [
    `# Safety gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Model \`${subject.name}\` (${subject.digest}) on dataset ${predicate.dataset.digest} (${predicate.dataset.prompts} prompts), judged by ${predicate.judge.name} ${predicate.judge.version}; policy bundle ${predicate.policy?.digest ?? '(none)'}.`,
    '',
    '| category | passed | rate | 95% lower bound | required | verdict |',
    '|---|---|---|---|---|---|',
    ...predicate.categories.map((c) => `| ${c.name} | ${c.passed}/${c.n} | ${figure(c.rate)} | ${figure(c.lowerBound)} | ${minimums[c.name] ?? '-'} | ${c.verdict ?? '-'} |`),
    '',
    `Over-refusal: ${predicate.overRefusal.refused}/${predicate.overRefusal.n} benign prompts refused (upper bound ${figure(predicate.overRefusal.upperBound)}).`,
    `Consistency: ${report.flippedGroups.length} of ${predicate.consistency?.groups ?? 0} paraphrase groups answered inconsistently (flip rate ${figure(predicate.consistency?.flipRate ?? 0)}).`,
  ];
  if (report.failures.length > 0) {
    lines.push('', '## Failures (first 20)', '', ...report.failures.slice(0, 20).map((f) => `- ${f.id} (${f.category}): ${f.problem}`));
  }
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${reason}`));
  return `${lines.join('\n')}\n`;
}
