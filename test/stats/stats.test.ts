import { availableParallelism } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { RankedSample, bootstrapQuantileChange, bootstrapQuantileChanges, drawCounts, pairedBootstrap, pairedBootstrapMeans, quantileOfSorted } from '../../src/stats/bootstrap.ts';
import { clopperPearsonInterval, samplesNeeded, wilsonInterval } from '../../src/stats/intervals.ts';
import { binomial, seededRandom } from '../../src/stats/random.ts';
import { runBootstraps, type BootstrapJob } from '../../src/stats/parallel.ts';
import { betaQuantile, normalCdf, normalQuantile } from '../../src/stats/special.ts';
import { benjaminiHochberg, cohensD, cohensDz, exactMcNemarGreater, hodgesLehmannShift, holm, mannWhitneyU } from '../../src/stats/hypothesis-tests.ts';
import golden from '../fixtures/golden/stats.json' with { type: 'json' };

// Tolerances: closed forms and special functions agree with scipy to 1e-9
// (relative); the bootstrap is compared within Monte Carlo error.
const close = (actual: number, expected: number, tolerance = 1e-9) => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
};

describe('special functions', () => {
  it('normal quantile and CDF match scipy.stats.norm', () => {
    for (const { p, ppf } of golden.normal) {
      close(normalQuantile(p), ppf, 1e-12);
      close(normalCdf(ppf), p, 1e-12);
    }
  });

  it('beta quantile matches scipy.stats.beta.ppf', () => {
    for (const { p, a, b, ppf } of golden.beta) close(betaQuantile(p, a, b), ppf, 1e-10);
  });
});

describe('binomial intervals', () => {
  it('Wilson and Clopper-Pearson match scipy binomtest(...).proportion_ci', () => {
    for (const { k, n, level, wilson, exact } of golden.wilson_exact) {
      const w = wilsonInterval(k, n, level);
      close(w.low, wilson[0]!);
      close(w.high, wilson[1]!);
      const e = clopperPearsonInterval(k, n, level);
      close(e.low, exact[0]!, 1e-9);
      close(e.high, exact[1]!, 1e-9);
    }
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => clopperPearsonInterval(-1, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 0)).toThrow(RangeError);
  });
});

describe('samplesNeeded', () => {
  it('answers "how many clean samples show a 99% rate at 95% confidence" (299, the rule of three)', () => {
    expect(samplesNeeded(0.99, 0.95)).toBe(299);
    const n = samplesNeeded(0.99, 0.95);
    expect(clopperPearsonInterval(n, n, 0.9).low).toBeGreaterThanOrEqual(0.99);
    expect(clopperPearsonInterval(n - 1, n - 1, 0.9).low).toBeLessThan(0.99);
  });

  it('allows for failures: the smallest n whose one-sided lower bound still reaches the rate', () => {
    const n = samplesNeeded(0.99, 0.95, 2);
    expect(clopperPearsonInterval(n - 2, n, 0.9).low).toBeGreaterThanOrEqual(0.99);
    expect(clopperPearsonInterval(n - 3, n - 1, 0.9).low).toBeLessThan(0.99);
  });
});

describe('rank tests', () => {
  it('Mann-Whitney U with tie and continuity correction matches scipy (method=asymptotic)', () => {
    for (const { x, y, u, p, hodges_lehmann } of golden.mann_whitney) {
      const result = mannWhitneyU(x, y);
      close(result.u, u, 1e-12);
      close(result.pValue, p, 1e-9);
      close(hodgesLehmannShift(x, y).shift, hodges_lehmann, 1e-12);
    }
  });

  it('the Hodges-Lehmann interval covers the shift and narrows with more data', () => {
    const random = seededRandom(7);
    const sample = (n: number, shift: number) => Array.from({ length: n }, () => normalQuantile(random.next() * 0.998 + 0.001) + shift);
    const small = hodgesLehmannShift(sample(20, 0), sample(20, 1));
    const large = hodgesLehmannShift(sample(200, 0), sample(200, 1));
    expect(small.ci.low).toBeLessThan(small.shift);
    expect(small.ci.high).toBeGreaterThan(small.shift);
    expect(large.ci.high - large.ci.low).toBeLessThan(small.ci.high - small.ci.low);
    expect(large.ci.low).toBeLessThan(1);
    expect(large.ci.high).toBeGreaterThan(1);
  });
});

