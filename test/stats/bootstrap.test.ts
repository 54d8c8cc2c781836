// The bootstrap's resampled distributions are checked exactly against naive
// references fed by the same seeded stream: a decision record names its seed,
// and a replay must draw the same resamples, so which draws a bootstrap takes
// from the stream, and in what order, is part of what it promises. Where a
// shortcut (multinomial draws, banded rank counts) replaces the naive
// resample, the reference spells out the documented contract, and the
// multinomial draw is also checked against its exact law by simulation.
import { describe, expect, it } from 'vitest';
import {
  RankedSample,
  bootstrapQuantileChanges,
  pairedBootstrap,
  pairedBootstrapMeans,
  quantile,
  quantileOfSorted,
  summariseDistribution,
  type PairedQuantiles,
} from '../../src/stats/bootstrap.ts';
import { binomial, seededRandom, type SeededRandom } from '../../src/stats/random.ts';

// Columns with at most this many distinct values are drawn as multinomials.
const MAX_DISCRETE = 32;

function distinct(column: Float64Array): { values: number[]; counts: number[] } {
  const values = [...new Set(column)].sort((a, b) => a - b);
  return { values, counts: values.map((value) => column.filter((x) => x === value).length) };
}

// A discrete column's resample mean as documented: one conditional binomial
// per distinct value in ascending order, the last value taking what is left.
function multinomialMean({ values, counts }: { values: number[]; counts: number[] }, n: number, random: SeededRandom): number {
  let left = n;
  let share = n;
  let sum = 0;
  values.forEach((value, v) => {
    const draws = v === values.length - 1 ? left : binomial(left, counts[v]! / share, random);
    sum += draws * value;
    left -= draws;
    share -= counts[v]!;
  });
  return sum / n;
}

function indexMean(column: Float64Array, indices: Uint32Array): number {
  let sum = 0;
  for (const i of indices) sum += column[i]!;
  return sum / indices.length;
}

const quantileOfResample = (values: Float64Array, indices: Uint32Array, q: number) => quantileOfSorted(Float64Array.from(indices, (i) => values[i]!).sort(), q);

// pairedBootstrap spelled out naively: per resample, one draw of example
// indices if a continuous column or a quantile needs it; then each column in
// order (discrete ones drawing their binomials from the same stream); then the
// quantiles of the sorted resample.
function referencePairedBootstrap(columns: Float64Array[], quantiles: PairedQuantiles | undefined, resamples: number, seed: number) {
  const n = columns[0]?.length ?? quantiles!.baseline.length;
  const random = seededRandom(seed);
  const discrete = columns.map((column) => (new Set(column).size <= MAX_DISCRETE ? distinct(column) : undefined));
  const drawsIndices = quantiles !== undefined || discrete.includes(undefined);
  const indices = new Uint32Array(n);
  const qs = quantiles?.qs ?? [];
  const means = columns.map(() => new Float64Array(resamples));
  const baseline = qs.map(() => new Float64Array(resamples));
  const candidate = qs.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; b++) {
    if (drawsIndices) random.fillIndices(indices, n);
    columns.forEach((column, c) => {
      const values = discrete[c];
      means[c]![b] = values === undefined ? indexMean(column, indices) : multinomialMean(values, n, random);
    });
    qs.forEach((q, i) => {
      baseline[i]![b] = quantileOfResample(quantiles!.baseline, indices, q);
      candidate[i]![b] = quantileOfResample(quantiles!.candidate, indices, q);
    });
  }
  return { means, baseline, candidate };
}

// The unpaired bootstrap: per resample, the baseline's indices, then the candidate's.
function referenceUnpaired(baseline: Float64Array, candidate: Float64Array, qs: readonly number[], resamples: number, seed: number) {
  const random = seededRandom(seed);
  const baseIndices = new Uint32Array(baseline.length);
  const candIndices = new Uint32Array(candidate.length);
  const base = qs.map(() => new Float64Array(resamples));
  const cand = qs.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; b++) {
    random.fillIndices(baseIndices, baseline.length);
    random.fillIndices(candIndices, candidate.length);
    qs.forEach((q, i) => {
      base[i]![b] = quantileOfResample(baseline, baseIndices, q);
      cand[i]![b] = quantileOfResample(candidate, candIndices, q);
    });
  }
  return { baseline: base, candidate: cand };
}

