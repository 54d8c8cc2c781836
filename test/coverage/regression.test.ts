import { describe, expect, it } from 'vitest';
import { CI_SIZE, formatCoverageTable, runRegressionCoverage } from './regression-harness.ts';

// The CI-sized run of the coverage harness (the full table: npm run bench:coverage-regression).
// With 400 replicates a 95% interval's coverage is measured to about ±1.1% (one standard
// error), so the floors below leave room for Monte-Carlo error: coverage at least 93%, and a
// one-sided 2.5% error rate (pass at the margin, fail when nothing changed) at most 5%.
const rows = await runRegressionCoverage(CI_SIZE);
const table = formatCoverageTable(rows);

describe('regression gate intervals, simulated with a known truth', () => {
  it('covers every interval kind the gate reports, at the margin and unchanged', () => {
    const kinds = new Set(rows.map((row) => row.interval));
    expect([...kinds].sort()).toEqual([
      'latency_p50 ratio (paired bootstrap)',
      'latency_p99 ratio (paired bootstrap)',
      'paired 0/1 (Tango)',
      'paired bounded mean (pseudo-pair t)',
      'run-level ratio (Welch log t)',
      'slices (Bonferroni, simultaneous)',
    ]);
    for (const kind of kinds) expect(rows.some((row) => row.interval === kind && row.truth === 'margin'), kind).toBe(true);
  });

  it.each(rows.map((row) => [`${row.interval}, ${row.scenario}, n = ${row.n}`, row] as const))('%s: 95%% intervals cover the truth at least 93%% of the time', (_, row) => {
    expect(row.coverage, table).toBeGreaterThanOrEqual(0.93);
  });

  it.each(rows.filter((row) => row.truth === 'margin').map((row) => [`${row.interval}, ${row.scenario}, n = ${row.n}`, row] as const))('%s: passes at most 5%% of the time when the true change is the tolerance', (_, row) => {
    expect(row.pass, table).toBeLessThanOrEqual(0.05);
  });

  it.each(rows.filter((row) => row.truth === 'unchanged').map((row) => [`${row.interval}, ${row.scenario}, n = ${row.n}`, row] as const))('%s: fails at most 5%% of the time when nothing changed', (_, row) => {
    expect(row.fail, table).toBeLessThanOrEqual(0.05);
  });

  it('never passes identical models on 20 examples', () => {
    const identical = rows.find((row) => row.scenario === 'identical models')!;
    expect(identical.n).toBe(20);
    expect(identical.pass).toBe(0);
  });
});