describe('effect sizes', () => {
  it("Cohen's d (pooled) and d_z match numpy", () => {
    const { x, y, cohens_d, differences, cohens_dz } = golden.effect_sizes;
    close(cohensD(x, y), cohens_d, 1e-12);
    close(cohensDz(differences), cohens_dz, 1e-12);
  });

  it('refuses fewer than two values in a sample: no variance to scale by', () => {
    expect(() => cohensDz([0.3])).toThrow(RangeError);
    expect(() => cohensD([1], [2, 3])).toThrow(RangeError);
    expect(cohensDz([0.2, 0.4])).toBeCloseTo(0.3 / Math.sqrt(0.02), 12);
  });

  it("gives an unbounded Cohen's d for constant samples that differ, and an undefined one for equal ones", () => {
    expect([cohensD([1, 1], [2, 2]), cohensD([2, 2, 2], [1, 1]), cohensD([1, 1], [1, 1])]).toEqual([Infinity, -Infinity, Number.NaN]);
  });
});

describe('multiple testing', () => {
  it('Benjamini-Hochberg matches scipy.stats.false_discovery_control and Holm matches its definition', () => {
    const { p, bh, holm: expectedHolm } = golden.multiple_testing;
    // Over the expected values: forEach over the result would skip the holes of an unfilled array.
    const adjusted = benjaminiHochberg(p);
    bh.forEach((q, i) => close(adjusted[i]!, q, 1e-12));
    const stepDown = holm(p);
    expectedHolm.forEach((q, i) => close(stepDown[i]!, q, 1e-12));
  });
});

describe('exactMcNemarGreater', () => {
  it('is P(X >= more) for X ~ Binomial(more + fewer, 1/2): 1 with none, 2^-more with no pair the other way', () => {
    expect(exactMcNemarGreater(0, 7)).toBe(1);
    expect(exactMcNemarGreater(0, 0)).toBe(1);
    close(exactMcNemarGreater(5, 0), 1 / 32, 1e-12);
    // P(X >= 3 | n = 4) = (4 + 1) / 16.
    close(exactMcNemarGreater(3, 1), 5 / 16, 1e-12);
  });

  it('refuses counts that are not whole and non-negative', () => {
    for (const [more, fewer] of [
      [1.5, 2],
      [2, 1.5],
      [-1, 2],
      [2, -1],
    ] as const) {
      expect(() => exactMcNemarGreater(more, fewer), `${more}, ${fewer}`).toThrow(RangeError);
    }
  });
});

