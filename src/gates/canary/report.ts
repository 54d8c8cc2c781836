import type { CanaryPredicate } from '../../attest/predicates.ts';
import { markdownText } from '../../io/text.ts';
import { figure } from '../gate.ts';
import { describe } from './judge.ts';

/** A Markdown summary of a canary verdict: each metric's comparison, the traffic, the looks and the method. */
export function formatCanaryReport(subject: { name: string; digest: string }, predicate: CanaryPredicate): string {
  const level = `${figure(100 * (predicate.metrics.find((m) => m.ci !== null)?.ci?.level ?? 0.95))}%`;
  const lines = [
    `# Canary gate: ${predicate.verdict.toUpperCase()}`,
    '',
    `Candidate \`${markdownText(subject.name)}\` (${subject.digest}) against the deployed model ${predicate.baseline.digest},`,
    `from ${predicate.window.start} to ${predicate.window.end}, one sample every ${predicate.step} s, arms ${markdownText(predicate.arms.canary)} and ${markdownText(predicate.arms.baseline)}.`,
    `Source: ${predicate.source.kind === 'prometheus' ? markdownText(predicate.source.url) : `recorded export ${predicate.source.digest}`}. Policy bundle ${predicate.policy?.digest ?? '(none)'}.`,
    `Traffic: the canary served ${predicate.trafficShare === null ? 'nothing (no traffic in either arm)' : `${figure(100 * predicate.trafficShare)}%`} (${figure(predicate.traffic.requests.canary)} canary, ${figure(predicate.traffic.requests.baseline)} baseline requests).`,
    `Score ${figure(predicate.score)} (per cent of comparisons that pass).`,
    '',
    'Each metric compares the per-step samples of the two arms: Mann-Whitney U, and the Hodges-Lehmann shift (canary - baseline) with its distribution-free interval.',
    `**pass** when the ${level} interval's better-side bound is inside the change allowed; **fail** when the worse-side bound at the look's error rate is beyond it;`,
    '**insufficient evidence** otherwise, and whenever an arm has no series, no traffic, too few samples or too few aligned steps. Latency quantiles: ' + `${predicate.method.quantiles}.`,
    '',
    `| metric | critical | baseline | canary | shift | ${level} CI | allowed | p | n (canary / baseline) | coverage | verdict |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...predicate.metrics.map(
      (m) =>
        `| ${markdownText(describe(m))} | ${m.critical ? 'yes' : 'no'} | ${figure(m.baseline)} | ${figure(m.candidate)} | ${figure(m.delta)} | ${m.ci === null ? '-' : `${figure(m.ci.low)} to ${figure(m.ci.high)}`} | ${figure(m.allowed)} | ${figure(m.pValue)} | ${m.n.canary} / ${m.n.baseline} | ${figure(100 * m.coverage)}% | ${m.verdict} |`,
    ),
    '',
    `Looks (${markdownText(predicate.method.sequential)}): ${predicate.looks.map((l) => `${l.at} at ${figure(100 * l.fraction)}%, alpha ${figure(l.alpha)}`).join('; ')}.`,
  ];
  const excluded = predicate.metrics.filter((m) => m.excluded.unaligned.canary + m.excluded.unaligned.baseline + m.excluded.noTraffic.canary + m.excluded.noTraffic.baseline + m.excluded.notANumber.canary + m.excluded.notANumber.baseline > 0);
  if (excluded.length > 0) {
    lines.push('', 'Steps left out (canary / baseline): ' + excluded.map((m) => `${markdownText(describe(m))}: unaligned ${m.excluded.unaligned.canary} / ${m.excluded.unaligned.baseline}, no traffic ${m.excluded.noTraffic.canary} / ${m.excluded.noTraffic.baseline}, NaN ${m.excluded.notANumber.canary} / ${m.excluded.notANumber.baseline}`).join('; ') + '.');
  }
  if (predicate.warnings !== undefined) lines.push('', `The metrics source warned: ${predicate.warnings.map((w) => markdownText(w)).join('; ')}.`);
  if (predicate.rollback !== undefined) lines.push('', `**Rolled back** at ${predicate.rollback.at}: critical metric ${markdownText(predicate.rollback.metric)} failed.`);
  lines.push('', 'Per-step samples are treated as independent; traffic that drifts within the window (time of day, a warming cache) affects both arms alike only when they share it.');
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${markdownText(reason)}`));
  return `${lines.join('\n')}\n`;
}
