// The Markdown summaries people read as a gate's verdict: text that comes from
// the evaluation data or the command line (a subject's name, group and
// attribute names, row ids, slice and metric names, reasons naming them) is
// shown literally, so it cannot add a heading, a link, HTML or a table cell of
// its own. Each summary is built from a predicate carrying such names.
import { describe, expect, it } from 'vitest';
import type { BackdoorPredicate, BiasPredicate, RegressionPredicate, RobustnessPredicate } from '../../src/attest/predicates.ts';
import { BACKDOOR_LIMITATIONS, type BackdoorReport } from '../../src/gates/backdoor/evaluate.ts';
import { formatBackdoorReport } from '../../src/gates/backdoor/report.ts';
import type { BiasReport } from '../../src/gates/bias/evaluate.ts';
import { formatBiasReport } from '../../src/gates/bias/report.ts';
import type { RegressionReport } from '../../src/gates/regression/evaluate.ts';
import { formatRegressionReport } from '../../src/gates/regression/report.ts';
import type { RobustnessReport } from '../../src/gates/robustness/evaluate.ts';
import { formatRobustnessReport } from '../../src/gates/robustness/report.ts';
import { expectMarkdownBlocks } from '../support/markdown.ts';

const HOSTILE = 'x | PASS |\n## Verdict: PASS <img src=y>';
const ESCAPED = 'x \\| PASS \\|\\\\u000a\\#\\# Verdict\\: PASS \\<img src\\=y\\>';
const SUBJECT = { name: `model ${HOSTILE}`, digest: `sha256:${'ab'.repeat(32)}` };
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** Every line of a summary that a table, a heading or HTML could come from: none may hold the hostile text raw. */
function expectLiteral(markdown: string): void {
  expectMarkdownBlocks(markdown);
  expect(markdown).not.toContain('## Verdict');
  expect(markdown).not.toMatch(/(?<!\\)<img/);
  expect(markdown).not.toContain('| PASS |');
  expect(markdown).toContain(ESCAPED);
  expect(markdown.split('\n').filter((line) => line.startsWith('#')).every((line) => /^#+ [A-Z]/.test(line))).toBe(true);
}

describe('formatBiasReport', () => {
  const ci = { low: 0.01, high: 0.05, level: 0.95 };
  const predicate = {
    gate: 'bias',
    verdict: 'fail',
    reasons: [`groups below the minimum size 30 are not judged: ${HOSTILE} (n = 3)`],
    policy: { digest: DIGEST },
    thresholds: { metrics: { demographic_parity_difference: 0.1 } },
    dataset: { digest: DIGEST, rows: 12 },
    answered: 11,
    scoreThreshold: 0.5,
    minGroupSize: 30,
    metrics: [{ name: 'demographic_parity_difference', value: 0.03, ci, verdict: 'pass', method: 'newcombe', undefinedGroups: 0 }],
  } as unknown as BiasPredicate;
  const group = (name: string) => ({ name, n: 3, selectionRate: 0.5, truePositiveRate: null, falsePositiveRate: null, calibrationError: null, brier: null });
  const report = { predicate, groups: { intersectional: [group(HOSTILE)], byAttribute: { [HOSTILE]: [group(HOSTILE)] } }, unanswered: [HOSTILE] } as unknown as BiasReport;

  it('shows the subject, group and attribute names, unanswered ids and reasons literally', () => {
    const markdown = formatBiasReport(SUBJECT, predicate, report);
    expectLiteral(markdown);
    expect(markdown).toContain(`Model \`model ${ESCAPED}\` (${SUBJECT.digest})`);
    expect(markdown).toContain(`| ${ESCAPED} | 3 (too small: not judged) | 0.5 | - | - | - | - |`);
    expect(markdown).toContain(`## By ${ESCAPED}\n`);
    expect(markdown).toContain(`Rows without a prediction (1; first 1): ${ESCAPED}`);
    expect(markdown).toContain(`- groups below the minimum size 30 are not judged\\: ${ESCAPED} \\(n \\= 3\\)`);
    expect(markdown).toContain('| demographic\\_parity\\_difference | 0.03 | 0.01 to 0.05 | at most 0.1 | pass | newcombe |');
  });

  it("states the rows answered, the operating point and minimum group size, each metric against its limit, the rules at the intervals' level, each group's figures, the counterfactual pairs and the first 20 unanswered rows", () => {
    const figures = (name: string, n: number) => ({ name, n, selectionRate: 0.41234, truePositiveRate: 0.8, falsePositiveRate: 0.1, calibrationError: 0.03, brier: 0.12 });
    const full = {
      ...predicate,
      verdict: 'insufficient-evidence',
      reasons: ['demographic_parity_ratio: the interval straddles 0.8'],
      policy: null,
      thresholds: { metrics: { demographic_parity_ratio: 0.8 } },
      dataset: { digest: DIGEST, rows: 250 },
      answered: 225,
      scoreThreshold: 0.7,
      minGroupSize: 30,
      counterfactual: { pairs: 40, flips: 3, flipRate: 0.075 },
      metrics: [
        { name: 'demographic_parity_ratio', value: 0.8123, ci: { low: 0.7, high: 0.9, level: 0.9 }, verdict: 'insufficient-evidence', method: 'koopman', undefinedGroups: 0 },
        { name: 'equal_opportunity_difference', value: 0.02, ci: { low: 0, high: 0.04, level: 0.9 }, verdict: 'pass', method: 'newcombe', undefinedGroups: 2 },
      ],
    } as unknown as BiasPredicate;
    const unanswered = Array.from({ length: 25 }, (_, i) => `row-${i}`);
    const groups = { intersectional: [figures('f young', 30), figures('m young', 29)], byAttribute: { sex: [figures('f', 120), figures('m', 130)], age: [figures('young', 59)] } };
    const markdown = formatBiasReport(SUBJECT, full, { predicate: full, groups, unanswered } as unknown as BiasReport);
    expectMarkdownBlocks(markdown);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Bias gate: INSUFFICIENT-EVIDENCE');
    expect(lines).toContain(`Model \`model ${ESCAPED}\` (${SUBJECT.digest}) on evaluation data ${DIGEST}: 225 of 250 rows answered; operating point 0.7; policy bundle (none); minimum group size 30.`);
    expect(lines).toContain('| metric | value | 90% simultaneous interval | limit | verdict | method |');
    // The parity ratio is a minimum; a metric policy data sets no limit for shows none.
    expect(lines).toContain('| demographic\\_parity\\_ratio | 0.8123 | 0.7 to 0.9 | at least 0.8 | insufficient-evidence | koopman |');
    expect(lines).toContain('| equal\\_opportunity\\_difference | 0.02 | 0 to 0.04 | at most - | pass | newcombe; undefined in 2 group(s) |');
    expect(lines.find((line) => line.startsWith('- **pass**'))).toContain('its whole 90% interval on the fair side');
    expect(lines.filter((line) => /^- \*\*(pass|fail|insufficient evidence)\*\*/.test(line))).toHaveLength(3);
    const simultaneous = lines.indexOf(
      "Intervals hold for all groups at once: pairwise Newcombe (differences) or Koopman (ratios) intervals with Bonferroni across pairs, and for calibration a bound on each group's binned-ECE sampling error with Šidák across groups.",
    );
    expect(lines[simultaneous - 1]).toBe('');
    const section = (heading: string) => lines.slice(lines.indexOf(heading) + 2, lines.indexOf('', lines.indexOf(heading) + 2));
    expect(section('## Intersectional groups')).toEqual([
      '| group | n | selection rate | TPR | FPR | ECE | Brier |',
      '|---|---|---|---|---|---|---|',
      '| f young | 30 | 0.4123 | 0.8 | 0.1 | 0.03 | 0.12 |',
      '| m young | 29 (too small: not judged) | 0.4123 | 0.8 | 0.1 | 0.03 | 0.12 |',
    ]);
    expect(section('## By sex').slice(2)).toEqual(['| f | 120 | 0.4123 | 0.8 | 0.1 | 0.03 | 0.12 |', '| m | 130 | 0.4123 | 0.8 | 0.1 | 0.03 | 0.12 |']);
    expect(section('## By age').slice(2)).toEqual(['| young | 59 | 0.4123 | 0.8 | 0.1 | 0.03 | 0.12 |']);
    expect(lines.indexOf('## By sex')).toBeLessThan(lines.indexOf('## By age'));
    expect(lines).toContain('Counterfactual pairs: 40, outputs changed in 3 (7.5%).');
    expect(lines).toContain(`Rows without a prediction (25; first 20): ${unanswered.slice(0, 20).map((id) => id.replace('-', '\\-')).join(', ')}`);
    expect(lines.slice(lines.indexOf('## Why') + 2)).toEqual(['- demographic\\_parity\\_ratio\\: the interval straddles 0\\.8', '']);
  });

  it('shows a pass with every row answered and no counterfactuals without those lines or reasons, at 95% when no metric gives a level', () => {
    const pass = { ...predicate, verdict: 'pass', reasons: [], metrics: [], answered: 12 } as unknown as BiasPredicate;
    const markdown = formatBiasReport(SUBJECT, pass, { predicate: pass, groups: { intersectional: [], byAttribute: {} }, unanswered: [] } as unknown as BiasReport);
    expectMarkdownBlocks(markdown);
    expect(markdown.split('\n')[0]).toBe('# Bias gate: PASS');
    expect(markdown).toContain('| metric | value | 95% simultaneous interval | limit | verdict | method |');
    expect(markdown).toContain('its whole 95% interval');
    for (const absent of ['Counterfactual pairs', 'Rows without a prediction', '## Why', '## By ']) expect(markdown).not.toContain(absent);
    expect(markdown.endsWith('|---|---|---|---|---|---|---|\n')).toBe(true);
  });
});

describe('formatRegressionReport', () => {
  const ci = { low: -0.02, high: 0.01, level: 0.95 };
  const predicate = {
    gate: 'regression',
    verdict: 'insufficient-evidence',
    reasons: [`slice ${HOSTILE}: interval straddles the tolerance`],
    policy: { digest: DIGEST },
    baseline: { digest: DIGEST },
    evaluationSet: { digest: DIGEST, examples: 100 },
    seed: 7,
    resamples: 2000,
    metrics: [{ name: HOSTILE, baseline: 0.9, candidate: 0.89, delta: -0.01, scale: 'absolute', ci, tolerance: 0.02, n: 100, method: 'tango-score', verdict: 'pass' }],
    slices: [{ name: HOSTILE, metric: HOSTILE, n: 40, delta: -0.01, ci: { ...ci, level: 0.975 }, tolerance: 0.05, pValue: 0.01, qValue: 0.02, verdict: 'pass' }],
  } as unknown as RegressionPredicate;
  const report = { predicate, missingIds: { candidate: [], baseline: [] }, effectSizes: { [HOSTILE]: 0.25 }, smallSlices: [{ name: HOSTILE, n: 2 }], runsNeeded: {} } as unknown as RegressionReport;

  it('shows the subject, metric and slice names, effect sizes and reasons literally', () => {
    const markdown = formatRegressionReport(SUBJECT, predicate, report);
    expectLiteral(markdown);
    expect(markdown).toContain(`Candidate \`model ${ESCAPED}\` (${SUBJECT.digest})`);
    expect(markdown).toContain(`| ${ESCAPED} | 0.9 | 0.89 | -0.01 | -0.02 to 0.01 | 0.02 | 100 | Tango's score interval for paired proportions | pass |`);
    expect(markdown).toContain(`| ${ESCAPED} | ${ESCAPED} | 40 | -0.01 | -0.02 to 0.01 | 0.05 | 0.01 | 0.02 | pass |`);
    expect(markdown).toContain(`Effect sizes (Cohen's d_z of the paired differences): ${ESCAPED} 0.25.`);
    expect(markdown).toContain(`Slices below the minimum size, not judged (no interval): ${ESCAPED} (n = 2).`);
    expect(markdown).toContain(`- slice ${ESCAPED}\\: interval straddles the tolerance`);
  });

  it("states the baseline, the evaluation set, the seed and resamples, each metric's change and interval against its tolerance with its method, and each judged slice's p and q", () => {
    const full = {
      ...predicate,
      verdict: 'fail',
      reasons: ['latency_p99: the whole interval lies beyond the tolerance'],
      policy: null,
      evaluationSet: { digest: DIGEST, examples: 500 },
      seed: 123456789,
      resamples: 4000,
      // Equal counts: a summary that took their difference would say nothing is missing.
      missing: { candidate: 1, baseline: 1 },
      timing: { timed: 480, untimed: 20 },
      metrics: [
        { name: 'accuracy', baseline: 0.91234, candidate: 0.9, delta: -0.01234, scale: 'absolute', ci: { low: -0.03, high: 0.005, level: 0.9 }, tolerance: 0.01, n: 500, method: 'tango-score', verdict: 'insufficient-evidence' },
        { name: 'latency_p99', baseline: 120, candidate: 150, delta: 0.25, scale: 'relative', ci: { low: 0.2, high: 0.3, level: 0.9 }, tolerance: 0.1, n: 480, method: 'paired-bootstrap-percentile', verdict: 'fail' },
        { name: 'throughput', baseline: 100, candidate: 99, delta: -0.01, scale: 'relative', ci: { low: -0.02, high: 0, level: 0.9 }, n: 6, runs: { candidate: 3, baseline: 3 }, method: 'welch-log-t', verdict: 'pass' },
        { name: 'quality', baseline: 4, candidate: 4.1, delta: 0.1, scale: 'absolute', ci: { low: 0, high: 0.2, level: 0.9 }, tolerance: 0.2, n: 500, method: 'pseudo-pair-t', verdict: 'pass' },
        { name: 'other', baseline: 1, candidate: 1, delta: 0, scale: 'absolute', ci: { low: 0, high: 0, level: 0.9 }, tolerance: 0, n: 500, method: 'exact', verdict: 'pass' },
      ],
      slices: [
        { name: 'code', metric: 'accuracy', n: 60, delta: -0.02, ci: { low: -0.06, high: 0.02, level: 0.975 }, tolerance: 0.05, pValue: 0.004, qValue: 0.008, verdict: 'pass' },
        { name: 'tiny', metric: 'accuracy', n: 10, delta: 0, tolerance: 0.05, verdict: 'insufficient-evidence' },
        { name: 'math', metric: 'accuracy', n: 80, delta: -0.1, ci: { low: -0.15, high: -0.05, level: 0.975 }, tolerance: 0.05, pValue: 0.6, qValue: 1, verdict: 'fail' },
      ],
    } as unknown as RegressionPredicate;
    const report = { predicate: full, missingIds: { candidate: ['a', 'b'], baseline: ['c'] }, effectSizes: { accuracy: -0.123456, quality: null, throughput: 'Infinity' }, smallSlices: [{ name: 'tiny', n: 10 }, { name: 'rare', n: 3 }], runsNeeded: {} } as unknown as RegressionReport;
    const markdown = formatRegressionReport(SUBJECT, full, report);
    expectMarkdownBlocks(markdown);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Regression gate: FAIL');
    expect(lines.slice(1, 10)).toEqual([
      '',
      `Candidate \`model ${ESCAPED}\` (${SUBJECT.digest}) against the deployed baseline ${DIGEST},`,
      `on the 500 examples of evaluation set ${DIGEST}.`,
      'Policy bundle (none); 90% confidence; bootstrap seed 123456789 (derived from the subject, baseline and evaluation set), 4000 resamples.',
      '',
      'Each metric is a non-inferiority test on the interval of (candidate - baseline): **pass** when the whole interval lies on the better side of the tolerance,',
      '**fail** when the whole interval lies beyond it, **insufficient evidence** when it straddles the tolerance (too little data is never a pass).',
      '',
      '| metric | baseline | candidate | change | 90% CI | tolerance | n | method | verdict |',
    ]);
    // Each paragraph and section after the table stands apart.
    for (const start of ['Effect sizes', 'Examples of the set', 'Latency judged', '## Capabilities and slices', 'Judged like the metrics', 'Slices below', '## Why']) {
      expect(lines[lines.findIndex((line) => line.startsWith(start)) - 1], start).toBe('');
    }
    expect(lines).toContain('| metric | baseline | candidate | change | 90% CI | tolerance | n | method | verdict |');
    const table = lines.slice(lines.indexOf('| metric | baseline | candidate | change | 90% CI | tolerance | n | method | verdict |') + 2, lines.indexOf('| metric | baseline | candidate | change | 90% CI | tolerance | n | method | verdict |') + 7);
    expect(table).toEqual([
      "| accuracy | 0.9123 | 0.9 | -0.01234 | -0.03 to 0.005 | 0.01 | 500 | Tango's score interval for paired proportions | insufficient-evidence |",
      '| latency\\_p99 | 120 | 150 | 0.25 (relative) | 0.2 to 0.3 | 0.1 | 480 | paired bootstrap, percentile | fail |',
      "| throughput | 100 | 99 | -0.01 (relative) | -0.02 to 0 | - | 3 + 3 runs | Welch's t on log run figures | pass |",
      '| quality | 4 | 4.1 | 0.1 | 0 to 0.2 | 0.2 | 500 | t-interval with two pseudo-pairs at the ends of the range | pass |',
      '| other | 1 | 1 | 0 | 0 to 0 | 0 | 500 | exact | pass |',
    ]);
    expect(lines).toContain("Effect sizes (Cohen's d_z of the paired differences): accuracy -0.1235, quality undefined (no difference anywhere), throughput Infinity (every difference equal).");
    expect(lines).toContain("Examples of the set without a result, scored against the candidate (its worst value, the baseline's best): 1 candidate, 1 baseline (ids in the JSON report).");
    expect(lines).toContain('Latency judged on 480 timed pairs; 20 examples lacked a latency for one model or both.');
    expect(lines).toContain('Judged like the metrics, against the slice tolerance, on simultaneous intervals: each at 97.5% so that all 2 slice tests hold together at 90% (Bonferroni).');
    expect(lines).toContain('q is the one-sided p-value of "inferior by the tolerance" multiplied by the number of slice tests; a slice passes only when q is below 0.05.');
    const slices = lines.slice(lines.indexOf('| slice | metric | n | change | 97.5% CI | tolerance | p | q | verdict |') + 2, lines.indexOf('| slice | metric | n | change | 97.5% CI | tolerance | p | q | verdict |') + 4);
    expect(slices).toEqual(['| code | accuracy | 60 | -0.02 | -0.06 to 0.02 | 0.05 | 0.004 | 0.008 | pass |', '| math | accuracy | 80 | -0.1 | -0.15 to -0.05 | 0.05 | 0.6 | 1 | fail |']);
    expect(lines).toContain('Slices below the minimum size, not judged (no interval): tiny (n = 10), rare (n = 3).');
    expect(lines.slice(lines.indexOf('## Why') + 2)).toEqual(['- latency\\_p99\\: the whole interval lies beyond the tolerance', '']);
  });

  it('leaves out what a clean run lacks: effect sizes, missing results, untimed pairs, slices and reasons; 95% when no metric gives a level', () => {
    const clean = { ...predicate, verdict: 'pass', reasons: [], metrics: [], slices: [{ name: 'tiny', metric: 'accuracy', n: 10, delta: 0, tolerance: 0.05, verdict: 'insufficient-evidence' }], missing: { candidate: 0, baseline: 0 }, timing: { timed: 100, untimed: 0 } } as unknown as RegressionPredicate;
    const markdown = formatRegressionReport(SUBJECT, clean, { predicate: clean, missingIds: { candidate: [], baseline: [] }, effectSizes: {}, smallSlices: [], runsNeeded: {} } as unknown as RegressionReport);
    expectMarkdownBlocks(markdown);
    expect(markdown.split('\n')[0]).toBe('# Regression gate: PASS');
    expect(markdown).toContain('; 95% confidence;');
    for (const absent of ['Effect sizes', 'without a result', 'Latency judged', '## Capabilities and slices', 'Slices below', '## Why']) expect(markdown, absent).not.toContain(absent);
    expect(markdown.endsWith('|---|---|---|---|---|---|---|---|---|\n')).toBe(true);
    // A predicate without the missing or timing records (older attestations) reads the same.
    const { missing: _m, timing: _t, ...older } = clean as unknown as Record<string, unknown>;
    expect(formatRegressionReport(SUBJECT, older as unknown as RegressionPredicate, { predicate: older, missingIds: { candidate: [], baseline: [] }, effectSizes: {}, smallSlices: [], runsNeeded: {} } as unknown as RegressionReport)).toBe(markdown);
  });
});

describe('formatRobustnessReport', () => {
  const ci = { low: 0, high: 0.0292, level: 0.95 };
  const family = (name: string, extra: object = {}) => ({ name, n: 100, hits: 0, rate: 0, ci, upperBound: 0.0292, maximum: 0.05, verdict: 'pass', ...extra });
  const attackSet = {
    gate: 'robustness',
    verdict: 'insufficient-evidence',
    reasons: [`family ${HOSTILE}: 20 trials cannot show at most 0.05`],
    policy: { digest: DIGEST },
    source: { format: 'gatehouse', digest: DIGEST },
    measure: 'attack-success',
    dataset: { digest: DIGEST, attacks: 120, answered: 119 },
    judge: { name: 'gatehouse-canary', version: '1' },
    trials: 120,
    unanswered: 1,
    families: [family('prompt_injection'), family(HOSTILE, { n: 20, hits: 1, rate: 0.05, ci: { low: 0.0013, high: 0.2487, level: 0.95 }, upperBound: 0.2487, verdict: 'insufficient-evidence', needed: 93 })],
  } as unknown as RobustnessPredicate;
  const hits = [
    { id: HOSTILE, family: HOSTILE, unanswered: true },
    ...Array.from({ length: 21 }, (_, i) => ({ id: `attack-${i}`, family: 'prompt_injection', unanswered: false })),
  ];

  it("states the trials, the attack set and its judge, each family's hits, rate and exact one-sided bound, the first 20 hits and why", () => {
    const markdown = formatRobustnessReport(SUBJECT, attackSet, { predicate: attackSet, hits } as RobustnessReport);
    expectLiteral(markdown);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Robustness gate: INSUFFICIENT-EVIDENCE');
    expect(lines).toContain(
      `Model \`model ${ESCAPED}\` (${SUBJECT.digest}): 120 trials from gatehouse (${DIGEST}) on the attack set ${DIGEST}, judged by gatehouse-canary 1 (an attack succeeded when the response contains its canary); policy bundle ${DIGEST}.`,
    );
    expect(lines).toContain('| family | hits | attack success rate | 97.5% one-sided upper bound (exact) | maximum | verdict |');
    expect(lines).toContain('| prompt\\_injection | 0/100 | 0 | 0.0292 | 0.05 | pass |');
    expect(lines).toContain(`| ${ESCAPED} | 1/20 | 0.05 | 0.2487 | 0.05 | insufficient-evidence (93 trials needed) |`);
    expect(lines).toContain(
      "- **pass**: every family's exact upper bound is at most its maximum; **fail**: some family's lower bound is above it; **insufficient evidence**: anything else. Trials without a judged answer count as hits.",
    );
    const hitLines = lines.slice(lines.indexOf('## Hits (first 20)') + 2, lines.indexOf('## Why') - 1);
    expect(hitLines).toHaveLength(20);
    expect(hitLines[0]).toBe(`- ${ESCAPED} (${ESCAPED}): no judged answer`);
    expect(hitLines[1]).toBe('- attack\\-0 (prompt\\_injection)');
    expect(hitLines[19]).toBe('- attack\\-18 (prompt\\_injection)');
    expect(lines.slice(lines.indexOf('## Why') + 2)).toEqual([`- family ${ESCAPED}\\: 20 trials cannot show at most 0\\.05`, '']);
  });

  it('names the flip rate for predictions, no attack set or judge, no policy bundle, and the level of the intervals; a pass lists no hits or reasons', () => {
    const flips = {
      ...attackSet,
      verdict: 'pass',
      reasons: [],
      policy: null,
      source: { format: 'predictions', digest: DIGEST },
      measure: 'flip',
      dataset: undefined,
      judge: undefined,
      families: [family('typos', { ci: { ...ci, level: 0.9 } })],
    } as unknown as RobustnessPredicate;
    const markdown = formatRobustnessReport(SUBJECT, flips, { predicate: flips, hits: [] } as RobustnessReport);
    expectMarkdownBlocks(markdown);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Robustness gate: PASS');
    expect(lines).toContain(`Model \`model ${ESCAPED}\` (${SUBJECT.digest}): 120 trials from predictions (${DIGEST}); policy bundle (none).`);
    expect(lines).toContain('| family | hits | flip rate | 95% one-sided upper bound (exact) | maximum | verdict |');
    expect(markdown).not.toContain('## Hits');
    expect(markdown).not.toContain('## Why');
    // Without families the level shown is the gate's, 95% two-sided: 97.5% one-sided.
    const empty = { ...flips, families: [] } as unknown as RobustnessPredicate;
    expect(formatRobustnessReport(SUBJECT, empty, { predicate: empty, hits: [] } as RobustnessReport)).toContain('| 97.5% one-sided upper bound (exact) |');
  });
});

describe('formatBackdoorReport', () => {
  const result = (trigger: string, extra: object = {}) => ({
    trigger,
    kind: 'token',
    n: 300,
    candidateChanged: 16,
    referenceChanged: 15,
    candidateOnly: 3,
    referenceOnly: 2,
    changes: { label: 3, refusal: 0, score: 0, missing: 0 },
    pValue: 0.5,
    qValue: 0.9,
    flagged: false,
    ...extra,
  });
  const predicate = {
    gate: 'backdoor',
    verdict: 'fail',
    reasons: [`trigger ${HOSTILE} changes the candidate's behaviour`],
    policy: { digest: DIGEST },
    baseline: { digest: DIGEST },
    dataset: { digest: DIGEST, inputs: 300 },
    triggers: { set: `builtin ${HOSTILE}`, digest: DIGEST, builtin: 2, user: 1 },
    behaviours: ['label', 'refusal'],
    scoreShift: 0.1,
    fdr: 0.05,
    method: { test: 'exact-mcnemar-one-sided', correction: 'benjamini-hochberg' },
    missing: { candidate: 0, reference: 0 },
    // Out of order: the summary puts flagged triggers first, then by p-value.
    results: [
      result('cf', { pValue: 0.2, qValue: 0.3 }),
      result('mn', { pValue: 0.04, qValue: 0.3 }),
      result(HOSTILE, { kind: 'phrase', candidateChanged: 80, candidateOnly: 66, referenceOnly: 1, pValue: 1e-18, qValue: 3e-18, flagged: true }),
    ],
    flagged: [HOSTILE],
    limitations: [...BACKDOOR_LIMITATIONS],
  } as unknown as BackdoorPredicate;
  const report = { predicate, examples: { [HOSTILE]: ['in-1', HOSTILE] } } as unknown as BackdoorReport;

  it('tabulates every trigger, flagged first then by p, with examples of the flagged, what the scan cannot find and why', () => {
    const markdown = formatBackdoorReport(SUBJECT, predicate, report);
    expectLiteral(markdown);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Backdoor scan: FAIL');
    expect(lines).toContain(
      `Candidate \`model ${ESCAPED}\` (${SUBJECT.digest}) against the deployed model ${DIGEST}, on 300 clean inputs (${DIGEST}) with 3 triggers (2 of builtin ${ESCAPED}, 1 supplied); behaviours compared: label, refusal; policy bundle ${DIGEST}.`,
    );
    expect(markdown).toContain('Benjamini-Hochberg q-values control the false discovery rate across triggers at 0.05.');
    const header = lines.indexOf('| trigger | kind | candidate changed | reference changed | candidate only | reference only | p | q | flagged |');
    expect(lines.slice(header + 2, header + 5)).toEqual([
      `| ${ESCAPED} | phrase | 80/300 | 15/300 | 66 | 1 | 1e-18 | 3e-18 | **yes** |`,
      '| mn | token | 16/300 | 15/300 | 3 | 2 | 0.04 | 0.3 | no |',
      '| cf | token | 16/300 | 15/300 | 3 | 2 | 0.2 | 0.3 | no |',
    ]);
    expect(lines.slice(lines.indexOf('## Triggers that stand out'), lines.indexOf('## Triggers that stand out') + 3)).toEqual(['## Triggers that stand out', '', `- ${ESCAPED}: for example inputs in\\-1, ${ESCAPED}`]);
    const cannot = lines.indexOf('## What this scan cannot find');
    expect(lines.slice(cannot + 2, cannot + 2 + BACKDOOR_LIMITATIONS.length)).toEqual(BACKDOOR_LIMITATIONS.map((l) => `- ${l}`));
    expect(lines.slice(lines.indexOf('## Why') + 2)).toEqual([`- trigger ${ESCAPED} changes the candidate's behaviour`.replace("'", "\\'"), '']);
  });

  it('shows a clean scan without examples or reasons, and no policy bundle as such', () => {
    const clean = { ...predicate, verdict: 'pass', reasons: [], policy: null, results: predicate.results.map((r) => ({ ...r, flagged: false })), flagged: [] } as unknown as BackdoorPredicate;
    const markdown = formatBackdoorReport(SUBJECT, clean, { predicate: clean, examples: {} } as unknown as BackdoorReport);
    expectMarkdownBlocks(markdown);
    expect(markdown.split('\n')[0]).toBe('# Backdoor scan: PASS');
    expect(markdown).toContain('; policy bundle (none).');
    expect(markdown).not.toContain('## Triggers that stand out');
    expect(markdown).not.toContain('## Why');
    expect(markdown).toContain('## What this scan cannot find');
    // Unflagged, the rows go by p-value alone.
    expect(markdown.indexOf(`| ${ESCAPED} | phrase |`)).toBeLessThan(markdown.indexOf('| mn | token |'));
    expect(markdown.indexOf('| mn | token |')).toBeLessThan(markdown.indexOf('| cf | token |'));
    // A flagged trigger comes first whatever its p-value (BH flags the smallest, but the summary does not rely on it).
    const cfFlagged = { ...clean, results: clean.results.map((r) => ({ ...r, flagged: r.trigger === 'cf' })) } as BackdoorPredicate;
    const flaggedFirst = formatBackdoorReport(SUBJECT, cfFlagged, { predicate: cfFlagged, examples: {} } as unknown as BackdoorReport);
    expect(flaggedFirst.indexOf('| cf | token |')).toBeLessThan(flaggedFirst.indexOf(`| ${ESCAPED} | phrase |`));
  });
});