const uniform = (length: number, seed: number, scale = 1) => {
  const random = seededRandom(seed);
  return Float64Array.from({ length }, () => scale * random.next());
};

describe('quantileOfSorted', () => {
  it('refuses no values', () => {
    expect(() => quantileOfSorted(new Float64Array(0), 0.5)).toThrow(new RangeError('quantile of no values'));
  });

  it.each([-0.01, 1.01, Number.NaN])('refuses q = %s, outside [0, 1]', (q) => {
    expect(() => quantileOfSorted(Float64Array.of(1, 2, 3), q)).toThrow(new RangeError(`quantile must be in [0, 1], got ${q}`));
  });
});

describe('quantile', () => {
  it('sorts its values first: the same as quantileOfSorted of a sorted copy', () => {
    const values = Float64Array.of(7, -2, 5, 0.5, 3, 11, -4);
    const sorted = Float64Array.from(values).sort();
    for (const q of [0, 0.2, 0.5, 0.75, 1]) expect(quantile(values, q), `q = ${q}`).toBe(quantileOfSorted(sorted, q));
    expect(quantile(values, 0.5)).toBe(3);
  });
});

describe('summariseDistribution', () => {
  it('counts a resampled value exactly as far from the estimate as the estimate is from 0 towards the p-value', () => {
    // |0 - 0.5| and |1 - 0.5| equal |0.5|: two of five, so p = (2 + 1) / (5 + 1).
    const result = summariseDistribution(0.5, Float64Array.of(0, 1, 0.25, 0.75, 0.5), 0.95, 1);
    expect(result.pValue).toBe(0.5);
  });
});