describe('bootstrap', () => {
  it('percentile interpolation matches numpy.percentile', () => {
    const sorted = Float64Array.from(golden.percentiles.values).sort();
    for (const { q, value } of golden.percentiles.quantiles) close(quantileOfSorted(sorted, q), value, 1e-12);
  });

  it('is reproducible from its seed, and differs with another seed', () => {
    const data = Float64Array.from(golden.bootstrap.data);
    const [a] = pairedBootstrapMeans([data], { seed: 42 });
    const [b] = pairedBootstrapMeans([data], { seed: 42 });
    const [c] = pairedBootstrapMeans([data], { seed: 43 });
    expect(a).toEqual(b);
    expect(c!.ci.low).not.toBe(a!.ci.low);
    expect(a!.resamples).toBe(2000);
  });

  it("agrees with scipy.stats.bootstrap's percentile interval within Monte Carlo error", () => {
    const data = Float64Array.from(golden.bootstrap.data);
    const [result] = pairedBootstrapMeans([data], { seed: 1, resamples: 20000 });
    close(result!.estimate, golden.bootstrap.mean, 1e-12);
    // Each endpoint's Monte Carlo error is a small fraction of the standard error.
    expect(Math.abs(result!.ci.low - golden.bootstrap.ci[0]!)).toBeLessThan(0.1 * golden.bootstrap.se);
    expect(Math.abs(result!.ci.high - golden.bootstrap.ci[1]!)).toBeLessThan(0.1 * golden.bootstrap.se);
  });

  it('gives p = (c+1)/(B+1): small for a clear effect, large for none', () => {
    const random = seededRandom(3);
    const noise = Float64Array.from({ length: 500 }, () => random.next() - 0.5);
    const shifted = noise.map((v) => v + 0.2);
    const [none, clear] = pairedBootstrapMeans([noise, shifted], { seed: 9 });
    expect(clear!.pValue).toBe(1 / 2001);
    expect(none!.pValue).toBeGreaterThan(0.05);
  });

  it('reads quantiles from resample counts exactly as sorting the resample would', () => {
    const random = seededRandom(21);
    // Tied values, and distinct ones (where interpolation crosses ranks), with quantiles on both walking sides.
    const tied = Float64Array.from({ length: 257 }, () => Math.round(random.next() * 50));
    const distinct = Float64Array.from({ length: 200 }, () => random.next());
    const qs = [0, 0.1, 0.37, 0.5, 0.63, 0.9, 0.99, 1];
    for (const [values, seed] of [tied, distinct].flatMap((values) => [1, 2, 3].map((seed) => [values, seed] as const))) {
      const counts = new Uint32Array(values.length);
      drawCounts(counts, seededRandom(seed));
      const expanded = Float64Array.from(Array.from(counts).flatMap((count, i) => Array(count).fill(values[i]))).sort();
      bootstrapQuantileChanges(values, values, qs, { seed, paired: true, resamples: 1 }).forEach(({ q, baseline }) => {
        expect(baseline.ci.low).toBe(quantileOfSorted(expanded, q));
      });
    }
  });

  it('reads the same quantiles from narrow bands, where resamples often leave them, as from wide ones and from sorting', () => {
    const random = seededRandom(23);
    const values = Float64Array.from({ length: 3000 }, () => Math.round(random.next() * 400));
    const qs = [0.01, 0.5, 0.9, 0.99];
    const narrow = new RankedSample(values, qs, 0);
    const wide = new RankedSample(values, qs);
    const indices = new Uint32Array(values.length);
    const draws = seededRandom(24);
    for (let b = 0; b < 40; b++) {
      draws.fillIndices(indices, values.length);
      narrow.resample(indices);
      wide.resample(indices);
      const sorted = Float64Array.from(indices, (i) => values[i]!).sort();
      for (const q of qs) {
        expect(narrow.quantile(q)).toBe(quantileOfSorted(sorted, q));
        expect(wide.quantile(q)).toBe(quantileOfSorted(sorted, q));
      }
    }
  });

  it('shows a tail regression in p99 even when the median is flat', () => {
    const random = seededRandom(11);
    const baseline = Float64Array.from({ length: 2000 }, () => 100 + 10 * random.next());
    const candidate = Float64Array.from(baseline, (v, i) => (i % 50 === 0 ? v * 3 : v));
    const p50 = bootstrapQuantileChange(baseline, candidate, 0.5, { seed: 5, paired: true, resamples: 500 });
    const p99 = bootstrapQuantileChange(baseline, candidate, 0.99, { seed: 5, paired: true, resamples: 500 });
    expect(Math.abs(p50.relativeChange.estimate)).toBeLessThan(0.01);
    expect(p99.relativeChange.ci.low).toBeGreaterThan(0.5);
  });
});

