// evaluateCanary (the canary predicate from a plan and its answers) and
// formatCanaryReport (the Markdown summary people read as the verdict), in
// process on simulated traffic: what each field records, and each line of the
// summary with the figures it shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CanaryPredicate } from '../../../src/attest/predicates.ts';
import { canonicalize } from '../../../src/canonical/json.ts';
import { simulateTraffic, simulatedSource, type ArmTruth } from '../../../src/demo/canary-traffic.ts';
import { sha256Hex } from '../../../src/digest/sha256.ts';
import type { CanaryThresholds } from '../../../src/gates/canary/definition.ts';
import { evaluateCanary, QUANTILE_METHOD, type CanaryEvaluation } from '../../../src/gates/canary/evaluate.ts';
import { askAll } from '../../../src/gates/canary/index.ts';
import { judgeCanary } from '../../../src/gates/canary/judge.ts';
import { canaryPlan } from '../../../src/gates/canary/plan.ts';
import { formatCanaryReport } from '../../../src/gates/canary/report.ts';
import type { RangeAnswer, SourceDescription } from '../../../src/gates/canary/source.ts';
import { figure } from '../../../src/gates/gate.ts';
import { markdownText as md } from '../../../src/io/text.ts';
import { ROOT } from '../../helpers.ts';
import { expectMarkdownBlocks } from '../../support/markdown.ts';

const thresholds = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;
const quiet: ArmTruth = { requestsPerSecond: 20, errorRate: 0, latency: { median: 0.12, sigma: 0.5, tailShare: 0.01, tailFactor: 3 }, feedbackRate: 0.05, positiveRate: 0.8, flagRate: 0.002 };
const baselineTruth: ArmTruth = { ...quiet, requestsPerSecond: 60 };
const START = 1_800_000_000;
const DEPLOYED = `sha256:${'d'.repeat(64)}` as const;
const POLICY = `sha256:${'b'.repeat(64)}`;
const subject = { name: 'chat-7b `v2` | beta', digest: `sha256:${'c'.repeat(64)}` };

async function run(canary: ArmTruth, source: SourceDescription = { kind: 'prometheus', url: 'http://127.0.0.1:9090' }, policy: CanaryThresholds = thresholds) {
  const traffic = simulateTraffic({ start: START, end: START + 1800, scrapeSeconds: 15, seed: 3, arms: { canary, baseline: baselineTruth } });
  const plan = canaryPlan(policy, START, START + 1800);
  const answers = await askAll(simulatedSource(traffic, plan), plan);
  const evaluation: CanaryEvaluation = {
    plan,
    source,
    deployed: DEPLOYED,
    looks: [
      { at: new Date((START + 900) * 1000), fraction: 0.5, alpha: 0.0015 },
      { at: new Date((START + 1815) * 1000), fraction: 1, alpha: 0.0245 },
    ],
    sequential: 'O\'Brien-Fleming | spending',
    level: 0.95,
    config: { evaluatedAt: '2027-01-15T08:30:15Z', policyDigest: POLICY },
  };
  return { plan, answers, ...evaluateCanary(evaluation, answers) };
}