describe('pairedBootstrap', () => {
  describe('when its inputs are not one set of paired examples', () => {
    const three = Float64Array.of(1, 2, 3);
    const four = Float64Array.of(1, 2, 3, 4);

    it('refuses no examples', () => {
      expect(() => pairedBootstrap([], undefined, { seed: 1 })).toThrow(new RangeError('bootstrap of no examples'));
      expect(() => pairedBootstrap([new Float64Array(0)], undefined, { seed: 1 })).toThrow(new RangeError('bootstrap of no examples'));
    });

    it('refuses columns of different lengths', () => {
      expect(() => pairedBootstrap([three, four], undefined, { seed: 1 })).toThrow(new RangeError('paired columns must have the same length'));
    });

    it.each([
      ['baseline', { baseline: four, candidate: three, qs: [0.5] }],
      ['candidate', { baseline: three, candidate: four, qs: [0.5] }],
    ] as const)('refuses a %s sample of another length than the columns', (_, quantiles) => {
      expect(() => pairedBootstrap([three], quantiles, { seed: 1 })).toThrow(new RangeError('paired samples must have the same length'));
    });
  });

  describe('for a column of at most 32 distinct values', () => {
    // Unsorted, with a negative value and a tie, and skewed so that a
    // resample mean of the wrong sign or scale has another law.
    const column = Float64Array.of(2, -1, 0, 3, 0);

    // P(a resample's sum = s) for every possible s, enumerating the multinomial counts of the distinct values.
    function exactSumLaw(values: number[], counts: number[], n: number): Map<number, number> {
      const logFactorial = (k: number) => Array.from({ length: k }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0);
      const law = new Map<number, number>();
      const visit = (v: number, left: number, logP: number, sum: number): void => {
        if (v === values.length) {
          if (left === 0) law.set(sum, (law.get(sum) ?? 0) + Math.exp(logFactorial(n) + logP));
          return;
        }
        for (let k = 0; k <= left; k++) visit(v + 1, left - k, logP + k * Math.log(counts[v]! / n) - logFactorial(k), sum + k * values[v]!);
      };
      visit(0, n, 0, 0);
      return law;
    }

    it('gives resample means with the exact law of a bootstrap resample, within Monte Carlo error', () => {
      const { values, counts } = distinct(column);
      const law = exactSumLaw(values, counts, column.length);
      const resamples = 200_000;
      const [result] = pairedBootstrapMeans([column], { seed: 7, resamples });
      const seen = new Map<number, number>();
      for (const mean of result!.distribution!) {
        const sum = Math.round(mean * column.length);
        seen.set(sum, (seen.get(sum) ?? 0) + 1);
      }
      // Each frequency is binomial: 5 standard errors leave a false alarm
      // below 1e-6 per value (about 20 values); a sum the law rules out fails.
      for (const sum of new Set([...law.keys(), ...seen.keys()])) {
        const p = law.get(sum) ?? 0;
        const frequency = (seen.get(sum) ?? 0) / resamples;
        expect(Math.abs(frequency - p), `sum ${sum}: ${frequency} vs ${p}`).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / resamples));
      }
    });

    it('draws it, even at 32 distinct values, as one binomial per value in ascending order and no example indices', () => {
      // 32 distinct values, unsorted, 13 of them twice.
      const values = Float64Array.from({ length: 45 }, (_, i) => ((i * 7) % 32) - 10);
      expect(new Set(values).size).toBe(32);
      const [result] = pairedBootstrapMeans([values], { seed: 3, resamples: 500 });
      expect(result!.distribution).toEqual(referencePairedBootstrap([values], undefined, 500, 3).means[0]);
    });

    it('gives the value itself for a column of one value', () => {
      const [result] = pairedBootstrapMeans([new Float64Array(7).fill(-2.5)], { seed: 2, resamples: 50 });
      expect(result!.distribution).toEqual(new Float64Array(50).fill(-2.5));
    });
  });

  describe('for a column of more than 32 distinct values', () => {
    it('resamples it through one draw of example indices per resample', () => {
      const column = Float64Array.from({ length: 40 }, (_, i) => (i * 13) % 33);
      expect(new Set(column).size).toBe(33);
      const [result] = pairedBootstrapMeans([column], { seed: 4, resamples: 500 });
      expect(result!.distribution).toEqual(referencePairedBootstrap([column], undefined, 500, 4).means[0]);
    });
  });

  describe('with several columns', () => {
    const n = 60;
    const random = seededRandom(41);
    const correct = Float64Array.from({ length: n }, () => (random.next() < 0.7 ? 1 : 0));
    const differences = Float64Array.from({ length: n }, () => Math.floor(random.next() * 3) - 1);
    const scores = uniform(n, 42);

    it('draws no example indices when every column is discrete and no quantile is asked', () => {
      const results = pairedBootstrapMeans([correct, differences], { seed: 8, resamples: 400 });
      const expected = referencePairedBootstrap([correct, differences], undefined, 400, 8).means;
      expect(results.map((result) => result.distribution)).toEqual(expected);
    });

    it('gives continuous columns one shared draw of indices per resample, discrete ones their binomials after it', () => {
      const columns = [correct, scores, differences, scores.map((x) => x * x)];
      const results = pairedBootstrapMeans(columns, { seed: 9, resamples: 400 });
      const expected = referencePairedBootstrap(columns, undefined, 400, 9).means;
      expect(results.map((result) => result.distribution)).toEqual(expected);
    });

    it('reads quantiles from the resample of indices the continuous columns use', () => {
      const quantiles = { baseline: uniform(n, 43, 100), candidate: uniform(n, 44, 120), qs: [0.1, 0.5, 0.95] };
      const { means, quantiles: changes } = pairedBootstrap([differences, scores], quantiles, { seed: 10, resamples: 300 });
      const expected = referencePairedBootstrap([differences, scores], quantiles, 300, 10);
      expect(means.map((result) => result.distribution)).toEqual(expected.means);
      expect(changes.map((change) => change.baseline.distribution)).toEqual(expected.baseline);
      expect(changes.map((change) => change.candidate.distribution)).toEqual(expected.candidate);
    });
  });
});

