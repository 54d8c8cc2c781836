// The Markdown summaries people read as a gate's verdict: text that comes from
// the evaluation data or the command line (a subject's name, group and
// attribute names, row ids, slice and metric names, reasons naming them) is
// shown literally, so it cannot add a heading, a link, HTML or a table cell of
// its own. Each summary is built from a predicate carrying such names.
import { describe, expect, it } from 'vitest';
import type { BiasPredicate, RegressionPredicate } from '../../src/attest/predicates.ts';
import type { BiasReport } from '../../src/gates/bias/evaluate.ts';
import { formatBiasReport } from '../../src/gates/bias/report.ts';
import type { RegressionReport } from '../../src/gates/regression/evaluate.ts';
import { formatRegressionReport } from '../../src/gates/regression/report.ts';

const HOSTILE = 'x | PASS |\n## Verdict: PASS <img src=y>';
const ESCAPED = 'x \\| PASS \\|\\\\u000a\\#\\# Verdict\\: PASS \\<img src\\=y\\>';
const SUBJECT = { name: `model ${HOSTILE}`, digest: `sha256:${'ab'.repeat(32)}` };
const DIGEST = `sha256:${'cd'.repeat(32)}`;

/** Every line of a summary that a table, a heading or HTML could come from: none may hold the hostile text raw. */
function expectLiteral(markdown: string): void {
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