describe('evaluateCanary', () => {
  it('records the window, step, arms, traffic queries, looks, method and the digest of exactly the answers judged', async () => {
    const { plan, answers, judgement, report } = await run(quiet);
    const predicate = report.predicate;
    expect(judgement.verdict).toBe('pass');
    expect(predicate).toMatchObject({
      gate: 'canary',
      verdict: 'pass',
      reasons: [],
      evaluatedAt: '2027-01-15T08:30:15Z',
      policy: { digest: POLICY },
      thresholds: plan.thresholds,
      baseline: { digest: DEPLOYED },
      window: { start: '2027-01-15T08:00:00Z', end: '2027-01-15T08:30:00Z' },
      step: thresholds.step_seconds,
      source: { kind: 'prometheus', url: 'http://127.0.0.1:9090' },
      method: { test: 'mann-whitney-u', shift: 'hodges-lehmann', quantiles: QUANTILE_METHOD, sequential: 'O\'Brien-Fleming | spending' },
      looks: [
        { at: '2027-01-15T08:15:00Z', fraction: 0.5, alpha: 0.0015 },
        { at: '2027-01-15T08:30:15Z', fraction: 1, alpha: 0.0245 },
      ],
      score: judgement.score,
      trafficShare: judgement.trafficShare,
      metrics: judgement.metrics,
    });
    // Judged at the last look's error rate, not the first's (whose fail bounds differ).
    expect(predicate.metrics).toEqual(judgeCanary(plan, answers, { level: 0.95, failAlpha: 0.0245 }).metrics);
    expect(predicate.metrics).not.toEqual(judgeCanary(plan, answers, { level: 0.95, failAlpha: 0.0015 }).metrics);
    const samplesDigest = `sha256:${sha256Hex(canonicalize(plan.queries.map((planned, i) => ({ query: planned.range, series: answers[i]!.series }))))}`;
    expect(report.samplesDigest).toBe(samplesDigest);
    // From a Prometheus server the samples are the only evidence.
    expect(predicate.evidence).toEqual([{ role: 'samples', digest: samplesDigest }]);
    expect(predicate.arms.canary).toMatch(/canary/);
    expect(predicate.arms.baseline).toMatch(/baseline/);
    for (const arm of ['canary', 'baseline'] as const) {
      const traffic = plan.queries.filter((q) => q.role === 'traffic' && q.arm === arm).map((q) => q.range.query);
      expect(traffic.length).toBeGreaterThan(0);
      expect(predicate.traffic.queries[arm]).toEqual(traffic);
    }
    expect(predicate.traffic.requests).toEqual(judgement.requests);
    expect(predicate).not.toHaveProperty('warnings');
    expect(report.series.map((s) => s.metric)).toEqual(judgement.series.map((s) => (Object.keys(s.labels).length === 0 ? s.metric : expect.stringContaining(s.metric))));
    expect(report.series[0]!.canary).toEqual(judgement.series[0]!.values.canary);
    expect(report.series[0]!.baseline).toEqual(judgement.series[0]!.values.baseline);
  });

  it("judges at the last look's error rate, and records a recorded export's digest as evidence beside the samples", async () => {
    const exportDigest = `sha256:${'e'.repeat(64)}`;
    const { report } = await run({ ...quiet, errorRate: 0.05 }, { kind: 'export', path: '/tmp/x.json', digest: exportDigest });
    const predicate = report.predicate;
    expect(predicate.verdict).toBe('fail');
    expect(predicate.reasons.length).toBeGreaterThan(0);
    expect(predicate.source).toEqual({ kind: 'export', digest: exportDigest });
    expect(predicate.evidence).toEqual([
      { role: 'samples', digest: report.samplesDigest },
      { role: 'metrics-export', digest: exportDigest },
    ]);
    const errors = predicate.metrics.find((m) => m.name === 'error_rate')!;
    expect(errors.verdict).toBe('fail');
  });

  it("keeps the source's warnings", async () => {
    const traffic = simulateTraffic({ start: START, end: START + 1800, scrapeSeconds: 15, seed: 3, arms: { canary: quiet, baseline: baselineTruth } });
    const plan = canaryPlan(thresholds, START, START + 1800);
    const answers: RangeAnswer[] = (await askAll(simulatedSource(traffic, plan), plan)).map((answer, i) => (i === 1 ? { ...answer, warnings: ['PromQL info: metric might not be a counter'] } : answer));
    const evaluation: CanaryEvaluation = {
      plan,
      source: { kind: 'prometheus', url: 'http://127.0.0.1:9090' },
      deployed: DEPLOYED,
      looks: [{ at: new Date((START + 1815) * 1000), fraction: 1, alpha: 0.025 }],
      sequential: 'one look',
      level: 0.95,
      config: { evaluatedAt: '2027-01-15T08:30:15Z', policyDigest: null },
    };
    const { report } = evaluateCanary(evaluation, answers);
    expect(report.predicate.warnings).toEqual(['PromQL info: metric might not be a counter']);
    expect(report.predicate.policy).toBeNull();
  });
});