describe('bootstrapQuantileChanges', () => {
  // Quantiles at both ends, below and above the middle, on and between ranks.
  const qs = [0, 0.02, 0.25, 0.5, 0.613, 0.9, 0.99, 1];
  // A baseline full of ties and a candidate of distinct values.
  const random = seededRandom(51);
  const tied = Float64Array.from({ length: 150 }, () => 100 + Math.round(random.next() * 20));
  const distinctValues = uniform(150, 52, 100).map((x) => x + 90);

  describe('when paired', () => {
    it("gives each resample's quantiles exactly as sorting the resample would", () => {
      const changes = bootstrapQuantileChanges(tied, distinctValues, qs, { seed: 12, resamples: 300, paired: true });
      const expected = referencePairedBootstrap([], { baseline: tied, candidate: distinctValues, qs }, 300, 12);
      expect(changes.map((change) => change.baseline.distribution)).toEqual(expected.baseline);
      expect(changes.map((change) => change.candidate.distribution)).toEqual(expected.candidate);
    });
  });

  describe('when unpaired', () => {
    it("resamples the baseline, then the candidate, and gives each resample's quantiles exactly as sorting would", () => {
      const candidate = distinctValues.subarray(0, 97);
      const changes = bootstrapQuantileChanges(tied, candidate, qs, { seed: 13, resamples: 300, paired: false });
      const expected = referenceUnpaired(tied, candidate, qs, 300, 13);
      expect(changes.map((change) => change.baseline.distribution)).toEqual(expected.baseline);
      expect(changes.map((change) => change.candidate.distribution)).toEqual(expected.candidate);
    });
  });

  it('gives the relative change of each resample as candidate / baseline - 1', () => {
    for (const paired of [true, false]) {
      for (const { baseline, candidate, relativeChange } of bootstrapQuantileChanges(tied, distinctValues, [0.3, 0.9], { seed: 14, resamples: 200, paired })) {
        const expected = Float64Array.from(candidate.distribution!, (c, b) => c / baseline.distribution![b]! - 1);
        expect(relativeChange.distribution, `paired: ${paired}`).toEqual(expected);
      }
    }
  });

  it.each([
    ['baseline', new Float64Array(0), tied],
    ['candidate', tied, new Float64Array(0)],
  ])('refuses an empty %s', (_, baseline, candidate) => {
    for (const paired of [true, false]) {
      expect(() => bootstrapQuantileChanges(baseline, candidate, [0.5], { seed: 1, paired })).toThrow(new RangeError('quantiles of no values'));
    }
  });
});

describe('RankedSample', () => {
  describe('#quantile', () => {
    const exactQuantiles = (sample: RankedSample, values: Float64Array, indices: Uint32Array, qs: readonly number[]) => {
      sample.resample(indices);
      for (const q of qs) expect(sample.quantile(q), `q = ${q}`).toBe(quantileOfResample(values, indices, q));
    };

    // Distinct values, so reading a neighbouring rank by mistake gives another number.
    it.each([
      ['bands of no width, which most resamples leave', 0],
      ['the default bands', undefined],
    ])('reads the exact quantile of each resample with %s', (_, spread) => {
      const values = uniform(400, 61);
      const qs = [0, 0.004, 0.05, 0.3, 0.5, 0.62, 0.97, 1];
      const sample = new RankedSample(values, qs, spread);
      const random = seededRandom(62);
      const indices = new Uint32Array(values.length);
      for (let b = 0; b < 300; b++) {
        random.fillIndices(indices, values.length);
        exactQuantiles(sample, values, indices, qs);
      }
    });

    it('reads the exact quantile of a resample that draws one example almost every time', () => {
      // Far outside any band: at most one draw is not the smallest (or the largest) value.
      const values = Float64Array.of(5, 1, 9, 3, 7, 2, 8, 4, 6);
      const qs = Array.from({ length: 21 }, (_, i) => i / 20);
      const sample = new RankedSample(values, [0.5], 0);
      for (const indices of [[1, 1, 1, 1, 1, 1, 1, 1, 2], [2, 2, 2, 2, 2, 2, 2, 2, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2, 2]]) {
        exactQuantiles(sample, values, Uint32Array.from(indices), qs);
      }
    });

    it('reads the exact quantile from more than 65,536 slots', () => {
      // A band as wide as the sample gives each of its 70,000 ranks a slot,
      // as the default bands do for a bootstrap of about 10^8 examples.
      const values = uniform(70_000, 63);
      const qs = [0, 0.1, 0.5, 0.9, 1];
      const indices = new Uint32Array(values.length);
      seededRandom(64).fillIndices(indices, values.length);
      exactQuantiles(new RankedSample(values, [0.5], 1e6), values, indices, qs);
    });
  });
});
