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