describe('runBootstraps', () => {
  // runBootstraps prices a job at values x (columns + 3 per quantile bootstrap) x
  // resamples, and starts threads from 50 million. A 0/1 column is drawn as a
  // binomial per resample, so these jobs cost little to run whatever their price:
  // the tests stay fast, also under mutation testing's instrumentation.
  const random = seededRandom(17);
  const column = Float64Array.from({ length: 100_000 }, () => (random.next() < 0.3 ? 1 : 0));
  const meanJob = (length: number, resamples: number, seed = 1): BootstrapJob => ({ columns: [column.subarray(0, length)], options: { seed, resamples } });
  // The process's worker threads (vitest runs each file in a process or thread of its own).
  const threads = () => (process.report.getReport() as unknown as { workers: unknown[] }).workers.length;
  // Threads a fresh copy of the module (a pool of its own) starts for these jobs, and its results.
  async function run(jobs: BootstrapJob[]) {
    vi.resetModules();
    const { runBootstraps: fresh } = await import('../../src/stats/parallel.ts');
    const before = threads();
    const results = await fresh(jobs);
    return { started: threads() - before, results };
  }
  const onThreads = (jobs: number) => (availableParallelism() < 2 ? 0 : Math.min(jobs, availableParallelism()));

  it('gives on worker threads exactly what each job gives inline: results depend on seeds, not threads', async () => {
    const jobs = [1, 2, 3].map((seed) => meanJob(100_000, 600, seed));
    const { started, results } = await run(jobs);
    expect(started).toBe(onThreads(3));
    jobs.forEach((job, i) => expect(results[i]!.means[0]!.ci).toEqual(pairedBootstrap(job.columns, undefined, job.options).means[0]!.ci));
    expect((await runBootstraps(jobs)).map((r) => r.means[0]!.ci)).toEqual(results.map((r) => r.means[0]!.ci));
  });

  it('runs work below 50 million inline, and from exactly 50 million on threads', async () => {
    expect((await run([meanJob(100_000, 100)])).started).toBe(0);
    // 25,000,000 + 24,999,750: one job too few values.
    const below = await run([meanJob(100_000, 250), meanJob(99_999, 250, 2)]);
    expect(below.started).toBe(0);
    expect(below.results[1]!.means[0]!.ci).toEqual(pairedBootstrap([column.subarray(0, 99_999)], undefined, { seed: 2, resamples: 250 }).means[0]!.ci);
    expect((await run([meanJob(100_000, 250), meanJob(100_000, 250, 2)])).started).toBe(onThreads(2));
    // One job, however large, runs inline: a thread would only add its start.
    expect((await run([meanJob(100_000, 600)])).started).toBe(0);
  });

  it('prices a quantile bootstrap at three columns (baseline, candidate and their change)', async () => {
    // Two jobs of 100,000 paired latencies and 100 resamples: 30 million each, only through the quantiles.
    const latency = Float64Array.from({ length: 100_000 }, (_, i) => 100 + (i % 997));
    const quantileJob = (seed: number): BootstrapJob => ({ columns: [], quantiles: { baseline: latency, candidate: latency, qs: [0.5] }, options: { seed, resamples: 100 } });
    const { started, results } = await run([quantileJob(1), quantileJob(2)]);
    expect(started).toBe(onThreads(2));
    expect(results[0]!.quantiles[0]!.relativeChange.estimate).toBe(0);
    expect((await run([quantileJob(1)])).started).toBe(0);
  });
});

describe('binomial', () => {
  it('draws with the binomial mean and variance, small and large n', () => {
    const random = seededRandom(29);
    for (const [n, p] of [[12, 0.3], [400, 0.02], [200_000, 0.35], [200_000, 0.97]] as const) {
      const draws = Array.from({ length: 4000 }, () => binomial(n, p, random));
      const m = draws.reduce((a, b) => a + b, 0) / draws.length;
      const v = draws.reduce((a, b) => a + (b - m) ** 2, 0) / (draws.length - 1);
      expect(Math.abs(m - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / draws.length));
      expect(v / (n * p * (1 - p))).toBeGreaterThan(0.85);
      expect(v / (n * p * (1 - p))).toBeLessThan(1.15);
    }
  });
});

describe('seededRandom', () => {
  it('is uniform enough for resampling: every bucket within 5% of its share', () => {
    const random = seededRandom(123);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[random.int(10)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('gives distinct streams for seeds that differ only above 32 bits', () => {
    const stream = (seed: number) => Array.from({ length: 4 }, seededRandom(seed).next);
    const seeds = [1, 2 ** 32 + 1, 2 ** 33 + 1, 2 ** 32, 0, 2 ** 52 - 1];
    const streams = seeds.map((seed) => JSON.stringify(stream(seed)));
    expect(new Set(streams).size).toBe(seeds.length);
    expect(stream(2 ** 40 + 5)).toEqual(stream(2 ** 40 + 5));
  });
});