describe('formatCanaryReport', () => {
  const lines = (markdown: string) => markdown.split('\n');

  it('states the verdict, the subject, window, step, arms, source, policy, traffic and score, with a row per metric', async () => {
    const { report } = await run(quiet);
    const p = report.predicate;
    const markdown = formatCanaryReport(subject, p);
    expectMarkdownBlocks(markdown);
    const text = lines(markdown);
    expect(text[0]).toBe('# Canary gate: PASS');
    expect(text).toContain(`Candidate \`${md(subject.name)}\` (${subject.digest}) against the deployed model ${DEPLOYED},`);
    expect(text).toContain(`from 2027-01-15T08:00:00Z to 2027-01-15T08:30:00Z, one sample every ${p.step} s, arms ${md(p.arms.canary)} and ${md(p.arms.baseline)}.`);
    expect(text).toContain(`Source: ${md('http://127.0.0.1:9090')}. Policy bundle ${POLICY}.`);
    expect(text).toContain(`Traffic: the canary served ${figure(100 * p.trafficShare!)}% (${figure(p.traffic.requests.canary)} canary, ${figure(p.traffic.requests.baseline)} baseline requests).`);
    expect(text).toContain(`Score ${figure(p.score)} (per cent of comparisons that pass).`);
    expect(text).toContain('| metric | critical | baseline | canary | shift | 95% CI | allowed | p | n (canary / baseline) | coverage | verdict |');
    for (const m of p.metrics) {
      expect(text).toContain(
        `| ${md(m.name)} | ${m.critical ? 'yes' : 'no'} | ${figure(m.baseline)} | ${figure(m.candidate)} | ${figure(m.delta)} | ${figure(m.ci!.low)} to ${figure(m.ci!.high)} | ${figure(m.allowed)} | ${figure(m.pValue)} | ${m.n.canary} / ${m.n.baseline} | ${figure(100 * m.coverage)}% | ${m.verdict} |`,
      );
    }
    expect(p.metrics.some((m) => m.critical) && p.metrics.some((m) => !m.critical)).toBe(true);
    expect(text).toContain(`Looks (${md("O'Brien-Fleming | spending")}): 2027-01-15T08:15:00Z at 50%, alpha 0.0015; 2027-01-15T08:30:15Z at 100%, alpha 0.0245.`);
    expect(markdown).toContain(`Latency quantiles: ${QUANTILE_METHOD}.`);
    expect(text).toContain('Each metric compares the per-step samples of the two arms: Mann-Whitney U, and the Hodges-Lehmann shift (canary - baseline) with its distribution-free interval.');
    expect(markdown.endsWith('affects both arms alike only when they share it.\n')).toBe(true);
    // A pass has nothing left out, no warnings, no rollback and no reasons.
    for (const absent of ['Steps left out', 'The metrics source warned', 'Rolled back', '## Why']) expect(markdown).not.toContain(absent);
  });

  it('names a recorded export by its digest, no traffic as such, no policy bundle, and a metric without an interval', async () => {
    const exportDigest = `sha256:${'e'.repeat(64)}`;
    const { report } = await run(quiet, { kind: 'export', path: '/tmp/x.json', digest: exportDigest });
    const [first, second, ...rest] = report.predicate.metrics;
    // The first metric has no interval, so the level shown is the second's; and half its steps aligned.
    const p: CanaryPredicate = { ...report.predicate, trafficShare: null, policy: null, metrics: [{ ...first!, ci: null, coverage: 0.5 }, { ...second!, ci: { ...second!.ci!, level: 0.9 } }, ...rest] };
    const markdown = formatCanaryReport(subject, p);
    expectMarkdownBlocks(markdown);
    const text = lines(markdown);
    expect(text).toContain(`Source: recorded export ${exportDigest}. Policy bundle (none).`);
    expect(text.find((line) => line.startsWith('Traffic: '))).toMatch(/^Traffic: the canary served nothing \(no traffic in either arm\) \(/);
    const row = text.find((line) => line.startsWith(`| ${md(first!.name)} |`))!.split(' | ');
    expect(row[5]).toBe('-');
    expect(row[9]).toBe('50%');
    expect(text).toContain('| metric | critical | baseline | canary | shift | 90% CI | allowed | p | n (canary / baseline) | coverage | verdict |');
  });

  it('falls back to 95% when no metric has an interval, and shows the level of the one that does', async () => {
    const { report } = await run(quiet);
    const noIntervals: CanaryPredicate = { ...report.predicate, metrics: report.predicate.metrics.map((m) => ({ ...m, ci: null })) };
    expect(formatCanaryReport(subject, noIntervals)).toContain('| shift | 95% CI |');
    const at90: CanaryPredicate = { ...report.predicate, metrics: report.predicate.metrics.map((m) => ({ ...m, ci: m.ci === null ? null : { ...m.ci, level: 0.9 } })) };
    const markdown = formatCanaryReport(subject, at90);
    expect(markdown).toContain('| shift | 90% CI |');
    expect(markdown).toContain("**pass** when the 90% interval's better-side bound is inside the change allowed;");
  });

  it('lists the steps left out per metric, the warnings, the rollback and why, each escaped', async () => {
    const { report } = await run({ ...quiet, errorRate: 0.05 });
    const template = report.predicate.metrics[0]!;
    const none = { canary: 0, baseline: 0 };
    // One metric per kind of step left out and arm, and one with none left out (not listed).
    const kinds = ['unaligned', 'noTraffic', 'notANumber'] as const;
    const leftOut = kinds.flatMap((kind) => (['canary', 'baseline'] as const).map((arm) => ({ kind, arm })));
    const metrics = [
      ...leftOut.map(({ kind, arm }, i) => ({
        ...template,
        series: { route: `/${kind}/${arm}` },
        excluded: { unaligned: none, noTraffic: none, notANumber: none, [kind]: { ...none, [arm]: i + 1 } },
      })),
      { ...template, series: { route: '/complete' }, excluded: { unaligned: none, noTraffic: none, notANumber: none } },
    ];
    const p: CanaryPredicate = {
      ...report.predicate,
      metrics,
      warnings: ['slow | query', '# not a heading'],
      rollback: { metric: 'error_rate', at: '2027-01-15T08:30:15Z' },
      reasons: ['error_rate: *worse*', '## injected'],
    };
    const markdown = formatCanaryReport(subject, p);
    expectMarkdownBlocks(markdown);
    const text = lines(markdown);
    expect(text[0]).toBe('# Canary gate: FAIL');
    const counts = (i: number, kind: string) => ['canary', 'baseline'].map((arm) => (leftOut[i]!.kind === kind && leftOut[i]!.arm === arm ? i + 1 : 0)).join(' / ');
    const listed = leftOut.map(({ kind, arm }, i) => `${md(`${template.name}{route="/${kind}/${arm}"}`)}: unaligned ${counts(i, 'unaligned')}, no traffic ${counts(i, 'noTraffic')}, NaN ${counts(i, 'notANumber')}`);
    expect(text).toContain(`Steps left out (canary / baseline): ${listed.join('; ')}.`);
    expect(text.filter((line) => line.includes('complete'))).toHaveLength(1); // its table row only
    expect(text).toContain(`The metrics source warned: ${md('slow | query')}; ${md('# not a heading')}.`);
    expect(text).toContain(`**Rolled back** at 2027-01-15T08:30:15Z: critical metric ${md('error_rate')} failed.`);
    const why = text.indexOf('## Why');
    expect(why).toBeGreaterThan(0);
    expect(text.slice(why + 2, why + 4)).toEqual([`- ${md('error_rate: *worse*')}`, '- \\#\\# injected']);
  });
});
